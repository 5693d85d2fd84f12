import JSON
import SQLite

/// Tickets: the status machine, SLA due times and breach flags (API.md §2 "tickets").
///
/// SLA rule: on create, and on a priority change, `first_response_due_at` = created + the
/// priority's first-response target and `resolution_due_at` = created + the resolution target +
/// time spent paused. The resolution clock pauses while the ticket is `pending` or `on_hold`
/// (the due time moves later by the paused span when the ticket leaves those statuses); the
/// first-response clock never pauses, and stops at the first public staff reply or at the solve,
/// whichever comes first, as the resolution clock stops at the solve. Breach flags are computed
/// from the clock at read time, so they flip as soon as a due time passes, with no write needed.
public enum TicketService {
    static let minute: Int64 = 60_000

    public static func make(settings: CRMSettings, customers: CustomerService, clock: CRMClock) -> RecordService {
        let schema = TicketSchema.schema
        return RecordService(
            schema: schema, searchColumn: "subject", listParameters: ["sla_breached": TicketStore.slaBreachedParameter],
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, extra, before, now in
                    try CustomerLinks.refuseMove(connection, table: schema.table, values, before: before)
                    try applyRules(connection, &values, &extra, before: before, now: now)
                },
                afterWrite: { connection, before, after, _, now in
                    try SalesServices.refreshCustomers(connection, before, after, settings: settings, customers: customers, now: now)
                },
                render: { row, writer in render(row, now: clock.now(), into: &writer) }))
    }

    static func applyRules(
        _ connection: StoreConnection, _ values: inout [String: SQLValue], _ extra: inout [String: SQLValue], before: Row?, now: Timestamp
    ) throws {
        let policies = try SLAPolicy.all(connection)
        guard let before else {
            let status = values["status"].flatMap(\.text) ?? "new"
            guard ["new", "open", "pending", "on_hold"].contains(status) else {
                throw CRMError.validation([FieldIssue("status", "invalid_enum", "a new ticket is new, open, pending or on_hold")])
            }
            let priority = values["priority"].flatMap(\.text) ?? "normal"
            values["status"] = .text(status)
            values["priority"] = .text(priority)
            let policy = policies[priority] ?? SLAPolicy(firstResponseMinutes: 480, resolutionMinutes: 4320)
            extra["first_response_due_at"] = .text(now.adding(milliseconds: policy.firstResponseMinutes * minute).rfc3339)
            extra["resolution_due_at"] = .text(now.adding(milliseconds: policy.resolutionMinutes * minute).rfc3339)
            if TicketSchema.pausing.contains(status) { extra["paused_since"] = .text(now.rfc3339) }
            return
        }
        let from = before.string("status") ?? "new"
        // A merge moves a closed ticket to the surviving customer: that alone may change it.
        if values.removeValue(forKey: CustomerService.mergeFlag) != nil, from == "closed" { return }
        if from == "closed" {
            throw CRMError.conflict(
                "a closed ticket is final", [FieldIssue("status", "invalid_transition", "closed tickets cannot change")])
        }
        if values["status"] == .null || values["priority"] == .null {
            throw CRMError.validation([FieldIssue(values["status"] == .null ? "status" : "priority", "required", "cannot be null")])
        }
        var pausedMilliseconds = before.int64("paused_ms") ?? 0
        var resolutionDue = before.string("resolution_due_at").flatMap(Timestamp.init(rfc3339:)) ?? now
        if let to = values["status"].flatMap(\.text), to != from {
            guard TicketSchema.mayMove(from: from, to: to) else {
                throw CRMError.conflict(
                    "a \(from) ticket cannot become \(to)", [FieldIssue("status", "invalid_transition", "\(from) → \(to) is not allowed")])
            }
            let wasPaused = TicketSchema.pausing.contains(from)
            let nowPaused = TicketSchema.pausing.contains(to)
            if wasPaused && !nowPaused, let since = before.string("paused_since").flatMap(Timestamp.init(rfc3339:)) {
                let span = now.millisecondsSinceEpoch - since.millisecondsSinceEpoch
                pausedMilliseconds += span
                resolutionDue = resolutionDue.adding(milliseconds: span)
                extra["paused_ms"] = .integer(pausedMilliseconds)
                extra["paused_since"] = .null
                extra["resolution_due_at"] = .text(resolutionDue.rfc3339)
            } else if !wasPaused && nowPaused {
                extra["paused_since"] = .text(now.rfc3339)
            }
            if to == "solved" { extra["solved_at"] = .text(now.rfc3339) }
            if from == "solved" && to == "open" { extra["solved_at"] = .null }
            if to == "closed" { extra["closed_at"] = .text(now.rfc3339) }
        }
        if let priority = values["priority"].flatMap(\.text), priority != before.string("priority"),
            let created = before.string("created_at").flatMap(Timestamp.init(rfc3339:)), let policy = policies[priority]
        {
            extra["first_response_due_at"] = .text(created.adding(milliseconds: policy.firstResponseMinutes * minute).rfc3339)
            extra["resolution_due_at"] = .text(created.adding(milliseconds: policy.resolutionMinutes * minute + pausedMilliseconds).rfc3339)
        }
    }

    /// Breach flags at `now` (see the type's rule).
    public static func breaches(_ row: Row, now: Timestamp) -> (firstResponse: Bool, resolution: Bool) {
        let firstDue = row.string("first_response_due_at") ?? ""
        // The first-response clock stops at the first public staff reply or at the solve.
        let firstAt = row.string("first_response_at") ?? row.string("solved_at") ?? now.rfc3339
        let resolutionDue = row.string("resolution_due_at") ?? ""
        let resolution: Bool
        if let pausedSince = row.string("paused_since") {
            resolution = pausedSince > resolutionDue
        } else {
            resolution = (row.string("solved_at") ?? now.rfc3339) > resolutionDue
        }
        return (firstAt > firstDue, resolution)
    }

    /// The `sla_breached=true|false` list condition at `now` (alias `r`).
    /// The `sla_breached` list condition (``TicketStore``), for query-plan checks.
    public static func breachedCondition(_ breached: Bool, now: Timestamp) -> (sql: String, bindings: [SQLValue]) {
        TicketStore.breachedCondition(breached, now: now)
    }

    static func render(_ row: Row, now: Timestamp, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(row.int64("id") ?? 0)
        RecordRenderer.writeFields(TicketSchema.schema, row, into: &writer)
        let (firstBreached, resolutionBreached) = breaches(row, now: now)
        writer.key("sla")
        writer.beginObject()
        writer.key("first_response_due_at")
        writer.string(row.string("first_response_due_at") ?? "")
        writer.key("resolution_due_at")
        writer.string(row.string("resolution_due_at") ?? "")
        writer.key("first_response_breached")
        writer.bool(firstBreached)
        writer.key("resolution_breached")
        writer.bool(resolutionBreached)
        writer.endObject()
        RecordRenderer.writeTrailer(row, into: &writer)
        writer.endObject()
    }
}
