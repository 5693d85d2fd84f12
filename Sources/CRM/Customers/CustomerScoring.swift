import SQLite

/// RFM scores, tiers and the lifecycle moves caused by time passing (API.md §3), recomputed for
/// the whole population at once because quintiles need every customer.
///
/// Each dimension scores 1–5: `1 + min(4, ⌊5 × (rank − 1) / n⌋)` where `rank` is the SQL
/// `rank()` among the `n` live customers with a paid order (so ties share a score); recency ranks
/// the most days since the last paid order lowest. Tier: `vip` for r+f+m ≥ 13, `important` for
/// ≥ 9, else `standard`, unless `tier_override`. The server runs this every
/// ``refreshInterval``, so `rfm`, `tier` and time-driven lifecycle moves lag real time by at most
/// that interval plus one run (docs/architecture.md).
public enum CustomerScoring {
    public static let refreshInterval: Duration = .seconds(300)

    public static func tier(score: Int64?, override: String?) -> String {
        if let override { return override }
        guard let score else { return "standard" }
        return score >= 13 ? "vip" : score >= 9 ? "important" : "standard"
    }

    /// One customer's new scores, tier and (time-driven) lifecycle stage.
    public struct Change: Sendable {
        public let id: Int64
        let r: SQLValue, f: SQLValue, m: SQLValue, score: SQLValue
        let stage: String?
    }

    /// Rescores everyone on one connection; returns how many customers changed.
    @discardableResult
    public static func recompute(
        _ connection: Connection, settings: CRMSettings, service: CustomerService, now: Timestamp, recordChanges: Bool = true
    ) throws -> Int {
        guard recordChanges else {
            return try bulkRescore(connection, now: now, yearAgo: now.adding(milliseconds: -365 * CustomerMetrics.day).rfc3339)
        }
        return try apply(connection, changes(connection, settings: settings, now: now)[...], service: service, now: now)
    }

    /// The customers whose scores, tier or lifecycle differ from what is stored. Reads only, so
    /// the server runs it on a reader and hands the (usually few) changes to the writer.
    public static func changes(_ connection: Connection, settings: CRMSettings, now: Timestamp) throws -> [Change] {
        let yearAgo = now.adding(milliseconds: -365 * CustomerMetrics.day).rfc3339
        var changes: [Change] = []
        var scored: Set<Int64> = []
        try connection.forEachRowView(
            """
            WITH stats AS (
                SELECT o.customer_id,
                       CAST(julianday(?1) - julianday(max(o.ordered_at)) AS INTEGER) AS days,
                       sum(CASE WHEN o.ordered_at > ?2 THEN 1 ELSE 0 END) AS f,
                       sum(CASE WHEN o.ordered_at > ?2 THEN o.amount ELSE 0 END) AS m,
                       count(*) AS paid, max(o.ordered_at) AS last_at
                FROM orders o JOIN customers c ON c.id = o.customer_id AND c.deleted_at IS NULL
                WHERE o.status = 'paid' AND o.deleted_at IS NULL
                GROUP BY o.customer_id
            ),
            scored AS (
                SELECT customer_id, paid, f, last_at,
                       1 + min(4, (rank() OVER (ORDER BY days DESC) - 1) * 5 / count(*) OVER ()) AS r_score,
                       1 + min(4, (rank() OVER (ORDER BY f) - 1) * 5 / count(*) OVER ()) AS f_score,
                       1 + min(4, (rank() OVER (ORDER BY m) - 1) * 5 / count(*) OVER ()) AS m_score
                FROM stats
            )
            SELECT s.customer_id, s.paid, s.f, s.last_at, s.r_score, s.f_score, s.m_score,
                   c.rfm_r, c.rfm_f, c.rfm_m, c.tier, c.tier_override, c.lifecycle_stage
            FROM scored s JOIN customers c ON c.id = s.customer_id
            """, [.text(now.rfc3339), .text(yearAgo)]
        ) { row in
            guard let id = row.int64(at: 0), let r = row.int64(at: 4), let f = row.int64(at: 5), let m = row.int64(at: 6) else {
                return true
            }
            scored.insert(id)
            let lastPaid = row.withUTF8(at: 3) { String(decoding: $0, as: UTF8.self) }.flatMap(Timestamp.init(rfc3339:))
            let stage = CustomerMetrics.lifecycleStage(
                paidOrders: row.int64(at: 1) ?? 0, paidInLastYear: row.int64(at: 2) ?? 0, lastPaidOrder: lastPaid,
                hasOpenOpportunity: false,
                settings: settings, now: now)
            let override = row.withUTF8(at: 11) { String(decoding: $0, as: UTF8.self) }
            let tier = tier(score: r + f + m, override: override)
            let unchanged =
                row.int64(at: 7) == r && row.int64(at: 8) == f && row.int64(at: 9) == m
                && row.withUTF8(at: 10, { String(decoding: $0, as: UTF8.self) }) == tier
                && row.withUTF8(at: 12, { String(decoding: $0, as: UTF8.self) }) == stage
            if !unchanged {
                changes.append(Change(id: id, r: .integer(r), f: .integer(f), m: .integer(m), score: .integer(r + f + m), stage: stage))
            }
            return true
        }
        // Customers whose paid orders are gone keep no score.
        try connection.forEachRowView("SELECT id FROM customers WHERE rfm_score IS NOT NULL AND deleted_at IS NULL") { row in
            if let id = row.int64(at: 0), !scored.contains(id) {
                changes.append(Change(id: id, r: .null, f: .null, m: .null, score: .null, stage: nil))
            }
            return true
        }
        return changes
    }

    /// Writes `changes` (on the writer): each customer's version moves and a feed entry records it.
    @discardableResult
    public static func apply(_ connection: Connection, _ changes: ArraySlice<Change>, service: CustomerService, now: Timestamp) throws
        -> Int
    {
        var changed = 0
        for change in changes {
            if try apply(
                connection, id: change.id, r: change.r, f: change.f, m: change.m, score: change.score, stage: change.stage,
                service: service,
                now: now, recordChanges: true)
            {
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
        _ connection: Connection, id: Int64, r: SQLValue, f: SQLValue, m: SQLValue, score: SQLValue, stage: String?,
        service: CustomerService,
        now: Timestamp, recordChanges: Bool
    ) throws -> Bool {
        guard let before = try CustomerStore.find(connection, id: id) else { return false }
        var scoreValue: Int64?
        if case .integer(let value) = score { scoreValue = value }
        var values: [(column: String, value: SQLValue)] = [
            ("rfm_r", r), ("rfm_f", f), ("rfm_m", m), ("rfm_score", score),
            ("tier", .text(tier(score: scoreValue, override: before.string("tier_override")))),
        ]
        if let stage { values.append(("lifecycle_stage", .text(stage))) }
        return try CustomerStore.updateDerived(
            connection, before: before, values, renderer: service.renderer, now: now, recordChange: recordChanges)
    }
}
