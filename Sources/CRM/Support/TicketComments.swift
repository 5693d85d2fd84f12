import JSON
import SQLite

/// `GET/POST /v1/tickets/{id}/comments`: `{author, author_type, body, public}`. The first public
/// staff comment sets the ticket's `first_response_at` (and so settles its first-response SLA).
public enum TicketComments {
    public struct Input: Sendable {
        public let author: String
        public let authorType: String
        public let body: String
        public let isPublic: Bool
    }

    /// - Parameter defaultAuthor: who wrote the comment when the body names nobody (the calling
    ///   key's name): API.md lists `author` without making it required.
    public static func parse(_ object: JSONObject, defaultAuthor: String) throws(CRMError) -> Input {
        var issues: [FieldIssue] = []
        for key in object.keys where !["author", "author_type", "body", "public"].contains(key) {
            issues.append(FieldIssue(key, RecordSchema.serverOwned.contains(key) ? "read_only" : "unknown_field", "no such field"))
        }
        let author: String
        if let given = object["author"], !given.isNull {
            author = given.stringValue?.trimmingWhitespace() ?? ""
        } else {
            author = defaultAuthor.trimmingWhitespace()
        }
        if author.isEmpty || author.count > 200 {
            issues.append(FieldIssue("author", "required", "a non-empty author of at most 200 characters"))
        } else if let problem = TextRules.problem(in: author) {
            issues.append(FieldIssue("author", "invalid_characters", problem))
        }
        let authorType = object["author_type"]?.stringValue ?? (object["author_type"] == nil ? "staff" : "")
        if authorType != "staff" && authorType != "customer" {
            issues.append(FieldIssue("author_type", "invalid_enum", "staff or customer"))
        }
        let body = object["body"]?.stringValue?.trimmingWhitespace() ?? ""
        if body.isEmpty || body.count > 20_000 {
            issues.append(FieldIssue("body", "required", "a non-empty body of at most 20000 characters"))
        } else if let problem = TextRules.problem(in: body) {
            issues.append(FieldIssue("body", "invalid_characters", problem))
        }
        var isPublic = true
        if let value = object["public"] {
            if let flag = value.boolValue {
                isPublic = flag
            } else {
                issues.append(FieldIssue("public", "invalid_type", "must be true or false"))
            }
        }
        if !issues.isEmpty { throw .validation(issues) }
        return Input(author: author, authorType: authorType, body: body, isPublic: isPublic)
    }

    /// Adds a comment to a live, not closed ticket; the first public staff comment sets the
    /// ticket's `first_response_at` (an update of the ticket through the shared write flow).
    public static func add(
        _ connection: StoreConnection, ticketID: Int64, _ input: Input, tickets: RecordService, actor: Int64?, now: Timestamp
    )
        throws -> RenderedEntry
    {
        let ticket = try tickets.current(connection, id: ticketID, ifMatch: nil)
        if ticket.string("status") == "closed" {
            throw CRMError.conflict(
                "a closed ticket is final", [FieldIssue("ticket", "invalid_transition", "closed tickets take no comments")])
        }
        if let customer = ticket.int64("customer_id"), try CustomerErasure.isErased(connection, id: customer) {
            // A comment is text about the person, which erasure cleared: nothing new is recorded.
            throw CRMError.conflict(
                "customer \(customer) was erased: an erased customer is final",
                [FieldIssue("ticket", "erased", "the ticket's customer \(customer) was erased; it takes no comments")])
        }
        let id = try TicketCommentStore.insert(connection, ticketID: ticketID, input, actor: actor, now: now)
        if input.isPublic && input.authorType == "staff" && ticket.string("first_response_at") == nil {
            _ = try tickets.flow.update(connection, before: ticket, actor: actor, now: now) {
                try tickets.store.update(connection, id: ticketID, values: [:], extra: ["first_response_at": .text(now.rfc3339)], now: now)
                return true
            }
        }
        guard let row = try TicketCommentStore.find(connection, id: id) else { throw CRMError.notFound("comment \(id)") }
        return entry(row)
    }

    /// A page of a live ticket's comments after `afterID`, oldest first; nil when there is no
    /// such ticket.
    public static func page(_ connection: StoreConnection, ticketID: Int64, afterID: Int64, limit: Int) throws -> [RenderedEntry]? {
        guard try RecordStore.exists(connection, table: TicketSchema.schema.table, id: ticketID) else { return nil }
        return try TicketCommentStore.list(connection, ticketID: ticketID, afterID: afterID, limit: limit).map(entry)
    }

    static func entry(_ row: Row) -> RenderedEntry {
        var writer = JSONWriter(capacity: 256)
        render(row, into: &writer)
        return RenderedEntry(id: row.int64("id") ?? 0, json: writer.bytes)
    }

    static func render(_ row: Row, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(row.int64("id") ?? 0)
        writer.key("ticket_id")
        writer.int(row.int64("ticket_id") ?? 0)
        writer.key("author")
        writer.string(row.string("author") ?? "")
        writer.key("author_type")
        writer.string(row.string("author_type") ?? "staff")
        writer.key("body")
        writer.string(row.string("body") ?? "")
        writer.key("public")
        writer.bool(row.bool("public") ?? true)
        writer.key("created_at")
        writer.string(row.string("created_at") ?? "")
        writer.endObject()
    }
}
