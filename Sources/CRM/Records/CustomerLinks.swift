import SQLite

/// Links from a customer's record to another record of the same customer (feedback or an
/// interaction naming a `ticket_id` or an `opportunity_id`): a link to a record of another
/// customer is a `422` `other_customer`, so a ticket's feedback and its calls are that ticket's
/// customer's. A link to a missing or deleted record is the schema's reference check, not this.
/// The rule holds from the other side too: a linked ticket or opportunity does not move to
/// another customer alone (`409`), while a merge moves both sides together.
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

    /// The records that link to a ticket or an opportunity through each field.
    static let linkingTables = ["feedback", "interactions"]

    /// A `409` when the ticket or opportunity `before` (of `table`) would move to another customer
    /// while live records of its customer still link to it: they would then link across customers.
    /// A merge moves the linking records right after, so it passes.
    static func refuseMove(_ connection: StoreConnection, table: String, _ values: [String: SQLValue], before: Row?) throws {
        guard let before, values[CustomerService.mergeFlag] == nil, case .integer(let customer)? = values["customer_id"],
            let id = before.int64("id"), let owner = before.int64("customer_id"), owner != customer,
            let field = links.first(where: { $0.1 == table })?.0
        else { return }
        var linked: Int64 = 0
        for linking in linkingTables {
            linked += try RecordStore.linkCount(connection, table: linking, field: field, id: id, customerID: owner)
        }
        guard linked > 0 else { return }
        throw CRMError.conflict(
            "records of customer \(owner) link to it",
            [
                FieldIssue(
                    "customer_id", "linked",
                    "\(linked) feedback or interaction record(s) of customer \(owner) link to this record; unlink them first")
            ])
    }
}
