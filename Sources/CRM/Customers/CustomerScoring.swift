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
            return try CustomerScoringStore.bulkRescore(
                connection, now: now, yearAgo: now.adding(milliseconds: -365 * CustomerMetrics.day).rfc3339)
        }
        return try apply(connection, changes(connection, settings: settings, now: now)[...], service: service, now: now)
    }

    /// The customers whose scores, tier or lifecycle differ from what is stored. Reads only, so
    /// the server runs it on a reader and hands the (usually few) changes to the writer.
    public static func changes(_ connection: Connection, settings: CRMSettings, now: Timestamp) throws -> [Change] {
        let yearAgo = now.adding(milliseconds: -365 * CustomerMetrics.day).rfc3339
        var changes: [Change] = []
        var scored: Set<Int64> = []
        try CustomerScoringStore.forEachScored(connection, now: now, yearAgo: yearAgo) { row in
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
        try CustomerScoringStore.forEachScoredCustomer(connection) { row in
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
