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
        if let stored = try storedAnswer(connection, now: now, withheld: withheld) { return (stored, true) }
        let answer = try write()
        if (200..<300).contains(answer.status) {
            let kept =
                withheld == nil ? answer : IdempotentAnswer(status: Self.withheldStatus, headers: [], body: [])
            try store(connection, kept, now: now)
        }
        return (answer, false)
    }

    /// The status a reservation (``begin(_:now:)``) is stored with: never a stored answer's,
    /// since only 2xx answers and the withheld marker are kept.
    static let pendingStatus = 102

    /// The first step of a write that spans several transactions (an import, chunk by chunk),
    /// run in the first one's transaction: the stored answer to replay, a refusal (a different
    /// request, or one still running), or nil after the key is reserved, so that no other
    /// request with it writes while this one goes on. ``finish(_:_:now:)`` in the last
    /// transaction replaces the reservation with the answer. A request cut off between the two
    /// (a crash, a full disk) leaves its reservation: its first chunks stay written, so a retry
    /// with the key is refused (409) rather than writing them a second time.
    public func begin(_ connection: StoreConnection, now: Timestamp) throws -> IdempotentAnswer? {
        if let stored = try storedAnswer(connection, now: now, withheld: nil) { return stored }
        try store(connection, IdempotentAnswer(status: Self.pendingStatus, headers: [], body: []), now: now)
        return nil
    }

    /// The last step of a write ``begin(_:now:)`` reserved the key for: stores its answer.
    public func finish(_ connection: StoreConnection, _ answer: IdempotentAnswer, now: Timestamp) throws {
        try store(connection, answer, now: now)
    }

    /// The answer stored for this key within 24 h, if any; throws when it belongs to another
    /// request, when it was withheld, or when the request it belongs to has not finished.
    private func storedAnswer(_ connection: StoreConnection, now: Timestamp, withheld: String?) throws -> IdempotentAnswer? {
        let cutoff = now.adding(milliseconds: -Self.retentionMilliseconds)
        guard let stored = try IdempotencyStore.find(connection, keyID: keyID, key: key, after: cutoff) else { return nil }
        guard constantTimeEquals(stored.requestHash, requestHash) else {
            throw CRMError.validation([
                FieldIssue("Idempotency-Key", "reused", "this Idempotency-Key was used with a different request")
            ])
        }
        if stored.answer.status == Self.pendingStatus {
            throw CRMError.conflict(
                "a request with this Idempotency-Key is still running or was interrupted (what it wrote before stays); "
                    + "check the data, then send it again with a new key", [])
        }
        if let withheld, stored.answer.status == Self.withheldStatus {
            throw CRMError.conflict(
                "this Idempotency-Key already \(withheld); a secret is shown only once and never stored", [])
        }
        return stored.answer
    }

    private func store(_ connection: StoreConnection, _ answer: IdempotentAnswer, now: Timestamp) throws {
        try IdempotencyStore.save(
            connection, keyID: keyID, key: key, requestHash: requestHash, answer: answer,
            customerID: try IdempotencySubject.customerID(connection, target: target, body: answer.body), now: now,
            cutoff: now.adding(milliseconds: -Self.retentionMilliseconds))
    }
}
