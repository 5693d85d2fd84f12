import JSON
import SQLite

/// `GET /v1/customers/{id}/data-export` (API.md §2, "data-subject requests"; admin only): one JSON
/// document with the customer and every record about them, written a page at a time so a large
/// one streams:
///
///     {"exported_at":…,"customer":{…},"merged_customers":[…],"orders":[…],"interactions":[…],"opportunities":[…],
///      "tickets":[…],"ticket_comments":[…],"feedback":[…],"tasks":[…],"points":[…],"audit_log":[…]}
///
/// Every entry is rendered as its own endpoint renders it (a comment names its `ticket_id`);
/// deleted records are included (with their `deleted_at`), since the business still holds them. `audit_log` holds the entries of the customer
/// (and of the customers merged into it) and of each of those records, oldest first; `points`
/// the ledgers of both.
public struct CustomerDataExport: Sendable {
    /// One array of the document, in document order.
    public enum Section: String, CaseIterable, Sendable {
        /// The customers merged into this one, directly or through others (deleted, with
        /// `merged_into`): the same person, whose rows the business still holds, as an erase
        /// knows (it erases them with it).
        case mergedCustomers = "merged_customers"
        case orders, interactions, opportunities, tickets
        case ticketComments = "ticket_comments"
        case feedback, tasks, points
        case auditLog = "audit_log"
    }

    let customers: CustomerService
    /// The record services of the sections that are records of the customer, by section.
    let records: [Section: RecordService]

    public init(settings: CRMSettings, customers: CustomerService, clock: CRMClock) {
        self.customers = customers
        records = [
            .orders: SalesServices.orders(settings: settings, customers: customers),
            .interactions: SalesServices.interactions(settings: settings, customers: customers),
            .opportunities: OpportunityService.make(settings: settings, customers: customers),
            .tickets: TicketService.make(settings: settings, customers: customers, clock: clock),
            .feedback: FeedbackService.make(settings: settings, customers: customers),
            .tasks: TaskService.make(),
        ]
    }

    /// The customer's JSON, live or deleted (the business still holds a deleted customer's
    /// data, so the person may ask for it), or nil (a `404`).
    public func customer(_ connection: StoreConnection, id: Int64) throws -> [UInt8]? {
        try customers.recordIncludingDeleted(connection, id: id)?.json
    }

    /// Writes up to `limit` entries of `section` after the entry `after` (ids ascending) as
    /// elements of `writer`'s open array; returns the last id written, or nil when the section
    /// has no more.
    public func writePage(
        _ connection: StoreConnection, _ section: Section, customerID: Int64, after: Int64, limit: Int, into writer: inout JSONWriter
    ) throws -> Int64? {
        var last: Int64?
        switch section {
        case .mergedCustomers:
            for id in try CustomerDataExportStore.merged(connection, customerID: customerID, after: after, limit: limit) {
                guard let customer = try customers.recordIncludingDeleted(connection, id: id) else { continue }
                writer.rawJSON(customer.json)
                last = id
            }
        case .ticketComments:
            for row in try CustomerDataExportStore.comments(connection, customerID: customerID, after: after, limit: limit) {
                TicketComments.render(row, into: &writer)
                last = row.int64("id")
            }
        case .points:
            for row in try CustomerDataExportStore.ledger(connection, customerID: customerID, after: after, limit: limit) {
                let entry = LoyaltyEntry(row: row)
                writer.rawJSON(entry.rendered.json)
                last = entry.id
            }
        case .auditLog:
            for entry in try CustomerDataExportStore.audit(
                connection, customerID: customerID, schemas: records.values.map(\.schema), after: after, limit: limit)
            {
                AuditLog.write(entry, into: &writer)
                last = entry.id
            }
        default:
            guard let service = records[section] else { return nil }
            for row in try CustomerDataExportStore.records(
                connection, table: service.schema.table, customerID: customerID, after: after, limit: limit)
            {
                writer.rawJSON(try service.json(connection, row))
                last = row.int64("id")
            }
        }
        return last
    }

}
