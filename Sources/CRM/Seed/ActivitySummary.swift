import SQLite

/// What one customer's seeded activity adds up to: the derived columns ``CustomerMetrics``
/// computes from the same rows, summed while they are generated so the customer is inserted
/// with them instead of being updated afterwards. (A test checks the two agree.)
struct ActivitySummary {
    var paidOrders: Int64 = 0
    var spent: Int64 = 0
    var paidInLastYear: Int64 = 0
    var spentInLastYear: Int64 = 0
    var firstOrder: Timestamp?
    var lastOrder: Timestamp?
    var lastInteraction: Timestamp?
    var hasOpenOpportunity = false
    var openTickets: Int64 = 0
    var latestNPS: (at: Timestamp, score: Int64)?
    var csatTotal: Int64 = 0
    var csatCount: Int64 = 0
    /// The loyalty ledger's sum (its last `balance_after`).
    var loyaltyPoints: Int64 = 0

    /// The columns ``values(settings:now:)`` fills, in its order.
    static let columns = [
        "order_count", "total_spent", "first_order_at", "last_order_at", "last_interaction_at", "open_tickets", "nps_last", "csat_avg",
        "lifecycle_stage", "loyalty_points",
    ]

    mutating func addPaidOrder(amount: Int64, at time: Timestamp, yearAgo: Timestamp) {
        paidOrders += 1
        spent += amount
        if time > yearAgo {
            paidInLastYear += 1
            spentInLastYear += amount
        }
        firstOrder = min(firstOrder ?? time, time)
        lastOrder = max(lastOrder ?? time, time)
    }

    /// Feedback is generated in creation order, so a later NPS answer (or an equal time, a
    /// higher id) replaces the one before, as `ORDER BY created_at DESC, id DESC` would.
    mutating func addFeedback(kind: String, score: Int64, at time: Timestamp) {
        switch kind {
        case "nps" where latestNPS.map({ time >= $0.at }) ?? true: latestNPS = (time, score)
        case "csat":
            csatTotal += score
            csatCount += 1
        default: break
        }
    }

    func values(settings: CRMSettings, now: Timestamp) -> [SQLValue] {
        let stage = CustomerMetrics.lifecycleStage(
            paidOrders: paidOrders, paidInLastYear: paidInLastYear, lastPaidOrder: lastOrder, hasOpenOpportunity: hasOpenOpportunity,
            settings: settings, now: now)
        return [
            .integer(paidOrders), .integer(spent), Self.text(firstOrder), Self.text(lastOrder), Self.text(lastInteraction),
            .integer(openTickets), latestNPS.map { .integer($0.score) } ?? .null,
            csatCount > 0 ? .real(Double(csatTotal) / Double(csatCount)) : .null, .text(stage), .integer(loyaltyPoints),
        ]
    }

    /// What ``SeedScores`` ranks this customer by; nil without a paid order (no score).
    func scoring(now: Timestamp) -> SeedScores.Inputs? {
        guard let lastOrder else { return nil }
        return SeedScores.Inputs(
            days: SeedScores.wholeDays(from: lastOrder, to: now), frequency: paidInLastYear, monetary: spentInLastYear)
    }

    private static func text(_ time: Timestamp?) -> SQLValue {
        time.map { .text($0.rfc3339) } ?? .null
    }
}
