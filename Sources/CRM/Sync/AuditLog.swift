import JSON
import SQLite

/// The audit log (API.md §2, "audit-log", admin only): who changed what, when. Its rows are
/// written by ``ChangeLog`` in the write's own transaction, so a refused or rolled-back write
/// leaves none; this is the reading side.
public enum AuditLog {
    /// The record types an entry can name: every audited resource (SLA policies are not audited)
    /// and API keys, which only the audit log records. The `record_type` filter takes these alone,
    /// so a misspelt type is a `400` naming it rather than a quietly empty page.
    public static let recordTypes: [String] =
        ([
            CustomerSchema.schema, OrderSchema.schema, InteractionSchema.schema, PipelineService.schema, OpportunitySchema.schema,
            TicketSchema.schema, FeedbackSchema.schema, TaskSchema.schema, SegmentSchema.schema, CustomFieldSchema.schema,
            AutomationSchema.schema, WebhookSchema.schema,
        ].map(\.recordType) + [APIKeyService.auditRecordType]).sorted()

    /// Filters (`a` is the audit_log alias); the list is newest first by `id`.
    public static let listFields: [ListField] = [
        ListField("id", kind: .integer(minimum: 1, maximum: .max), filter: .expression("a.id"), sort: "a.id"),
        ListField("key_id", kind: .integer(minimum: 1, maximum: .max), filter: .expression("a.key_id")),
        ListField("action", kind: .enumeration(["create", "update", "delete"]), filter: .expression("a.action")),
        ListField("record_type", kind: .enumeration(recordTypes), filter: .expression("a.record_type")),
        ListField("record_id", kind: .integer(minimum: 1, maximum: .max), filter: .expression("a.record_id")),
        ListField("occurred_at", kind: .timestamp, filter: .expression("a.occurred_at")),
    ]

    /// Writes one page of entries, `{id, key_id, action, record_type, record_id, changes,
    /// occurred_at}` each, into `writer`'s open array; returns the position after the page, or
    /// nil at the end.
    public static func renderPage(_ connection: StoreConnection, _ request: ListRequest, into writer: inout JSONWriter) throws -> (
        key: JSONValue, id: Int64
    )? {
        try AuditLogStore.forEach(connection, request) { entry in write(entry, into: &writer) }
    }

    /// One entry as the API shows it.
    static func write(_ entry: Entry, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(entry.id)
        writer.key("key_id")
        if let key = entry.keyID { writer.int(key) } else { writer.null() }
        writer.key("action")
        writer.string(entry.action)
        writer.key("record_type")
        writer.string(entry.recordType)
        writer.key("record_id")
        writer.int(entry.recordID)
        writer.key("changes")
        writer.rawJSON(entry.changes)
        writer.key("occurred_at")
        writer.string(entry.occurredAt)
        writer.endObject()
    }

    /// One stored entry; `changes` is its JSON `{"field":{"before":…,"after":…}}`.
    struct Entry {
        let id: Int64
        let keyID: Int64?
        let action: String
        let recordType: String
        let recordID: Int64
        let changes: [UInt8]
        let occurredAt: String
    }
}
