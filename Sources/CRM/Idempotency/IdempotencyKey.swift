import Crypto
import SQLite

/// `Idempotency-Key` on POST: the same key with the same request within 24 h replays the first
/// answer; with a different request it is a validation error (`422`).
///
/// The check and the record happen inside the writer's transaction, together with the write
/// itself, so two racing requests with one key cannot both write, and a crash cannot leave a
/// write without its record.
///
///     let key = IdempotencyKey(keyID: caller, key: header, requestHash: SHA256.hash(method + target + body))
///     let (answer, replayed) = try key.perform(connection, now: now) { try write() }
public struct IdempotencyKey: Sendable {
    static let retentionMilliseconds: Int64 = 24 * 3600 * 1000
    /// The status recorded in place of an answer that was not stored because it held a secret.
    static let withheldStatus = 409

    /// The API key the idempotency key belongs to (keys of different callers never collide).
    public let keyID: Int64
    public let key: String
    /// SHA-256 of what makes two requests the same one (method, target, body).
    public let requestHash: [UInt8]
    /// The request's path, which may name the customer the answer is about (``IdempotencySubject``).
    public let target: String?

    public init(keyID: Int64, key: String, requestHash: [UInt8], target: String? = nil) {
        self.keyID = keyID
        self.key = key
        self.requestHash = requestHash
        self.target = target
    }

    /// Runs `write` once per key: replays a stored answer (`replayed` true), refuses a different
    /// request, or performs the write and stores its (successful, 2xx) answer.
    ///
    /// An answer that carries a secret (a created API key) is never stored: `withheld` says what
    /// was created, and the record keeps only a marker (status `409`, no headers, no body), so a
    /// replay is refused with that text instead of showing the secret again.
    public func perform(
        _ connection: StoreConnection, now: Timestamp, withheld: String? = nil, _ write: () throws -> IdempotentAnswer
    ) throws -> (answer: IdempotentAnswer, replayed: Bool) {
        let cutoff = now.adding(milliseconds: -Self.retentionMilliseconds)
        if let stored = try IdempotencyStore.find(connection, keyID: keyID, key: key, after: cutoff) {
            guard constantTimeEquals(stored.requestHash, requestHash) else {
                throw CRMError.validation([
                    FieldIssue("Idempotency-Key", "reused", "this Idempotency-Key was used with a different request")
                ])
            }
            if let withheld, stored.answer.status == Self.withheldStatus {
                throw CRMError.conflict(
                    "this Idempotency-Key already \(withheld); a secret is shown only once and never stored", [])
            }
            return (stored.answer, true)
        }
        let answer = try write()
        if (200..<300).contains(answer.status) {
            let kept =
                withheld == nil ? answer : IdempotentAnswer(status: Self.withheldStatus, headers: [], body: [])
            try IdempotencyStore.save(
                connection, keyID: keyID, key: key, requestHash: requestHash, answer: kept,
                customerID: try IdempotencySubject.customerID(connection, target: target, body: kept.body), now: now, cutoff: cutoff)
        }
        return (answer, false)
    }
}
