import SQLite

/// The services of orders and interactions: the shared record flow plus their rules.
public enum SalesServices {
    /// Orders: status defaults to `paid`; amounts must be in the base currency (the server keeps
    /// `total_spent` in one currency and converts nothing: another currency is a 422); every
    /// change refreshes the customer's metrics in the same transaction.
    public static func orders(settings: CRMSettings, customers: CustomerService) -> RecordService {
        let schema = OrderSchema.schema
        return RecordService(
            schema: schema, uniqueFields: ["external_id"],
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, _, before, _ in
                    if before == nil && (values["status"] == nil || values["status"] == .null) { values["status"] = .text("paid") }
                    if values["status"] == .null { throw CRMError.validation([FieldIssue("status", "required", "status cannot be null")]) }
                    if case .text(let currency)? = values["currency"], currency != settings.baseCurrency {
                        throw CRMError.validation([
                            FieldIssue("currency", "unsupported_currency", "orders are kept in the base currency \(settings.baseCurrency)")
                        ])
                    }
                    try checkPaidTotal(connection, values, before: before)
                },
                afterWrite: { connection, before, after, _, now in
                    try refreshCustomers(connection, before, after, settings: settings, customers: customers, now: now)
                }))
    }

    /// Interactions: each one moves the customer's `last_interaction_at`; a linked ticket or
    /// opportunity must be the same customer's.
    public static func interactions(settings: CRMSettings, customers: CustomerService) -> RecordService {
        let schema = InteractionSchema.schema
        return RecordService(
            schema: schema,
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, _, before, _ in
                    let issues = try CustomerLinks.issues(connection, values, before: before)
                    if !issues.isEmpty { throw CRMError.validation(issues) }
                },
                afterWrite: { connection, before, after, _, now in
                    try refreshCustomers(connection, before, after, settings: settings, customers: customers, now: now)
                }))
    }

    /// A paid order must leave its customer's paid total (`metrics.total_spent`) within
    /// ``MoneyTotal``'s reach, checked before the write: past `Int64.max` the metrics' SQL sum
    /// would fail it with a `500`; it is a `422` naming `amount` instead.
    static func checkPaidTotal(_ connection: StoreConnection, _ values: [String: SQLValue], before: Row?) throws {
        func current(_ name: String) -> SQLValue? { values[name] ?? before?[name] }
        guard current("status") == .text("paid"), case .integer(let amount)? = current("amount"),
            case .integer(let customer)? = current("customer_id")
        else { return }
        var total = try CustomerStore.find(connection, id: customer)?.int64("total_spent") ?? 0
        if let before, before.int64("customer_id") == customer, before.string("status") == "paid" {
            total -= before.int64("amount") ?? 0  // this order's own part, about to be replaced
        }
        _ = try MoneyTotal.adding(amount, to: total, field: "amount", what: "the customer's paid total")
    }

    /// Refreshes the metrics of the customer a record belongs to, and of the one it left.
    static func refreshCustomers(
        _ connection: StoreConnection, _ before: Row?, _ after: Row, settings: CRMSettings, customers: CustomerService, now: Timestamp
    ) throws {
        var ids: [Int64] = []
        if let id = after.int64("customer_id") { ids.append(id) }
        if let id = before?.int64("customer_id"), !ids.contains(id) { ids.append(id) }
        for id in ids {
            try CustomerMetrics.refresh(connection, customerID: id, settings: settings, service: customers, now: now)
        }
    }
}
