/// Tasks (API.md §2 "tasks"): follow-ups and reminders, for a customer or for nobody in
/// particular, made by hand or by an automation.
public enum TaskSchema {
    public static let kinds = ["follow_up", "care", "data_review", "renewal", "other"]
    public static let statuses = ["open", "done", "cancelled"]
    /// What a task is when the request names no kind or status.
    public static let defaultKind = "follow_up"
    public static let defaultStatus = "open"

    public static let schema = RecordSchema(
        recordType: "task", table: "tasks",
        fields: [
            FieldDefinition("title", .text(maxLength: 500), required: true, filterable: false),
            FieldDefinition("customer_id", .reference(table: "customers")),
            FieldDefinition("due_at", .timestamp, sortable: true),
            FieldDefinition("assignee", .text(maxLength: 200)),
            FieldDefinition("kind", .enumeration(kinds)),
            FieldDefinition("status", .enumeration(statuses)),
            FieldDefinition("source", .text(maxLength: 100), writable: false),
        ])

    public static let listFields = RecordStore.listFields(schema)
}

/// Who made a task: its read-only `source`.
public enum TaskSource: Sendable, Equatable {
    /// Through the API (`manual`).
    case manual
    /// By the automation with this id (`automation:<id>`).
    case automation(Int64)

    /// As the `source` field shows it.
    public var text: String {
        switch self {
        case .manual: "manual"
        case .automation(let id): "automation:\(id)"
        }
    }
}
