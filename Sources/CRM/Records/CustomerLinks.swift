import SQLite

/// Links from a customer's record to another record of the same customer (feedback or an
/// interaction naming a `ticket_id` or an `opportunity_id`): a link to a record of another
/// customer is a `422` `other_customer`, so a ticket's feedback and its calls are that ticket's
/// customer's. A link to a missing or deleted record is the schema's reference check, not this.
enum CustomerLinks {
    /// The linking fields and the tables they name.
    static let links = [("ticket_id", "tickets"), ("opportunity_id", "opportunities")]

    /// The `other_customer` issues of a write's `values` over `before` (nil when creating): each
    /// link as it will be stored, against the customer the record will belong to.
    static func issues(_ connection: StoreConnection, _ values: [String: SQLValue], before: Row?) throws -> [FieldIssue] {
        let customer: Int64? = if case .integer(let id)? = values["customer_id"] { id } else { before?.int64("customer_id") }
        guard let customer else { return [] }
        var issues: [FieldIssue] = []
        for (field, table) in links {
            guard case .integer(let linked)? = values[field] ?? before?[field] else { continue }
            if let owner = try RecordStore.customerID(connection, table: table, id: linked), owner != customer {
                issues.append(FieldIssue(field, "other_customer", "the linked record belongs to another customer"))
            }
        }
        return issues
    }
}
