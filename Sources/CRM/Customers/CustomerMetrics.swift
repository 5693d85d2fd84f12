import SQLite

/// Keeps a customer's derived fields current in the transaction of the write that changes them
/// (API.md §3): order metrics, last interaction, open tickets, NPS and CSAT, lifecycle stage.
///
/// Lifecycle, tested in this order, first match wins (only paid, live orders count):
/// `churned` (last paid order older than `churnDays`), `at_risk` (older than `atRiskDays`),
/// `loyal` (≥ 5 paid orders in the last 365 days), `repeat` (≥ 2 paid orders), `customer`
/// (1 paid order), `prospect` (an open opportunity, no order), `lead`. "Older than N days"
/// means strictly more than N × 24 h before now.
public enum CustomerMetrics {
    static let day: Int64 = 86_400_000

    public static func refresh(_ connection: Connection, customerID: Int64, settings: CRMSettings, service: CustomerService, now: Timestamp)
        throws
    {
        guard let before = try CustomerStore.find(connection, id: customerID, includeDeleted: true) else { return }
        let yearAgo = now.adding(milliseconds: -365 * day).rfc3339
        let orders = try connection.queryOne(
            """
            SELECT count(*), coalesce(sum(amount), 0), min(ordered_at), max(ordered_at),
                   coalesce(sum(CASE WHEN ordered_at > ? THEN 1 ELSE 0 END), 0)
            FROM orders WHERE customer_id = ? AND status = 'paid' AND deleted_at IS NULL
            """, [.text(yearAgo), .integer(customerID)])
        let orderCount = orders?.int64(0) ?? 0
        let lastOrder = orders?.string(3)
        let paidInYear = orders?.int64(4) ?? 0
        let lastInteraction = try connection.queryOne(
            "SELECT max(occurred_at) FROM interactions WHERE customer_id = ? AND deleted_at IS NULL", [.integer(customerID)])?.string(0)
        let openOpportunity =
            try connection.queryOne(
                "SELECT 1 FROM opportunities WHERE customer_id = ? AND is_closed = 0 AND deleted_at IS NULL LIMIT 1", [.integer(customerID)]
            ) != nil
        let openTickets =
            try connection.queryOne(
                "SELECT count(*) FROM tickets WHERE customer_id = ? AND status NOT IN ('solved', 'closed') AND deleted_at IS NULL",
                [.integer(customerID)])?.int64(0) ?? 0
        let nps =
            try connection.queryOne(
                "SELECT score FROM feedback WHERE customer_id = ? AND kind = 'nps' AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
                [.integer(customerID)])?[0] ?? .null
        let csat =
            try connection.queryOne(
                "SELECT avg(score) FROM feedback WHERE customer_id = ? AND kind = 'csat' AND deleted_at IS NULL", [.integer(customerID)])?[
                0] ?? .null
        let stage = lifecycleStage(
            paidOrders: orderCount, paidInLastYear: paidInYear, lastPaidOrder: lastOrder.flatMap(Timestamp.init(rfc3339:)),
            hasOpenOpportunity: openOpportunity, settings: settings, now: now)
        let values: [(column: String, value: SQLValue)] = [
            ("order_count", .integer(orderCount)), ("total_spent", .integer(orders?.int64(1) ?? 0)),
            ("first_order_at", orders?[2] ?? .null), ("last_order_at", orders?[3] ?? .null),
            ("last_interaction_at", lastInteraction.map(SQLValue.text) ?? .null), ("open_tickets", .integer(openTickets)),
            ("nps_last", nps), ("csat_avg", csat), ("lifecycle_stage", .text(stage)),
        ]
        _ = try CustomerStore.updateDerived(connection, before: before, values, renderer: service.renderer, now: now)
    }

    /// The lifecycle rule of API.md §3, as a pure function (tested on its own).
    public static func lifecycleStage(
        paidOrders: Int64, paidInLastYear: Int64, lastPaidOrder: Timestamp?, hasOpenOpportunity: Bool, settings: CRMSettings, now: Timestamp
    ) -> String {
        if paidOrders > 0, let last = lastPaidOrder {
            let age = now.millisecondsSinceEpoch - last.millisecondsSinceEpoch
            if age > Int64(settings.churnDays) * day { return "churned" }
            if age > Int64(settings.atRiskDays) * day { return "at_risk" }
            if paidInLastYear >= 5 { return "loyal" }
            if paidOrders >= 2 { return "repeat" }
            return "customer"
        }
        return hasOpenOpportunity ? "prospect" : "lead"
    }
}
