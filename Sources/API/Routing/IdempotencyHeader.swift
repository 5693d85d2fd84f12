import CRM
import Crypto
import HTTP

/// Reads `Idempotency-Key` from a POST and turns a write into one that runs once per key
/// (the rules and the table are CRM's ``IdempotencyKey``; this is the HTTP side of it).
enum IdempotencyHeader {
    /// The request's key, or nil when it carries none (or is no POST, or has no caller key).
    /// A key is 1-255 visible ASCII characters, sent once, else `400`.
    static func key(of request: APIRequest) throws -> IdempotencyKey? {
        guard request.http.method == .post, let key = request.http.headers["Idempotency-Key"], let keyID = request.key?.id else {
            return nil
        }
        // Two keys are ambiguous, as two credentials are: which one counts must never be a question.
        guard request.http.headers.count(of: "Idempotency-Key") == 1 else {
            throw APIError.badRequest("more than one Idempotency-Key header", field: "Idempotency-Key")
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError.badRequest("Idempotency-Key must be 1-255 visible ASCII characters", field: "Idempotency-Key")
        }
        var hasher = SHA256()
        hasher.update(Array(request.http.method.name.utf8) + [0] + Array(request.http.target.utf8) + [0])
        hasher.update(request.http.body)
        return IdempotencyKey(keyID: keyID, key: key, requestHash: hasher.finalize(), target: request.http.target)
    }

    /// Runs `write` under `key`: a replay answers the stored response with
    /// `Idempotent-Replayed: true`.
    static func perform(
        _ key: IdempotencyKey, _ connection: StoreConnection, now: Timestamp, withheld: String?, _ write: () throws -> Response
    ) throws -> Response {
        var unstorable: Response?
        let (answer, replayed) = try key.perform(connection, now: now, withheld: withheld) {
            let response = try write()
            guard case .bytes(let body) = response.body else {
                // A streamed answer is never stored (status 0 is not a success to keep).
                unstorable = response
                return IdempotentAnswer(status: 0, headers: [], body: [])
            }
            return IdempotentAnswer(status: response.status, headers: response.headers, body: body)
        }
        if let unstorable { return unstorable }
        return replayed ? replay(answer) : Response(status: answer.status, headers: answer.headers, body: answer.body)
    }

    /// A stored answer as the response to its replay.
    static func replay(_ answer: IdempotentAnswer) -> Response {
        Response(status: answer.status, headers: answer.headers + [("Idempotent-Replayed", "true")], body: answer.body)
    }
}
