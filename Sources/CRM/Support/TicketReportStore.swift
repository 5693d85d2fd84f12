import JSON
import SQLite

enum TicketReportStore {
    static func backlog(_ connection: Connection) throws -> [(String, String, Int64)] {
        try connection.query(
            """
            SELECT status, priority, count(*) FROM tickets
            WHERE deleted_at IS NULL AND status NOT IN ('solved', 'closed') GROUP BY status, priority
            """
        ).map { ($0.string(0) ?? "", $0.string(1) ?? "", $0.int64(2) ?? 0) }
    }

    /// Tickets whose resolution fell due in `[dueFrom, dueBefore)`, and how many of them met both
    /// targets (the breach rule of the ticket list, judged at `now`).
    static func compliance(_ connection: Connection, dueFrom: Timestamp, dueBefore: Timestamp, now: Timestamp) throws -> (Int64, Int64) {
        let (met, bindings) = TicketStore.breachedCondition(false, now: now)
        let row = try connection.queryOne(
            """
            SELECT count(*), coalesce(sum(\(met)), 0) FROM tickets r
            WHERE r.deleted_at IS NULL AND r.resolution_due_at >= ? AND r.resolution_due_at < ?
            """, bindings + [.text(dueFrom.rfc3339), .text(dueBefore.rfc3339)])
        return (row?.int64(0) ?? 0, row?.int64(1) ?? 0)
    }

    /// Minutes from creation to the first response, ascending.
    static func firstResponseMinutes(_ connection: Connection, createdFrom: Timestamp, createdBefore: Timestamp) throws -> [Double] {
        try connection.query(
            """
            SELECT (julianday(first_response_at) - julianday(created_at)) * 1440 AS minutes FROM tickets
            WHERE deleted_at IS NULL AND first_response_at IS NOT NULL AND created_at >= ? AND created_at < ? ORDER BY minutes
            """, [.text(createdFrom.rfc3339), .text(createdBefore.rfc3339)]
        ).compactMap { $0.double(0) }
    }

    /// Minutes from creation to resolution, time paused (pending, on hold) left out, ascending.
    static func resolutionMinutes(_ connection: Connection, createdFrom: Timestamp, createdBefore: Timestamp) throws -> [Double] {
        try connection.query(
            """
            SELECT (julianday(solved_at) - julianday(created_at)) * 1440 - paused_ms / 60000.0 AS minutes FROM tickets
            WHERE deleted_at IS NULL AND solved_at IS NOT NULL AND created_at >= ? AND created_at < ? ORDER BY minutes
            """, [.text(createdFrom.rfc3339), .text(createdBefore.rfc3339)]
        ).compactMap { $0.double(0) }
    }
}
