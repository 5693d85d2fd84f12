import SQLite

/// What a customer's derived fields are computed from, read from the activity tables in the
/// transaction of the write that changed them (all served by `customer_id` indexes).
enum CustomerMetricsStore {
    struct Facts {
        var orderCount: Int64
        var totalSpent: Int64
        var firstOrderAt: SQLValue
        var lastOrderAt: SQLValue
        /// Paid orders after a year ago, counted up to ``CustomerMetrics/loyalOrders`` (all the
        /// lifecycle rule asks).
        var recentPaidOrders: Int64
        var lastInteractionAt: SQLValue
        var hasOpenOpportunity: Bool
        var openTickets: Int64
        var npsLast: SQLValue
        var csatAverage: SQLValue
    }

    /// The reads of ``facts(_:customerID:yearAgo:)``, each bound to the customer's id first. Each
    /// is a seek on a `customer_id` index that stops at the first live row or reads a few
    /// (`QueryPlanTests` holds them to that), so none costs time in the customer's activity.
    enum Read {
        static let totals =
            "SELECT paid_orders, paid_amount, csat_answers, csat_sum, open_tickets FROM customer_activity_totals WHERE customer_id = ?"
        static let firstOrder =
            "SELECT ordered_at FROM orders WHERE customer_id = ? AND status = 'paid' AND deleted_at IS NULL ORDER BY ordered_at LIMIT 1"
        static let lastOrder =
            "SELECT ordered_at FROM orders WHERE customer_id = ? AND status = 'paid' AND deleted_at IS NULL ORDER BY ordered_at DESC LIMIT 1"
        /// Paid orders after the second binding, up to as many as make a customer `loyal`.
        static let recentPaidOrders = """
            SELECT count(*) FROM (SELECT 1 FROM orders
                WHERE customer_id = ? AND status = 'paid' AND ordered_at > ? AND deleted_at IS NULL LIMIT \(CustomerMetrics.loyalOrders)
            ) AS recent
            """
        static let lastInteraction =
            "SELECT occurred_at FROM interactions WHERE customer_id = ? AND deleted_at IS NULL ORDER BY occurred_at DESC LIMIT 1"
        static let openOpportunity = "SELECT 1 FROM opportunities WHERE customer_id = ? AND is_closed = 0 AND deleted_at IS NULL LIMIT 1"
        static let latestNPS =
            "SELECT score FROM feedback WHERE customer_id = ? AND kind = 'nps' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1"
    }

    /// Paid, live orders (and those since `yearAgo`), the last interaction, an open opportunity,
    /// open tickets, the latest NPS score and the CSAT average. Every read costs the same however
    /// much activity the customer has: the counts and sums come from `customer_activity_totals`
    /// (kept by triggers, migrations 0035 and 0039), the rest are index seeks (``Read``).
    static func facts(_ connection: StoreConnection, customerID: Int64, yearAgo: Timestamp) throws -> Facts {
        let id = SQLValue.integer(customerID)
        let totals = try connection.queryOne(Read.totals, [id])
        let orderCount = totals?.int64(0) ?? 0
        var firstOrderAt = SQLValue.null
        var lastOrderAt = SQLValue.null
        var recentPaidOrders: Int64 = 0
        if orderCount > 0 {
            firstOrderAt = try connection.queryOne(Read.firstOrder, [id])?[0] ?? .null
            lastOrderAt = try connection.queryOne(Read.lastOrder, [id])?[0] ?? .null
            recentPaidOrders = try connection.queryOne(Read.recentPaidOrders, [id, .text(yearAgo.rfc3339)])?.int64(0) ?? 0
        }
        let lastInteraction = try connection.queryOne(Read.lastInteraction, [id])?[0]
        let openOpportunity = try connection.queryOne(Read.openOpportunity, [id]) != nil
        let openTickets = totals?.int64(4) ?? 0
        let nps = try connection.queryOne(Read.latestNPS, [id])?[0] ?? .null
        // A real, as the column keeps it, computed here on both engines (4 against a stored 4.0
        // would be a change: a new version and feed entry).
        let csatAnswers = totals?.int64(2) ?? 0
        let csat = csatAnswers > 0 ? SQLValue.real(Double(totals?.int64(3) ?? 0) / Double(csatAnswers)) : .null
        return Facts(
            orderCount: orderCount, totalSpent: totals?.int64(1) ?? 0, firstOrderAt: firstOrderAt, lastOrderAt: lastOrderAt,
            recentPaidOrders: recentPaidOrders, lastInteractionAt: lastInteraction ?? .null, hasOpenOpportunity: openOpportunity,
            openTickets: openTickets, npsLast: nps, csatAverage: csat)
    }
}
