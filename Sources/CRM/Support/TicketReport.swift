import JSON
import SQLite

/// `GET /v1/analytics/tickets` (API.md §3):
/// - the backlog (tickets neither solved nor closed, now) by status and by priority;
/// - `sla_compliance`: % of the tickets whose resolution fell due in the window (and by now)
///   that met both targets, the first response and the resolution (`null` when none fell due);
/// - the medians, in minutes, of the time to first response and to resolution (paused time left
///   out) of the tickets created in the window.
///
/// Served from data kept on every ticket write (migration 0020, ``TicketReportStore``): counts
/// per status and priority, rollups per due day and per creation day, and indexes in order of
/// the minutes.
public enum TicketReport {
    /// - Parameters: from/to: the window of days (UTC), both inclusive; nil for open ends.
    public static func render(_ connection: StoreConnection, from: CalendarDate?, to: CalendarDate?, now: Timestamp) throws -> [UInt8] {
        let backlog = TicketSchema.statuses.filter { $0 != "solved" && $0 != "closed" }
        var byStatus: [String: Int64] = [:]
        var byPriority: [String: Int64] = [:]
        for (status, priority, count) in try TicketReportStore.counts(connection, statuses: backlog) {
            byStatus[status, default: 0] += count
            byPriority[priority, default: 0] += count
        }
        let (due, met) = try compliance(connection, from: from, to: to, now: now)
        let firstResponse = try TicketReportStore.median(connection, .firstResponse, from: from, to: to)
        let resolution = try TicketReportStore.median(connection, .resolution, from: from, to: to)

        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.counts("backlog_by_status", byStatus, order: backlog)
        writer.counts("backlog_by_priority", byPriority, order: TicketSchema.priorities)
        writer.key("sla_compliance")
        writer.value(due == 0 ? .null : .double(Double(met) * 100 / Double(due)))
        writer.key("median_first_response_minutes")
        writer.value(firstResponse.map(JSONValue.double) ?? .null)
        writer.key("median_resolution_minutes")
        writer.value(resolution.map(JSONValue.double) ?? .null)
        writer.endObject()
        return writer.bytes
    }

    /// Tickets whose resolution fell due in the window and before `now`, and how many met both
    /// targets: whole days from the due-day rollup, and the day `now` falls in (when the window
    /// reaches it) ticket by ticket, since only its part before `now` counts.
    static func compliance(_ connection: StoreConnection, from: CalendarDate?, to: CalendarDate?, now: Timestamp) throws -> (Int64, Int64) {
        let start = from?.startTimestamp ?? .earliest
        let end = min(to?.adding(days: 1).startTimestamp ?? .latest, now)
        guard start < end else { return (0, 0) }
        // Whole days are those before the day `end` falls in; `start` is always a midnight.
        let lastDay = CalendarDate(end)
        let partFrom = max(start, lastDay.startTimestamp)
        var (due, met) = partFrom < end ? try TicketReportStore.compliance(connection, dueFrom: partFrom, dueBefore: end, now: now) : (0, 0)
        if start < lastDay.startTimestamp {
            let days = try TicketReportStore.dueDays(
                connection, fromDay: CalendarDate(start).description, beforeDay: lastDay.description, now: now)
            due += days.due
            met += days.met
        }
        return (due, met)
    }
}
