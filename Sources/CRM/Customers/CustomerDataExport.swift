import JSON
import SQLite

/// `GET /v1/customers/{id}/data-export` (API.md §2, "data-subject requests"; admin only): one JSON
/// document with the customer and every record about them, written a page at a time so a large
/// one streams:
///
///     {"exported_at":…,"customer":{…},"orders":[…],"interactions":[…],"opportunities":[…],
///      "tickets":[{…,"comments":[…]}],"feedback":[…],"tasks":[…],"points":[…],"audit_log":[…]}
///
/// Records are rendered as their own endpoints render them; deleted ones are included (with their
/// `deleted_at`), since the business still holds them. `audit_log` holds the entries of the customer
/// and of each of those records, oldest first.
public struct CustomerDataExport: Sendable {
    /// One array of the document, in document order.
    public enum Section: String, CaseIterable, Sendable {
        case orders, interactions, opportunities, tickets, feedback, tasks, points
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

    /// The live customer's JSON, or nil (a `404`).
    public func customer(_ connection: Connection, id: Int64) throws -> [UInt8]? {
        try customers.record(connection, id: id)?.json
    }

    /// Writes up to `limit` entries of `section` after the entry `after` (ids ascending) as
    /// elements of `writer`'s open array; returns the last id written, or nil when the section
    /// has no more.
    public func writePage(
        _ connection: Connection, _ section: Section, customerID: Int64, after: Int64, limit: Int, into writer: inout JSONWriter
    ) throws -> Int64? {
        var last: Int64?
        switch section {
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
                var json = try service.json(connection, row)
                let id = row.int64("id") ?? 0
                if section == .tickets { try Self.addComments(connection, ticketID: id, to: &json) }
                writer.rawJSON(json)
                last = id
            }
        }
        return last
    }

    /// A ticket's JSON with its comments (all of them, oldest first) as `comments`.
    private static func addComments(_ connection: Connection, ticketID: Int64, to json: inout [UInt8]) throws {
        guard json.last == UInt8(ascii: "}") else { return }
        var comments = JSONWriter(capacity: 512)
        comments.beginArray()
        for row in try TicketCommentStore.list(connection, ticketID: ticketID, afterID: 0, limit: .max) {
            var comment = JSONWriter(capacity: 256)
            TicketComments.render(row, into: &comment)
            comments.rawJSON(comment.bytes)
        }
        comments.endArray()
        json.removeLast()
        json += Array(",\"comments\":".utf8) + comments.bytes + [UInt8(ascii: "}")]
    }
}
