/// Tickets (API.md §2 "tickets").
public enum TicketSchema {
    public static let statuses = ["new", "open", "pending", "on_hold", "solved", "closed"]
    public static let priorities = ["urgent", "high", "normal", "low"]
    public static let types = ["question", "incident", "problem", "task", "complaint"]

    public static let schema = RecordSchema(
        recordType: "ticket", table: "tickets",
        fields: [
            FieldDefinition("customer_id", .reference(table: "customers"), required: true),
            FieldDefinition("subject", .text(maxLength: 500), required: true, sortable: true),
            FieldDefinition("description", .text(maxLength: 20_000), filterable: false),
            FieldDefinition("status", .enumeration(statuses)),
            FieldDefinition("priority", .enumeration(priorities)),
            FieldDefinition("type", .enumeration(types)),
            FieldDefinition("channel", .text(maxLength: 50)),
            FieldDefinition("assignee", .text(maxLength: 200)),
            FieldDefinition("tags", .tags, filterable: false),
            FieldDefinition("first_response_at", .timestamp, writable: false, sortable: true),
            FieldDefinition("solved_at", .timestamp, writable: false, sortable: true),
            FieldDefinition("closed_at", .timestamp, writable: false),
        ])

    public static let listFields = RecordStore.listFields(
        schema,
        extra: [
            ListField(
                "sla.first_response_due_at", kind: .timestamp, filter: .expression("r.first_response_due_at"),
                sort: "r.first_response_due_at"),
            ListField("sla.resolution_due_at", kind: .timestamp, filter: .expression("r.resolution_due_at"), sort: "r.resolution_due_at"),
        ])

    /// Status moves (API.md): `new`, `open`, `pending`, `on_hold` → `open`, `pending`, `on_hold`,
    /// `solved`; `solved` → `open`, `closed`; `closed` → nothing.
    public static func mayMove(from: String, to: String) -> Bool {
        if from == to { return from != "closed" }
        switch from {
        case "new", "open", "pending", "on_hold": return ["open", "pending", "on_hold", "solved"].contains(to)
        case "solved": return to == "open" || to == "closed"
        default: return false
        }
    }

    /// Statuses that stop the resolution clock.
    public static let pausing: Set<String> = ["pending", "on_hold"]
}

/// Feedback (API.md §2 "feedback").
public enum FeedbackSchema {
    public static let kinds = ["nps", "csat", "ces", "review", "complaint", "suggestion", "praise"]
    public static let statuses = ["new", "acknowledged", "actioned", "closed"]
    /// Score ranges of the scored kinds; the others take no score.
    public static let scoreRanges: [String: ClosedRange<Int64>] = ["nps": 0...10, "csat": 1...5, "ces": 1...7, "review": 1...5]

    public static let schema = RecordSchema(
        recordType: "feedback", table: "feedback",
        fields: [
            FieldDefinition("customer_id", .reference(table: "customers"), required: true),
            FieldDefinition("kind", .enumeration(kinds), required: true),
            FieldDefinition("score", .integer(minimum: 0, maximum: 10), sortable: true),
            FieldDefinition("comment", .text(maxLength: 5000), filterable: false),
            FieldDefinition("channel", .text(maxLength: 50)),
            FieldDefinition("ticket_id", .reference(table: "tickets")),
            FieldDefinition("opportunity_id", .reference(table: "opportunities")),
            FieldDefinition("status", .enumeration(statuses)),
            FieldDefinition("tags", .tags, filterable: false),
        ])

    public static let listFields = RecordStore.listFields(schema)

    /// Workflow: forward only (`new` → `acknowledged` → `actioned` → `closed`, steps may be
    /// skipped); `closed` is final.
    public static func mayMove(from: String, to: String) -> Bool {
        guard let a = statuses.firstIndex(of: from), let b = statuses.firstIndex(of: to) else { return false }
        return from == to || (b > a)
    }
}
