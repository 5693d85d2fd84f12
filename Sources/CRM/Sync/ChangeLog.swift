import JSON
import SQLite

/// Writes the change feed and the audit log for one write, in the writer's transaction, so
/// nothing acknowledged is missing from them and nothing rolled back appears in them.
public enum ChangeLog {
    public enum Action: String, Sendable {
        case create, update, delete

        var eventSuffix: String {
            switch self {
            case .create: "created"
            case .update: "updated"
            case .delete: "deleted"
            }
        }
    }

    /// Appends one change-feed entry (its `seq` is the next rowid, in commit order); `data` is the
    /// record's JSON, or nil when it was deleted. Every webhook that wants the event gets an
    /// outbox row in the same transaction, and an event automations trigger on is noted for the
    /// automations that run when the write job is done (``WriteEvents``).
    public static func recordEvent(
        _ connection: StoreConnection, type: String, recordType: String, id: Int64, data: [UInt8]?, now: Timestamp
    ) throws {
        let seq = try ChangeLogStore.insertChange(connection, type: type, recordType: recordType, id: id, data: data, now: now)
        try WebhookOutboxStore.enqueue(connection, changeSeq: seq, type: type, now: now)
        WriteEvents.of(connection)?.note(type: type, recordType: recordType, id: id)
    }

    /// Records `action` on a record: its feed entry (with the record as it now is, or null when
    /// deleted) and its audit entry with the fields that changed.
    public static func record(
        _ connection: StoreConnection, action: Action, schema: RecordSchema, id: Int64, before: Row?, after: Row?,
        data: [UInt8]?, actor: Int64?, now: Timestamp, audit: Bool = true
    ) throws {
        if schema.inFeed {
            try recordEvent(
                connection, type: "\(schema.recordType).\(action.eventSuffix)", recordType: schema.recordType, id: id, data: data, now: now)
        }
        // Derived updates (metrics, scores) are changes to the record but nobody's edit.
        guard audit else { return }
        // Written straight into one buffer, in field order: this runs for every record of every
        // write (a thousand per batch), so no object tree is built for the diff.
        var diff = JSONWriter(capacity: 512)
        diff.beginObject()
        func write(_ field: FieldDefinition) {
            let oldValue = before?[field.column]
            let newValue = after?[field.column]
            // Equal stored values render equal: an unchanged field is skipped before it is rendered.
            if let oldValue, let newValue, oldValue == newValue { return }
            let old = oldValue.map { RecordRenderer.jsonValue(field, $0) } ?? .null
            let new = newValue.map { RecordRenderer.jsonValue(field, $0) } ?? .null
            guard old != new else { return }
            diff.key(field.name)
            diff.beginObject()
            diff.key("before")
            diff.value(old)
            diff.key("after")
            diff.value(new)
            diff.endObject()
        }
        schema.fields.forEach(write)
        // The tombstone's marks are no schema fields, but they are what a delete (and a merge,
        // which names the survivor) changes; a table without `merged_into` has none to list.
        Self.tombstoneFields.forEach(write)
        diff.endObject()
        try ChangeLogStore.insertAudit(
            connection, actor: actor, action: action.rawValue, recordType: schema.recordType, id: id,
            changes: String(decoding: diff.bytes, as: UTF8.self), now: now)
    }

    private static let tombstoneFields = [
        FieldDefinition("deleted_at", .timestamp, writable: false),
        FieldDefinition("merged_into", .reference(table: "customers"), writable: false),
    ]

    /// An audit entry alone, for administrative records the feed does not carry (API keys,
    /// webhooks): `fields` are the changed fields' `(before, after)`; never pass a secret.
    static func audit(
        _ connection: StoreConnection, action: Action, recordType: String, id: Int64,
        fields: [(String, before: JSONValue, after: JSONValue)],
        actor: Int64?, now: Timestamp
    ) throws {
        var diff = JSONObject()
        for (name, before, after) in fields where before != after { diff[name] = ["before": before, "after": after] }
        try ChangeLogStore.insertAudit(
            connection, actor: actor, action: action.rawValue, recordType: recordType, id: id, changes: JSONValue.object(diff).jsonString,
            now: now)
    }
}
