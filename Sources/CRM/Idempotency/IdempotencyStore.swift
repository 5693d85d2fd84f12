import SQLite

/// The `idempotency_keys` table: one stored answer per API key and `Idempotency-Key`, kept 24 h.
enum IdempotencyStore {
    struct Stored {
        let requestHash: [UInt8]
        let answer: IdempotentAnswer
    }

    static func find(_ connection: StoreConnection, keyID: Int64, key: String, after cutoff: Timestamp) throws -> Stored? {
        guard
            let row = try connection.queryOne(
                "SELECT request_hash, status, headers, body FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ? AND created_at > ?",
                [.integer(keyID), .text(key), .text(cutoff.rfc3339)])
        else { return nil }
        return Stored(
            requestHash: row.blob("request_hash") ?? [],
            answer: IdempotentAnswer(
                status: row.int("status") ?? 200, headers: IdempotentAnswer.headers(fromJSON: row.string("headers") ?? "[]"),
                body: row.blob("body") ?? []))
    }

    /// Stores `answer` for the key (replacing an expired one), linked to the customer it is about,
    /// and drops answers older than `cutoff`.
    static func save(
        _ connection: StoreConnection, keyID: Int64, key: String, requestHash: [UInt8], answer: IdempotentAnswer, customerID: Int64?,
        now: Timestamp, cutoff: Timestamp
    ) throws {
        try connection.run("DELETE FROM idempotency_keys WHERE created_at <= ?", [.text(cutoff.rfc3339)])
        try connection.run(
            """
            INSERT INTO idempotency_keys (key_id, idempotency_key, request_hash, status, headers, body, created_at, customer_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key_id, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
                headers = excluded.headers, body = excluded.body, created_at = excluded.created_at, customer_id = excluded.customer_id
            """,
            [
                .integer(keyID), .text(key), .blob(requestHash), .integer(Int64(answer.status)), .text(answer.headersJSON),
                .blob(answer.body), .text(now.rfc3339), customerID.map(SQLValue.integer) ?? .null,
            ])
    }
}
