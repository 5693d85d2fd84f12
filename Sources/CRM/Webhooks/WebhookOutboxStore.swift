import JSON
import SQLite

/// The `webhook_deliveries` table: the durable outbox. Rows are written in the transaction of
/// the change they announce; the dispatcher claims the due ones, and each attempt's result is
/// written back through the writer.
enum WebhookOutboxStore {
    /// One row per webhook that wants `type`, for the change-feed entry `changeSeq`. The body's
    /// `id` is `evt_<seq>`: the same on every retry and for every webhook.
    static func enqueue(_ connection: StoreConnection, changeSeq: Int64, type: String, now: Timestamp) throws {
        // Every write passes here. An INSERT … SELECT that inserts nothing still cost about a
        // fifth of a customer create (A/B, durable creates); looking the subscribers up first and
        // inserting only for them costs less (still measurable: see the issue note).
        // Not `SELECT DISTINCT`: SQLite would build a temporary b-tree for it on every run. A
        // webhook subscribed both to `type` and to `*` comes back twice and is kept once here.
        var webhooks: [Int64] = []
        try connection.forEachRowView("SELECT webhook_id FROM webhook_events WHERE event IN (?, '*')", [.text(type)]) { row in
            if let id = row.int64(at: 0) { webhooks.append(id) }
            return true
        }
        webhooks.sort()
        for (index, webhook) in webhooks.enumerated() where index == 0 || webhooks[index - 1] != webhook {
            try connection.run(
                """
                INSERT INTO webhook_deliveries
                    (webhook_id, event_id, type, change_seq, occurred_at, status, next_attempt_at, created_at, updated_at)
                VALUES (?1, 'evt_' || CAST(?2 AS BIGINT), ?3, ?2, ?4, 'pending', ?4, ?4, ?4)
                """,
                [.integer(webhook), .integer(changeSeq), .text(type), .text(now.rfc3339)])
        }
        if !webhooks.isEmpty { WebhookOutbox.markQueued() }
    }

    /// A delivery for an event the feed does not carry (`automation.fired`) to one webhook.
    static func enqueue(_ connection: StoreConnection, webhookID: Int64, eventID: String, type: String, data: [UInt8], now: Timestamp)
        throws
    {
        try connection.run(
            """
            INSERT INTO webhook_deliveries
                (webhook_id, event_id, type, data, occurred_at, status, next_attempt_at, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?5, ?5, ?5)
            """,
            [.integer(webhookID), .text(eventID), .text(type), .text(String(decoding: data, as: UTF8.self)), .text(now.rfc3339)])
        WebhookOutbox.markQueued()
    }

    /// The live, enabled webhooks (the ones whose deliveries are sent), in id order.
    static func sendingWebhooks(_ connection: StoreConnection) throws -> [Int64] {
        try connection.query("SELECT id FROM webhooks WHERE enabled = 1 AND deleted_at IS NULL ORDER BY id").compactMap { $0.int64(0) }
    }

    /// Webhook `webhookID`'s pending deliveries due at `now`, oldest due first, at most `limit`
    /// after leaving out `busy` ones (already being sent).
    static func due(_ connection: StoreConnection, webhookID: Int64, now: Timestamp, limit: Int, skipping busy: Set<Int64>) throws
        -> [WebhookDelivery]
    {
        let rows = try connection.query(
            """
            SELECT d.id, d.webhook_id, d.event_id, d.type, d.occurred_at, d.attempts, d.created_at,
                   coalesce(d.data, c.data), w.url, w.secret
            FROM webhook_deliveries d
            JOIN webhooks w ON w.id = d.webhook_id
            LEFT JOIN changes c ON c.seq = d.change_seq
            WHERE d.webhook_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
            ORDER BY d.next_attempt_at, d.id LIMIT ?
            """,
            [.integer(webhookID), .text(now.rfc3339), .integer(Int64(limit + busy.count))])
        var deliveries: [WebhookDelivery] = []
        for row in rows {
            guard deliveries.count < limit, let id = row.int64(0), !busy.contains(id) else { continue }
            deliveries.append(
                WebhookDelivery(
                    id: id, webhookID: row.int64(1) ?? 0, eventID: row.string(2) ?? "", type: row.string(3) ?? "",
                    occurredAt: row.string(4) ?? "", attempts: row.int(5) ?? 0,
                    createdAt: Timestamp(rfc3339: row.string(6) ?? "") ?? now, data: row.string(7).map { Array($0.utf8) },
                    url: row.string(8) ?? "", sealedSecret: row.blob(9) ?? []))
        }
        return deliveries
    }

    /// When the next pending delivery falls due, if any.
    /// Takes the deliveries `ids` that are still pending and due at `now` for this node until
    /// `until` (their `next_attempt_at` moves there), and returns those it took: on a database
    /// several nodes share, a delivery another node took meanwhile is left to it. A node that dies
    /// holding one leaves it due again at `until`, for any node to send.
    static func claim(_ connection: StoreConnection, ids: [Int64], now: Timestamp, until: Timestamp) throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let rows = try connection.query(
            """
            UPDATE webhook_deliveries SET next_attempt_at = ?
            WHERE status = 'pending' AND next_attempt_at <= ? AND id IN (\(placeholders)) RETURNING id
            """, [.text(until.rfc3339), .text(now.rfc3339)] + ids.map(SQLValue.integer))
        return Set(rows.compactMap { $0.int64(0) })
    }

    static func nextDue(_ connection: StoreConnection) throws -> Timestamp? {
        try connection.queryOne("SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'")?.string(0)
            .flatMap(Timestamp.init(rfc3339:))
    }

    static func pendingCount(_ connection: StoreConnection) throws -> Int {
        try connection.queryOne("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")?.int(0) ?? 0
    }

    /// Writes an attempt's outcome: `status` and, while pending, when to try again.
    static func recordAttempt(
        _ connection: StoreConnection, id: Int64, status: WebhookDelivery.Status, statusCode: Int?, error: String?, nextAttempt: Timestamp?,
        now: Timestamp
    ) throws {
        try connection.run(
            """
            UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status_code = ?, last_error = ?,
                next_attempt_at = ?, updated_at = ?
            WHERE id = ? AND status = 'pending'
            """,
            [
                .text(status.rawValue), statusCode.map { .integer(Int64($0)) } ?? .null, error.map(SQLValue.text) ?? .null,
                nextAttempt.map { .text($0.rfc3339) } ?? .null, .text(now.rfc3339), .integer(id),
            ])
    }

    /// Gives up the pending deliveries of a deleted webhook.
    static func abandon(_ connection: StoreConnection, webhookID: Int64, now: Timestamp) throws {
        try connection.run(
            """
            UPDATE webhook_deliveries SET status = 'failed', last_error = 'the webhook was deleted', next_attempt_at = NULL,
                updated_at = ?
            WHERE webhook_id = ? AND status = 'pending'
            """,
            [.text(now.rfc3339), .integer(webhookID)])
    }

    /// A page of a webhook's deliveries, newest first, after the delivery `beforeID` (0: the start).
    static func list(_ connection: StoreConnection, webhookID: Int64, beforeID: Int64, limit: Int, _ body: (StoreRow) -> Void) throws {
        try connection.forEachRowView(
            """
            SELECT id, event_id, type, status, attempts, last_status_code, last_error, next_attempt_at, created_at
            FROM webhook_deliveries WHERE webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?
            """, [.integer(webhookID), .integer(beforeID > 0 ? beforeID : .max), .integer(Int64(limit))]
        ) { row in
            body(row)
            return true
        }
    }

    /// Counts by status, for /metrics.
    static func countsByStatus(_ connection: StoreConnection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try connection.query("SELECT status, count(*) FROM webhook_deliveries GROUP BY status") {
            if let status = row.string(0) { counts[status] = row.int(1) ?? 0 }
        }
        return counts
    }
}
