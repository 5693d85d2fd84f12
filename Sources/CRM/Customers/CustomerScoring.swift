import SQLite

/// RFM scores, tiers and the lifecycle moves caused by time passing (API.md §3), recomputed for
/// the whole population at once because quintiles need every customer.
///
/// Each dimension scores 1–5: `1 + min(4, ⌊5 × (rank − 1) / n⌋)` where `rank` is the SQL
/// `rank()` among the `n` live customers with a paid order (so ties share a score); recency ranks
/// the most days since the last paid order lowest. Tier: `vip` for r+f+m ≥ 13, `important` for
/// ≥ 9, else `standard`, unless `tier_override`. The server runs this every
/// ``refreshInterval`` and at start, so `rfm`, `tier` and time-driven lifecycle moves lag real
/// time by at most that interval (docs/architecture.md).
public enum CustomerScoring {
    public static let refreshInterval: Duration = .seconds(300)

    public static func tier(score: Int64?, override: String?) -> String {
        if let override { return override }
        guard let score else { return "standard" }
        return score >= 13 ? "vip" : score >= 9 ? "important" : "standard"
    }

    /// Rescores everyone; returns how many customers changed.
    @discardableResult
    public static func recompute(
        _ connection: Connection, settings: CRMSettings, service: CustomerService, now: Timestamp, recordChanges: Bool = true
    ) throws -> Int {
        let yearAgo = now.adding(milliseconds: -365 * CustomerMetrics.day).rfc3339
        guard recordChanges else { return try bulkRescore(connection, now: now, yearAgo: yearAgo) }
        let rows = try connection.query(
            """
            WITH stats AS (
                SELECT o.customer_id,
                       CAST(julianday(?) - julianday(max(o.ordered_at)) AS INTEGER) AS days,
                       sum(CASE WHEN o.ordered_at > ? THEN 1 ELSE 0 END) AS f,
                       sum(CASE WHEN o.ordered_at > ? THEN o.amount ELSE 0 END) AS m,
                       count(*) AS paid, max(o.ordered_at) AS last_at
                FROM orders o JOIN customers c ON c.id = o.customer_id AND c.deleted_at IS NULL
                WHERE o.status = 'paid' AND o.deleted_at IS NULL
                GROUP BY o.customer_id
            )
            SELECT customer_id, paid, f, last_at,
                   1 + min(4, (rank() OVER (ORDER BY days DESC) - 1) * 5 / count(*) OVER ()) AS r_score,
                   1 + min(4, (rank() OVER (ORDER BY f) - 1) * 5 / count(*) OVER ()) AS f_score,
                   1 + min(4, (rank() OVER (ORDER BY m) - 1) * 5 / count(*) OVER ()) AS m_score
            FROM stats
            """, [.text(now.rfc3339), .text(yearAgo), .text(yearAgo)])
        var changed = 0
        var scored: Set<Int64> = []
        for row in rows {
            guard let id = row.int64("customer_id"), let r = row.int64("r_score"), let f = row.int64("f_score"), let m = row.int64("m_score") else {
                continue
            }
            scored.insert(id)
            let stage = CustomerMetrics.lifecycleStage(
                paidOrders: row.int64("paid") ?? 0, paidInLastYear: row.int64("f") ?? 0,
                lastPaidOrder: row.string("last_at").flatMap(Timestamp.init(rfc3339:)), hasOpenOpportunity: false, settings: settings, now: now)
            if try apply(
                connection, id: id, r: .integer(r), f: .integer(f), m: .integer(m), score: .integer(r + f + m), stage: stage, service: service,
                now: now, recordChanges: recordChanges)
            {
                changed += 1
            }
        }
        // Customers whose paid orders are gone keep no score.
        for row in try connection.query("SELECT id FROM customers WHERE rfm_score IS NOT NULL AND deleted_at IS NULL") {
            guard let id = row.int64(0), !scored.contains(id) else { continue }
            if try apply(connection, id: id, r: .null, f: .null, m: .null, score: .null, stage: nil, service: service, now: now, recordChanges: recordChanges) {
                changed += 1
            }
        }
        return changed
    }

    /// One statement for a bulk load (seed): scores and tiers without feed entries or version
    /// bumps, for rows nobody has seen yet. Lifecycle was derived with the rows.
    private static func bulkRescore(_ connection: Connection, now: Timestamp, yearAgo: String) throws -> Int {
        try connection.run(
            """
            WITH stats AS (
                SELECT o.customer_id,
                       CAST(julianday(?1) - julianday(max(o.ordered_at)) AS INTEGER) AS days,
                       sum(CASE WHEN o.ordered_at > ?2 THEN 1 ELSE 0 END) AS f,
                       sum(CASE WHEN o.ordered_at > ?2 THEN o.amount ELSE 0 END) AS m
                FROM orders o JOIN customers c ON c.id = o.customer_id AND c.deleted_at IS NULL
                WHERE o.status = 'paid' AND o.deleted_at IS NULL
                GROUP BY o.customer_id
            ),
            scored AS (
                SELECT customer_id,
                       1 + min(4, (rank() OVER (ORDER BY days DESC) - 1) * 5 / count(*) OVER ()) AS r,
                       1 + min(4, (rank() OVER (ORDER BY f) - 1) * 5 / count(*) OVER ()) AS fs,
                       1 + min(4, (rank() OVER (ORDER BY m) - 1) * 5 / count(*) OVER ()) AS ms
                FROM stats
            )
            UPDATE customers SET rfm_r = s.r, rfm_f = s.fs, rfm_m = s.ms, rfm_score = s.r + s.fs + s.ms,
                tier = coalesce(tier_override, CASE WHEN s.r + s.fs + s.ms >= 13 THEN 'vip' WHEN s.r + s.fs + s.ms >= 9 THEN 'important' ELSE 'standard' END)
            FROM scored s WHERE customers.id = s.customer_id
            """, [.text(now.rfc3339), .text(yearAgo)])
    }

    private static func apply(
        _ connection: Connection, id: Int64, r: SQLValue, f: SQLValue, m: SQLValue, score: SQLValue, stage: String?, service: CustomerService,
        now: Timestamp, recordChanges: Bool
    ) throws -> Bool {
        guard let before = try CustomerStore.find(connection, id: id) else { return false }
        var scoreValue: Int64?
        if case .integer(let value) = score { scoreValue = value }
        var values: [(String, SQLValue)] = [
            ("rfm_r", r), ("rfm_f", f), ("rfm_m", m), ("rfm_score", score),
            ("tier", .text(tier(score: scoreValue, override: before.string("tier_override")))),
        ]
        if let stage { values.append(("lifecycle_stage", .text(stage))) }
        let changes = values.filter { before[$0.0] != $0.1 }
        guard !changes.isEmpty else { return false }
        var assignments = changes.map { "\($0.0) = ?" }
        var bindings = changes.map(\.1)
        assignments += ["updated_at = ?", "version = version + 1"]
        bindings += [.text(now.rfc3339), .integer(id)]
        try connection.run("UPDATE customers SET \(assignments.joined(separator: ", ")) WHERE id = ?", bindings)
        if recordChanges, let after = try CustomerStore.find(connection, id: id) {
            try ChangeLog.record(
                connection, action: .update, schema: CustomerSchema.schema, id: id, before: before, after: after,
                data: service.renderer.json(after), actor: nil, now: now, audit: false)
        }
        return true
    }
}
