import SQLite

/// The `webhooks` table beyond what ``RecordStore`` does for it: ids taken ahead (a secret is
/// sealed to its row), the sealed secret, and the `webhook_events` lookup the outbox uses.
enum WebhookStore {
    /// The id the next insert will get; the single writer makes it safe to know it ahead.
    static func nextID(_ connection: StoreConnection) throws -> Int64 {
        try connection.queryOne("SELECT coalesce(max(id), 0) + 1 FROM webhooks")?.int64(0) ?? 1
    }

    static func liveCount(_ connection: StoreConnection) throws -> Int {
        try connection.queryOne("SELECT count(*) FROM webhooks WHERE deleted_at IS NULL")?.int(0) ?? 0
    }

    static func sealedSecret(_ connection: StoreConnection, id: Int64) throws -> [UInt8]? {
        try connection.queryOne("SELECT secret FROM webhooks WHERE id = ?", [.integer(id)])?.blob(0)
    }

    /// Makes `webhook_events` say what the webhook wants now: its events while it is live and
    /// enabled, nothing otherwise.
    static func replaceEvents(_ connection: StoreConnection, id: Int64, events: [String]) throws {
        try connection.run("DELETE FROM webhook_events WHERE webhook_id = ?", [.integer(id)])
        for event in events {
            try connection.run(
                "INSERT INTO webhook_events (event, webhook_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [.text(event), .integer(id)])
        }
    }
}
