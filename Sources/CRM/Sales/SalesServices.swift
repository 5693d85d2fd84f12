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
                prepare: { _, values, _, before, _ in
                    if before == nil && (values["status"] == nil || values["status"] == .null) { values["status"] = .text("paid") }
                    if values["status"] == .null { throw CRMError.validation([FieldIssue("status", "required", "status cannot be null")]) }
                    if case .text(let currency)? = values["currency"], currency != settings.baseCurrency {
                        throw CRMError.validation([
                            FieldIssue("currency", "unsupported_currency", "orders are kept in the base currency \(settings.baseCurrency)")
                        ])
                    }
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
