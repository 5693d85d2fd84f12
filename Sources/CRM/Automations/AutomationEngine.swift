import Dispatch
import Foundation
import JSON
import SQLite
import Synchronization

/// Runs automations (API.md §2 "automations"): event-triggered ones right after the write that
/// fired them, in its transaction (installed with ``install(on:)``), and the daily ones with
/// ``runDaily(_:now:)``. Each run is one savepoint: an action that fails undoes the run's own
/// writes, is recorded as a `failed` run, and never fails or rolls back the user's write.
public struct AutomationEngine: Sendable {
    let customers: CustomerService
    let tasks: RecordService
    let tickets: RecordService
    /// The services that write each kind of record but customers (`set_field`).
    let records: [AutomationRecord: RecordService]
    let clock: CRMClock
    public let counts = AutomationRunCounts()
    /// Parsed automations by id, each valid for the version it was parsed at.
    private let parsed = AutomationCache()

    /// How many records one write of a daily run acts on: small, so API writes queued behind it
    /// wait milliseconds, not the length of the whole run.
    static let dailyChunk = 50

    public init(settings: CRMSettings, customers: CustomerService, clock: CRMClock) {
        self.customers = customers
        self.clock = clock
        tasks = TaskService.make()
        let tickets = TicketService.make(settings: settings, customers: customers, clock: clock)
        self.tickets = tickets
        records = [
            .order: SalesServices.orders(settings: settings, customers: customers), .ticket: tickets,
            .feedback: FeedbackService.make(settings: settings, customers: customers),
            .opportunity: OpportunityService.make(settings: settings, customers: customers),
        ]
    }

    /// From now on every write job on `database` runs the automations its events trigger.
    public func install(on database: Database) throws {
        let engine = self
        try database.installAutomations { connection, events in try engine.runEvents(connection, events) }
    }

    /// True when any automation ran its actions.
    func runEvents(_ connection: StoreConnection, _ events: [WriteEvents.Event]) throws -> Bool {
        let now = clock.now()
        var automations: [String: [AutomationStore.Stored]] = [:]
        // Every condition of the job's events is tested before any action runs: conditions
        // are over the event's record as the write left it (API.md), so one automation's
        // set_field, tag or ticket never decides whether another one fires, whatever their
        // order. The actions then apply in order to the record as it is by then.
        var due: [(event: WriteEvents.Event, automation: AutomationStore.Stored, holds: Bool)] = []
        for event in events {
            let matching = try automations[event.type] ?? enabled(connection, trigger: event.type)
            automations[event.type] = matching
            for automation in matching {
                due.append((event, automation, try holds(connection, automation, recordID: event.id)))
            }
        }
        var acted = false
        for (event, automation, holds) in due {
            let status = try run(connection, automation, trigger: event.type, recordID: event.id, runDay: nil, holds: holds, now: now)
            acted = acted || status == .succeeded
        }
        return acted
    }

    /// Whether `automation`'s condition holds for the record now (an empty tree always does; a
    /// definition that no longer parses is a failed run whatever this says).
    private func holds(_ connection: StoreConnection, _ automation: AutomationStore.Stored, recordID: Int64) throws -> Bool {
        guard let definition = automation.definition, let condition = automation.condition else { return true }
        return try AutomationStore.holds(connection, record: definition.record, id: recordID, condition: condition)
    }

    /// Runs every enabled `schedule.daily` automation for the day of `now`, acting on each
    /// selected record at most once that day; returns how many runs it recorded. The selections
    /// are read on a reader; the actions are written in small batches through the writer, so
    /// other writes go on in between.
    public func runDaily(_ database: Database, now: Timestamp) throws -> Int {
        let trigger = AutomationDefinition.Trigger.daily.rawValue
        let day = CalendarDate(now).description
        var runs = 0
        for automation in try database.read({ try enabled($0, trigger: trigger) }) {
            guard let definition = automation.definition else { continue }
            let ids = try database.read {
                try AutomationStore.dailySelection($0, automationID: automation.id, definition: definition, now: now)
            }
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + Self.dailyChunk, ids.count)])
                start += chunk.count
                let began = DispatchTime.now().uptimeNanoseconds
                defer {
                    // Paced: after each batch the run rests as long as the batch took, so on a
                    // server sharing one core the API keeps at least half of it however long the
                    // selection (a nightly job may take longer; requests may not).
                    let took = DispatchTime.now().uptimeNanoseconds - began
                    if start < ids.count { usleep(useconds_t(min(took / 1000, 1_000_000))) }
                }
                runs += try database.writeWithoutAutomations { connection in
                    var made = 0
                    for id in chunk {
                        // Another run may have acted on it since the selection was read.
                        guard
                            try !AutomationStore.dailySelection(
                                connection, automationID: automation.id, definition: definition, now: now, onlyID: id
                            ).isEmpty
                        else { continue }
                        // The selection's query tested the condition.
                        if try run(connection, automation, trigger: trigger, recordID: id, runDay: day, holds: true, now: now) != nil {
                            made += 1
                        }
                    }
                    return made
                }
            }
        }
        return runs
    }

    /// The enabled automations with `trigger`, parsing only those not parsed at their version.
    private func enabled(_ connection: StoreConnection, trigger: String) throws -> [AutomationStore.Stored] {
        let found = try AutomationStore.enabled(connection, trigger: trigger) { id, version in
            parsed.known(id: id, version: version)
        }
        parsed.keep(found)
        return found
    }

    /// One run of `automation` on one record: a `skipped` run when its condition did not hold
    /// (`holds`, tested by the caller), else the actions in order in a savepoint, and the run's
    /// record. Returns the run's status, or nil when a daily run of it already acted on the record
    /// that day.
    func run(
        _ connection: StoreConnection, _ automation: AutomationStore.Stored, trigger: String, recordID: Int64, runDay: String?,
        holds: Bool, now: Timestamp
    ) throws -> AutomationRun.Status? {
        guard let definition = automation.definition else {
            _ = try AutomationStore.insertRun(
                connection, automationID: automation.id, status: .failed, trigger: trigger, record: .customer, recordID: recordID,
                actions: [], error: "the stored definition no longer holds: save the automation again", now: now, runDay: runDay)
            counts.add(.failed)
            return .failed
        }
        let record = definition.record
        if !holds {
            _ = try AutomationStore.insertRun(
                connection, automationID: automation.id, status: .skipped, trigger: trigger, record: record, recordID: recordID,
                actions: [],
                error: nil, now: now, runDay: runDay)
            counts.add(.skipped)
            return .skipped
        }
        // Recorded first (as failed until it is done): the id names the webhook events it sends,
        // and a daily run's unique key is taken before anything is done.
        guard
            let runID = try AutomationStore.insertRun(
                connection, automationID: automation.id, status: .failed, trigger: trigger, record: record, recordID: recordID, actions: [],
                error: "running", now: now, runDay: runDay)
        else { return nil }
        var results: [JSONValue] = []
        var failing = 0
        do {
            try connection.savepoint("automation_run") {
                for (index, action) in definition.actions.enumerated() {
                    failing = index
                    results.append(
                        try apply(
                            action, index: index, connection, automation: automation, trigger: trigger, record: record, recordID: recordID,
                            runID: runID, now: now))
                }
            }
        } catch  where Database.fault(of: error) != nil {
            // A full disk or an unwritable file is no action's failure: the whole write fails.
            throw error
        } catch {
            let action = definition.actions[failing]
            try AutomationStore.finishRun(
                connection, id: runID, status: .failed, actions: [],
                error: "actions[\(failing)] (\(action.type)): \(Self.describe(error))")
            counts.add(.failed)
            return .failed
        }
        try AutomationStore.finishRun(connection, id: runID, status: .succeeded, actions: results, error: nil)
        counts.add(.succeeded)
        return .succeeded
    }

    private func apply(
        _ action: AutomationAction, index: Int, _ connection: StoreConnection, automation: AutomationStore.Stored, trigger: String,
        record: AutomationRecord, recordID: Int64, runID: Int64, now: Timestamp
    ) throws -> JSONValue {
        func customer() throws -> (id: Int64, owner: String?) {
            guard let found = try AutomationStore.customer(connection, record: record, id: recordID) else {
                throw CRMError.notFound("the \(record.rawValue) has no live customer")
            }
            return found
        }
        switch action {
        case .createTask(let title, let kind, let assignee, let days):
            let owner = try customer()
            var body: JSONObject = ["title": .string(title), "customer_id": .int(owner.id)]
            if let kind { body["kind"] = .string(kind) }
            if let name = assignee ?? owner.owner { body["assignee"] = .string(name) }
            if let days { body["due_at"] = .string(now.adding(days: days).rfc3339) }
            let changes = try RecordInput.parse(body, schema: TaskSchema.schema, mode: .create)
            let task = try TaskService.create(tasks, connection, changes, source: .automation(automation.id), actor: nil, now: now)
            return action.result([("task_id", .int(task.row.int64("id") ?? 0))])
        case .addTag(let tag):
            let owner = try customer()
            let current = try customers.get(connection, id: owner.id)?.string("tags").flatMap { try? JSONParser.parse(Array($0.utf8)) }
            var tags = current?.arrayValue ?? []
            let added = !tags.contains(.string(tag))
            if added {
                tags.append(.string(tag))
                let changes = try RecordInput.parse(["tags": .array(tags)], schema: CustomerSchema.schema, mode: .patch)
                _ = try customers.updateRecord(connection, id: owner.id, changes, ifMatch: nil, actor: nil, now: now)
            }
            return action.result([("customer_id", .int(owner.id)), ("tag", .string(tag)), ("added", .bool(added))])
        case .setField(let name, let value):
            let changes = try RecordInput.parse([name: value], schema: record.schema, mode: .patch)
            if record == .customer {
                _ = try customers.updateRecord(connection, id: recordID, changes, ifMatch: nil, actor: nil, now: now)
            } else if let service = records[record] {
                _ = try service.updateRecord(connection, id: recordID, changes, ifMatch: nil, actor: nil, now: now)
            }
            return action.result([("field", .string(name))])
        case .createTicket(let subject, let priority, let type):
            let owner = try customer()
            var body: JSONObject = ["customer_id": .int(owner.id), "subject": .string(subject)]
            if let priority { body["priority"] = .string(priority) }
            if let type { body["type"] = .string(type) }
            let ticket = try tickets.createRecord(connection, try tickets.parse(body, mode: .create), actor: nil, now: now)
            let ticketID = ticket.row.int64("id") ?? 0
            // A complaint that becomes a ticket points at it, as if staff had filed it by hand.
            if record == .feedback, let feedback = records[.feedback],
                try feedback.record(connection, id: recordID)?.row["ticket_id"] == .null
            {
                let link = try RecordInput.parse(["ticket_id": .int(ticketID)], schema: FeedbackSchema.schema, mode: .patch)
                _ = try feedback.updateRecord(connection, id: recordID, link, ifMatch: nil, actor: nil, now: now)
            }
            return action.result([("ticket_id", .int(ticketID))])
        case .webhook(let webhookID):
            guard try RecordStore.exists(connection, table: WebhookSchema.schema.table, id: webhookID) else {
                throw CRMError.notFound("no live webhook \(webhookID)")
            }
            var data = JSONWriter(capacity: 512)
            data.beginObject()
            data.key("automation_id")
            data.int(automation.id)
            data.key("automation_name")
            data.string(automation.name)
            data.key("run_id")
            data.int(runID)
            data.key("trigger")
            data.string(trigger)
            data.key("record_type")
            data.string(record.rawValue)
            data.key("record_id")
            data.int(recordID)
            data.key("record")
            let json =
                record == .customer
                ? try customers.record(connection, id: recordID)?.json : try records[record]?.record(connection, id: recordID)?.json
            if let json { data.rawJSON(json) } else { data.null() }
            data.endObject()
            try WebhookOutboxStore.enqueue(
                connection, webhookID: webhookID, eventID: "evt_run_\(runID)_\(index)", type: "automation.fired", data: data.bytes, now: now
            )
            return action.result([("webhook_id", .int(webhookID))])
        }
    }

    /// The run log's `error`: what the refusing rule said.
    static func describe(_ error: any Error) -> String {
        switch error {
        case CRMError.validation(let issues): issues.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        case CRMError.notFound(let message): message
        case CRMError.conflict(let message, let issues): ([message] + issues.map { "\($0.field): \($0.message)" }).joined(separator: "; ")
        case CRMError.versionMismatch: "the record changed meanwhile"
        case CRMError.invalidParameter(let name, let message): "\(name): \(message)"
        default: "\(error)"
        }
    }
}

/// Automations parsed at a version, by id, so each definition is parsed once per change.
final class AutomationCache: Sendable {
    private let entries = Mutex<[Int64: AutomationStore.Stored]>([:])

    func known(id: Int64, version: Int64) -> AutomationStore.Stored? {
        entries.withLock { $0[id] }.flatMap { $0.version == version ? $0 : nil }
    }

    func keep(_ automations: [AutomationStore.Stored]) {
        entries.withLock { cache in
            for automation in automations { cache[automation.id] = automation }
        }
    }
}

/// Runs recorded since the server started, by status (`/metrics`).
public final class AutomationRunCounts: Sendable {
    private let counts = Mutex<[AutomationRun.Status: Int]>([:])

    func add(_ status: AutomationRun.Status) { counts.withLock { $0[status, default: 0] += 1 } }

    public func count(_ status: AutomationRun.Status) -> Int { counts.withLock { $0[status] ?? 0 } }
}
