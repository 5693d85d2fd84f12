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
    /// Paid orders in the last 365 days that make a customer `loyal`.
    static let loyalOrders: Int64 = 5

    /// A company's `metrics.account` is its stored rollup moved by its own metrics' change; with
    /// `recountingContacts` (a merge, which has just moved contacts to it) its contacts are counted
    /// afresh.
    public static func refresh(
        _ connection: StoreConnection, customerID: Int64, settings: CRMSettings, service: CustomerService, now: Timestamp,
        recountingContacts: Bool = false
    )
        throws
    {
        guard let before = try CustomerStore.find(connection, id: customerID, includeDeleted: true) else { return }
        let facts = try CustomerMetricsStore.facts(connection, customerID: customerID, yearAgo: now.adding(milliseconds: -365 * day))
        let stage = lifecycleStage(
            paidOrders: facts.orderCount, paidInLastYear: facts.recentPaidOrders,
            lastPaidOrder: facts.lastOrderAt.text.flatMap(Timestamp.init(rfc3339:)), hasOpenOpportunity: facts.hasOpenOpportunity,
            settings: settings, now: now)
        var values: [(column: String, value: SQLValue)] = [
            ("order_count", .integer(facts.orderCount)), ("total_spent", .integer(facts.totalSpent)),
            ("first_order_at", facts.firstOrderAt), ("last_order_at", facts.lastOrderAt),
            ("last_interaction_at", facts.lastInteractionAt), ("open_tickets", .integer(facts.openTickets)),
            ("nps_last", facts.npsLast), ("csat_avg", facts.csatAverage), ("lifecycle_stage", .text(stage)),
        ]
        // What the customer added to an account before this refresh, and what it adds after.
        let old = AccountTotals(metricsOf: before, contacts: 0)
        let moved = AccountTotals(
            contacts: 0, orderCount: facts.orderCount - old.orderCount, totalSpent: facts.totalSpent - old.totalSpent,
            openTickets: facts.openTickets - old.openTickets)
        if before.string("type") == "company" {
            // A company's `metrics.account` includes its own metrics: one write for both. Its
            // contacts' share is what it kept less its own old metrics (recounted if it kept none).
            let stored = recountingContacts ? nil : AccountTotals(stored: before)
            let contacts =
                try stored?.including(
                    orderCount: -old.orderCount, totalSpent: -old.totalSpent, openTickets: -old.openTickets, field: "amount")
                ?? AccountStore.contactTotals(connection, companyID: customerID, field: "amount")
            values +=
                try contacts.including(
                    orderCount: facts.orderCount, totalSpent: facts.totalSpent, openTickets: facts.openTickets, field: "amount"
                ).columns
        }
        _ = try CustomerStore.updateDerived(connection, before: before, values, renderer: service.renderer, now: now)
        if let account = before.int64("account_id"), before.string("deleted_at") == nil,
            moved != AccountTotals(contacts: 0, orderCount: 0, totalSpent: 0, openTickets: 0)
        {
            // What the contact adds to its account moved: the company's `metrics.account` follows.
            try CustomerAccounts.shift(connection, companyID: account, by: moved, field: "amount", renderer: service.renderer, now: now)
        }
    }

    /// The lifecycle rule of API.md §3, as a pure function (tested on its own).
    public static func lifecycleStage(
        paidOrders: Int64, paidInLastYear: Int64, lastPaidOrder: Timestamp?, hasOpenOpportunity: Bool, settings: CRMSettings, now: Timestamp
    ) -> String {
        if paidOrders > 0, let last = lastPaidOrder {
            let age = now.millisecondsSinceEpoch - last.millisecondsSinceEpoch
            if age > Int64(settings.churnDays) * day { return "churned" }
            if age > Int64(settings.atRiskDays) * day { return "at_risk" }
            if paidInLastYear >= loyalOrders { return "loyal" }
            if paidOrders >= 2 { return "repeat" }
            return "customer"
        }
        return hasOpenOpportunity ? "prospect" : "lead"
    }
}
