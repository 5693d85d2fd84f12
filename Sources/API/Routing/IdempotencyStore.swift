import CRM
import Crypto
import HTTP
import JSON
import SQLite

/// `Idempotency-Key` on POST (API.md §1): the same key with the same request within 24 h replays
/// the first response with `Idempotent-Replayed: true`; with a different request it is a `422`.
///
/// The check and the record happen inside the writer's transaction, together with the write
/// itself, so two racing requests with one key cannot both write, and a crash cannot leave a
/// write without its record.
struct IdempotencyStore {
    static let retentionMilliseconds: Int64 = 24 * 3600 * 1000
    /// The status recorded in place of a response that was not stored because it held a secret.
    static let withheldStatus = 409

    let keyID: Int64
    let idempotencyKey: String
    let requestHash: [UInt8]

    /// Reads the key header; nil when the request carries none. A key is 1-255 visible ASCII characters.
    static func from(_ request: APIRequest) throws -> IdempotencyStore? {
        guard request.http.method == .post, let key = request.http.headers["Idempotency-Key"], let keyID = request.key?.id else {
            return nil
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError.badRequest("Idempotency-Key must be 1-255 visible ASCII characters", field: "Idempotency-Key")
        }
        var hasher = SHA256()
        hasher.update(Array(request.http.method.name.utf8) + [0] + Array(request.http.target.utf8) + [0])
        hasher.update(request.http.body)
        return IdempotencyStore(keyID: keyID, idempotencyKey: key, requestHash: hasher.finalize())
    }

    /// Runs `write` once per key: replays a stored response, refuses a different request, or
    /// performs the write and stores its (successful) response.
    ///
    /// A response that carries a secret (`POST /v1/api-keys`) is never stored: `withheld` names
    /// what was created, and the key's record keeps only a marker (status `409`, no headers, no
    /// body), so a replay answers `409` with that text instead of showing the secret again.
    func perform(
        _ connection: Connection, now: Timestamp, withheld: String? = nil, _ write: () throws -> Response
    ) throws -> Response {
        let cutoff = now.adding(milliseconds: -Self.retentionMilliseconds).rfc3339
        if let row = try connection.queryOne(
            "SELECT request_hash, status, headers, body FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ? AND created_at > ?",
            [.integer(keyID), .text(idempotencyKey), .text(cutoff)])
        {
            guard let stored = row.blob("request_hash"), constantTimeEquals(stored, requestHash) else {
                throw APIError.validation([
                    FieldError("Idempotency-Key", "reused", "this Idempotency-Key was used with a different request")
                ])
            }
            if let withheld, row.int("status") == Self.withheldStatus {
                throw APIError.conflict("this Idempotency-Key already \(withheld); a secret is shown only once and never stored")
            }
            var headers: [(name: String, value: String)] = []
            if let array = (try? JSONParser.parse(row.string("headers") ?? "[]"))?.arrayValue {
                for pair in array {
                    if let items = pair.arrayValue, items.count == 2, let name = items[0].stringValue, let value = items[1].stringValue {
                        headers.append((name, value))
                    }
                }
            }
            headers.append(("Idempotent-Replayed", "true"))
            return Response(status: row.int("status") ?? 200, headers: headers, body: row.blob("body") ?? [])
        }
        let response = try write()
        if (200..<300).contains(response.status), case .bytes(let fullBody) = response.body {
            let stored = withheld == nil
            let headers =
                stored ? JSONValue.array(response.headers.map { .array([.string($0.name), .string($0.value)]) }).jsonString : "[]"
            let status = stored ? response.status : Self.withheldStatus
            let body = stored ? fullBody : []
            try connection.run("DELETE FROM idempotency_keys WHERE created_at <= ?", [.text(cutoff)])
            try connection.run(
                """
                INSERT OR REPLACE INTO idempotency_keys (key_id, idempotency_key, request_hash, status, headers, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(keyID), .text(idempotencyKey), .blob(requestHash), .integer(Int64(status)), .text(headers),
                    .blob(body), .text(now.rfc3339),
                ])
        }
        return response
    }
}
