import JSON
import SQLite

/// `GET /v1/analytics/tickets` (API.md §3):
/// - the backlog (tickets neither solved nor closed, now) by status and by priority;
/// - `sla_compliance`: % of the tickets whose resolution fell due in the window (and by now)
///   that met both targets, the first response and the resolution (`null` when none fell due);
/// - the medians, in minutes, of the time to first response and to resolution (paused time left
///   out) of the tickets created in the window.
public enum TicketReport {
    public static func render(_ connection: Connection, from: Timestamp?, to: Timestamp?, now: Timestamp) throws -> [UInt8] {
        let backlog = TicketSchema.statuses.filter { $0 != "solved" && $0 != "closed" }
        var byStatus: [String: Int64] = [:]
        var byPriority: [String: Int64] = [:]
        for (status, priority, count) in try TicketReportStore.backlog(connection) {
            byStatus[status, default: 0] += count
            byPriority[priority, default: 0] += count
        }
        let start = from ?? .earliest
        let end = min(to ?? .latest, now)
        let (due, met) = start < end ? try TicketReportStore.compliance(connection, dueFrom: start, dueBefore: end, now: now) : (0, 0)
        let createdFrom = from ?? .earliest
        let createdBefore = to ?? .latest
        let firstResponse = try TicketReportStore.firstResponseMinutes(connection, createdFrom: createdFrom, createdBefore: createdBefore)
        let resolution = try TicketReportStore.resolutionMinutes(connection, createdFrom: createdFrom, createdBefore: createdBefore)

        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.counts("backlog_by_status", byStatus, order: backlog)
        writer.counts("backlog_by_priority", byPriority, order: TicketSchema.priorities)
        writer.key("sla_compliance")
        writer.value(due == 0 ? .null : .double(Double(met) * 100 / Double(due)))
        writer.key("median_first_response_minutes")
        writer.value(median(firstResponse).map(JSONValue.double) ?? .null)
        writer.key("median_resolution_minutes")
        writer.value(median(resolution).map(JSONValue.double) ?? .null)
        writer.endObject()
        return writer.bytes
    }

    /// The median of sorted values: the middle one, or the mean of the two middle ones.
    static func median(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
