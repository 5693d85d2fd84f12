import JSON
import SQLite

/// What `GET /v1/analytics/tickets` reads (migration 0020): the counts and day rollups that
/// triggers keep on every ticket write, and the two minutes indexes the medians come from.
enum TicketReportStore {
    /// Live tickets per status and priority; rows of statuses other than `statuses` left out.
    static func counts(_ connection: StoreConnection, statuses: [String]) throws -> [(String, String, Int64)] {
        try connection.query("SELECT status, priority, count FROM ticket_counts WHERE count > 0").compactMap { row in
            guard let status = row.string(0), statuses.contains(status) else { return nil }
            return (status, row.string(1) ?? "", row.int64(2) ?? 0)
        }
    }

    /// A ticket whose clock a pause stopped before its resolution fell due (`pending`, `on_hold`)
    /// has not fallen due: its `resolution_due_at` moves by the paused span when the pause ends,
    /// and it counts on that day. (Counted as due and met, a ticket waiting on its customer made
    /// compliance look better than it was.) Alias `r`.
    static let stoppedBeforeDue = "r.paused_since IS NOT NULL AND r.paused_since <= r.resolution_due_at"

    /// Tickets whose resolution fell due on the days from `fromDay` up to but not including
    /// `beforeDay` (all before `now`), and how many of them met both targets: the day rollup,
    /// kept by triggers on every ticket write (migration 0030), less the tickets a pause stopped
    /// before they fell due (``stoppedBeforeDue``), which the rollup counts as due and, when
    /// answered on time, as met. Those are read row by row, through an index of paused tickets
    /// alone (migration 0031): few beside the tickets of a day range.
    static func dueDays(_ connection: StoreConnection, fromDay: String, beforeDay: String, now: Timestamp) throws -> (
        due: Int64, met: Int64
    ) {
        let sums = try connection.queryOne(
            "SELECT coalesce(sum(due), 0), coalesce(sum(met), 0) FROM ticket_due_rollup WHERE due_on >= ? AND due_on < ?",
            [.text(fromDay), .text(beforeDay)])
        let paused = try connection.queryOne(
            """
            SELECT count(*), coalesce(sum(CASE WHEN coalesce(r.first_response_at, r.solved_at) <= r.first_response_due_at THEN 1 ELSE 0 END), 0)
            FROM tickets r \(connection.dialect.indexedBy("tickets_paused_by_resolution_due"))
            WHERE r.paused_since IS NOT NULL AND r.resolution_due_at >= ? AND r.resolution_due_at < ?
              AND r.deleted_at IS NULL AND \(stoppedBeforeDue)
            """, [.text(fromDay), .text(beforeDay)])
        return ((sums?.int64(0) ?? 0) - (paused?.int64(0) ?? 0), (sums?.int64(1) ?? 0) - (paused?.int64(1) ?? 0))
    }

    /// Tickets whose resolution fell due in `[dueFrom, dueBefore)`, and how many of them met both
    /// targets (the breach rule of the ticket list, judged at `now`), read row by row: for the
    /// part of a day the rollup cannot split. Tickets a pause stopped before they fell due are
    /// not due (``stoppedBeforeDue``).
    static func compliance(_ connection: StoreConnection, dueFrom: Timestamp, dueBefore: Timestamp, now: Timestamp) throws -> (Int64, Int64)
    {
        let (met, bindings) = TicketStore.breachedCondition(false, now: now)
        let row = try connection.queryOne(
            """
            SELECT count(*), coalesce(sum(CASE WHEN \(met) THEN 1 ELSE 0 END), 0) FROM tickets r
            WHERE r.deleted_at IS NULL AND r.resolution_due_at >= ? AND r.resolution_due_at < ? AND NOT (\(stoppedBeforeDue))
            """, bindings + [.text(dueFrom.rfc3339), .text(dueBefore.rfc3339)])
        return (row?.int64(0) ?? 0, row?.int64(1) ?? 0)
    }

    /// Minutes rounded to the millisecond the timestamps have: `julianday` differences carry
    /// floating-point noise (311 minutes came out as 311.0000002384186).
    static func wholeMilliseconds(_ minutes: Double) -> Double {
        (minutes * 60_000).rounded() / 60_000
    }

    /// A median's measure: the minutes expression (as the index on it spells it), the column
    /// that must be set, the index and the `ticket_created_rollup` column counting the values.
    enum Measure {
        /// Minutes from creation to the first response.
        case firstResponse
        /// Minutes from creation to resolution, time paused (pending, on hold) left out.
        case resolution

        var minutes: String {
            switch self {
            case .firstResponse: "(julianday(first_response_at) - julianday(created_at)) * 1440"
            case .resolution: "(julianday(solved_at) - julianday(created_at)) * 1440 - paused_ms / 60000.0"
            }
        }
        var column: String { self == .firstResponse ? "first_response_at" : "solved_at" }
        var index: String { self == .firstResponse ? "tickets_by_first_response_minutes" : "tickets_by_resolution_minutes" }
        var counted: String { self == .firstResponse ? "responded" : "solved" }
    }

    /// The median of the measure over the live tickets created on the days from `from` to `to`
    /// (UTC, both inclusive; nil for open ends): the rollup says how many values there are, and
    /// the index, in order of the minutes, is read up to the middle one or two.
    static func median(_ connection: StoreConnection, _ measure: Measure, from: CalendarDate?, to: CalendarDate?) throws -> Double? {
        let count =
            try connection.queryOne(
                "SELECT coalesce(sum(\(measure.counted)), 0) FROM ticket_created_rollup WHERE created_on >= ? AND created_on <= ?",
                [.text(from?.description ?? "0000-01-01"), .text(to?.description ?? "9999-12-31")]
            )?.int64(0) ?? 0
        guard count > 0 else { return nil }
        let createdFrom = from?.startTimestamp ?? .earliest
        let createdBefore = to?.adding(days: 1).startTimestamp ?? .latest
        let middle = try connection.query(
            """
            SELECT \(measure.minutes) FROM tickets \(connection.dialect.indexedBy(measure.index))
            WHERE deleted_at IS NULL AND \(measure.column) IS NOT NULL AND \(measure.minutes) IS NOT NULL
              AND created_at >= ? AND created_at < ?
            ORDER BY \(measure.minutes) LIMIT ? OFFSET ?
            """,
            [.text(createdFrom.rfc3339), .text(createdBefore.rfc3339), .integer(count % 2 == 1 ? 1 : 2), .integer((count - 1) / 2)]
        ).compactMap { $0.double(0).map(Self.wholeMilliseconds) }
        guard let first = middle.first else { return nil }
        return middle.count == 2 ? (first + middle[1]) / 2 : first
    }
}
