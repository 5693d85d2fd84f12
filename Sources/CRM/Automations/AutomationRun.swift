import JSON
import SQLite

/// One recorded run of an automation: `{id, status, trigger, record_type, record_id, actions,
/// error, started_at}` (API.md §2 "automations").
public enum AutomationRun {
    public enum Status: String, Sendable, CaseIterable {
        /// Every action was applied.
        case succeeded
        /// An action failed: nothing the run did was kept, `error` says why.
        case failed
        /// The condition did not hold for the record: no action ran.
        case skipped
    }

    /// A page of automation `automationID`'s runs, newest first, below `beforeID` (from the
    /// newest when nil), at most `limit`, rendered; nil when there is no live such automation.
    public static func page(_ connection: StoreConnection, automationID: Int64, beforeID: Int64?, limit: Int) throws -> [RenderedEntry]? {
        guard try RecordStore.exists(connection, table: AutomationSchema.schema.table, id: automationID) else { return nil }
        return try AutomationStore.runs(connection, automationID: automationID, beforeID: beforeID ?? 0, limit: limit).map { row in
            var writer = JSONWriter(capacity: 256)
            writer.beginObject()
            writer.key("id")
            writer.int(row.int64("id") ?? 0)
            for name in ["status", "trigger", "record_type"] {
                writer.key(name)
                writer.string(row.string(name) ?? "")
            }
            writer.key("record_id")
            writer.int(row.int64("record_id") ?? 0)
            writer.key("actions")
            writer.rawJSON((row.string("actions") ?? "[]").utf8)
            writer.key("error")
            if let error = row.string("error") { writer.string(error) } else { writer.null() }
            writer.key("started_at")
            writer.string(row.string("started_at") ?? "")
            writer.endObject()
            return RenderedEntry(id: row.int64("id") ?? 0, json: writer.bytes)
        }
    }
}
