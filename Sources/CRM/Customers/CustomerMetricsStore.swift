import SQLite

/// What a customer's derived fields are computed from, read from the activity tables in the
/// transaction of the write that changed them (all served by `customer_id` indexes).
enum CustomerMetricsStore {
    struct Facts {
        var orderCount: Int64
        var totalSpent: Int64
        var firstOrderAt: SQLValue
        var lastOrderAt: SQLValue
        var paidInLastYear: Int64
        var lastInteractionAt: SQLValue
        var hasOpenOpportunity: Bool
        var openTickets: Int64
        var npsLast: SQLValue
        var csatAverage: SQLValue
    }

    /// Paid, live orders (and those since `yearAgo`), the last interaction, an open opportunity,
    /// open tickets, the latest NPS score and the CSAT average.
    static func facts(_ connection: StoreConnection, customerID: Int64, yearAgo: Timestamp) throws -> Facts {
        let id = SQLValue.integer(customerID)
        let orders = try connection.queryOne(
            """
            SELECT count(*), coalesce(sum(amount), 0), min(ordered_at), max(ordered_at),
                   coalesce(sum(CASE WHEN ordered_at > ? THEN 1 ELSE 0 END), 0)
            FROM orders WHERE customer_id = ? AND status = 'paid' AND deleted_at IS NULL
            """, [.text(yearAgo.rfc3339), id])
        let lastInteraction = try connection.queryOne(
            "SELECT max(occurred_at) FROM interactions WHERE customer_id = ? AND deleted_at IS NULL", [id])?[0]
        let openOpportunity =
            try connection.queryOne(
                "SELECT 1 FROM opportunities WHERE customer_id = ? AND is_closed = 0 AND deleted_at IS NULL LIMIT 1", [id]) != nil
        let openTickets =
            try connection.queryOne(
                "SELECT count(*) FROM tickets WHERE customer_id = ? AND status NOT IN ('solved', 'closed') AND deleted_at IS NULL",
                [id])?.int64(0) ?? 0
        let nps =
            try connection.queryOne(
                "SELECT score FROM feedback WHERE customer_id = ? AND kind = 'nps' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
                [id])?[0] ?? .null
        // A real, as the column keeps it: PostgreSQL's avg is a numeric, which reads as an integer
        // when whole, and 4 against the stored 4.0 was a change (a new version and feed entry for
        // every feedback write of a customer whose average was whole).
        var csat =
            try connection.queryOne(
                "SELECT avg(score) FROM feedback WHERE customer_id = ? AND kind = 'csat' AND deleted_at IS NULL", [id])?[0] ?? .null
        if case .integer(let whole) = csat { csat = .real(Double(whole)) }
        return Facts(
            orderCount: orders?.int64(0) ?? 0, totalSpent: orders?.int64(1) ?? 0, firstOrderAt: orders?[2] ?? .null,
            lastOrderAt: orders?[3] ?? .null, paidInLastYear: orders?.int64(4) ?? 0, lastInteractionAt: lastInteraction ?? .null,
            hasOpenOpportunity: openOpportunity, openTickets: openTickets, npsLast: nps, csatAverage: csat)
    }
}
