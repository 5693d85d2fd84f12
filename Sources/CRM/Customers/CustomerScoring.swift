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

    /// One customer's new scores, tier and (time-driven) lifecycle stage, and/or churn risk.
    public struct Change: Sendable {
        public let id: Int64
        /// nil when the RFM part did not change.
        var rfm: (r: SQLValue, f: SQLValue, m: SQLValue, score: SQLValue)?
        var stage: String?
        /// nil when the churn risk did not change.
        var churn: (score: Int64, reasons: String)?
    }

    /// Rescores everyone on one connection; returns how many customers changed.
    @discardableResult
    public static func recompute(
        _ connection: StoreConnection, settings: CRMSettings, service: CustomerService, now: Timestamp, recordChanges: Bool = true
    ) throws -> Int {
        guard recordChanges else {
            let rescored = try CustomerScoringStore.bulkRescore(
                connection, now: now, yearAgo: now.adding(milliseconds: -365 * CustomerMetrics.day).rfc3339)
            return rescored
        }
        return try apply(connection, changes(connection, settings: settings, now: now)[...], service: service, now: now)
    }

    /// Sets every customer's churn risk in place, without feed entries or version bumps: for a
    /// bulk load (seed), whose rows nobody has seen yet. The server keeps it fresh afterwards by
    /// the same rule (``changes(_:settings:now:)``).
    public static func bulkChurn(_ connection: StoreConnection, settings: CRMSettings, now: Timestamp) throws {
        var churn: [Int64: Change] = [:]
        try churnChanges(connection, settings: settings, now: now, into: &churn)
        for change in churn.values.sorted(by: { $0.id < $1.id }) {
            guard let risk = change.churn else { continue }
            try CustomerScoringStore.setChurn(connection, id: change.id, score: risk.score, reasons: risk.reasons)
        }
    }

    /// The customers whose scores, tier or lifecycle differ from what is stored. Reads only, so
    /// the server runs it on a reader and hands the (usually few) changes to the writer.
    public static func changes(_ connection: StoreConnection, settings: CRMSettings, now: Timestamp) throws -> [Change] {
        let yearAgo = now.adding(milliseconds: -365 * CustomerMetrics.day).rfc3339
        var changes: [Int64: Change] = [:]
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
                changes[id] = Change(id: id, rfm: (.integer(r), .integer(f), .integer(m), .integer(r + f + m)), stage: stage)
            }
            return true
        }
        // Customers whose paid orders are gone keep no score.
        try CustomerScoringStore.forEachScoredCustomer(connection) { row in
            if let id = row.int64(at: 0), !scored.contains(id) {
                changes[id] = Change(id: id, rfm: (.null, .null, .null, .null), stage: nil)
            }
            return true
        }
        try churnChanges(connection, settings: settings, now: now, into: &changes)
        return changes.values.sorted { $0.id < $1.id }
    }

    /// Adds the customers whose churn risk differs from what is stored.
    private static func churnChanges(
        _ connection: StoreConnection, settings: CRMSettings, now: Timestamp, into changes: inout [Int64: Change]
    )
        throws
    {
        func text(_ row: StoreRow, _ index: Int) -> String? { row.withUTF8(at: index) { String(decoding: $0, as: UTF8.self) } }
        func time(_ row: StoreRow, _ index: Int) -> Timestamp? { text(row, index).flatMap(Timestamp.init(rfc3339:)) }
        let day = CustomerMetrics.day
        try CustomerScoringStore.forEachChurnSignals(
            connection, trendStart: now.adding(milliseconds: -ChurnRisk.trendDays * day).rfc3339,
            priorStart: now.adding(milliseconds: -2 * ChurnRisk.trendDays * day).rfc3339,
            complaintsSince: now.adding(milliseconds: -ChurnRisk.complaintDays * day).rfc3339
        ) { row in
            guard let id = row.int64(at: 0) else { return true }
            var signals = ChurnRisk.Signals()
            signals.npsLast = row.int64(at: 3)
            signals.csatAverage = row.double(at: 4)
            signals.openTickets = row.int64(at: 5) ?? 0
            signals.lastInteractionAt = time(row, 6)
            signals.paidOrders = row.int64(at: 7) ?? 0
            signals.firstPaidAt = time(row, 8)
            signals.lastPaidAt = time(row, 9)
            signals.recentOrders = row.int64(at: 10) ?? 0
            signals.priorOrders = row.int64(at: 11) ?? 0
            signals.recentSpend = row.int64(at: 12) ?? 0
            signals.priorSpend = row.int64(at: 13) ?? 0
            signals.recentComplaints = row.int64(at: 14) ?? 0
            let risk = ChurnRisk.assess(signals, settings: settings, now: now)
            let reasons = ChurnRisk.json(risk.reasons)
            if row.int64(at: 1) != Int64(risk.score) || text(row, 2) != reasons {
                changes[id, default: Change(id: id)].churn = (Int64(risk.score), reasons)
            }
            return true
        }
    }

    /// Writes `changes` (on the writer): each customer's version moves and a feed entry records it.
    @discardableResult
    public static func apply(_ connection: StoreConnection, _ changes: ArraySlice<Change>, service: CustomerService, now: Timestamp) throws
        -> Int
    {
        var changed = 0
        for change in changes where try apply(connection, change, service: service, now: now, recordChanges: true) {
            changed += 1
        }
        return changed
    }

    private static func apply(
        _ connection: StoreConnection, _ change: Change, service: CustomerService, now: Timestamp, recordChanges: Bool
    )
        throws -> Bool
    {
        guard let before = try CustomerStore.find(connection, id: change.id) else { return false }
        var values: [(column: String, value: SQLValue)] = []
        if let rfm = change.rfm {
            var scoreValue: Int64?
            if case .integer(let value) = rfm.score { scoreValue = value }
            values += [
                ("rfm_r", rfm.r), ("rfm_f", rfm.f), ("rfm_m", rfm.m), ("rfm_score", rfm.score),
                ("tier", .text(tier(score: scoreValue, override: before.string("tier_override")))),
            ]
        }
        if let stage = change.stage { values.append(("lifecycle_stage", .text(stage))) }
        if let churn = change.churn { values += [("churn_score", .integer(churn.score)), ("churn_reasons", .text(churn.reasons))] }
        return try CustomerStore.updateDerived(
            connection, before: before, values, renderer: service.renderer, now: now, recordChange: recordChanges)
    }
}
