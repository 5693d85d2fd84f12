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

    /// Writes a page of automation `automationID`'s runs, newest first, as JSON array elements;
    /// returns the id to continue before, or nil at the end.
    public static func renderPage(_ connection: Connection, automationID: Int64, beforeID: Int64, limit: Int, into writer: inout JSONWriter)
        throws -> Int64?
    {
        let rows = try AutomationStore.runs(connection, automationID: automationID, beforeID: beforeID, limit: limit + 1)
        for row in rows.prefix(limit) {
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
        }
        return rows.count > limit ? rows[limit - 1].int64("id") : nil
    }
}
