import JSON
import SQLite

/// The SQL of automations: the enabled ones a trigger runs, the records actions act on, the run
/// log, and the daily selections (indexed queries over customers or tickets, never a scan of
/// every customer in Swift).
enum AutomationStore {
    struct Stored: Sendable {
        let id: Int64
        let version: Int64
        let name: String
        let definition: AutomationDefinition?
        /// The definition's condition compiled to SQL once, nil when it always holds.
        let condition: ListCondition?

        init(id: Int64, version: Int64, name: String, definition: AutomationDefinition?, dialect: SQLDialect) {
            self.id = id
            self.version = version
            self.name = name
            self.definition = definition
            condition = definition.flatMap {
                $0.conditions.isAlwaysTrue ? nil : RuleConditionStore.condition($0.conditions, dialect: dialect)
            }
        }
    }

    /// The enabled, live automations with `trigger`, in id order (`automations_by_trigger`).
    /// `known` returns an automation already parsed at that id and version, so a write that fires
    /// an event parses nothing it parsed before.
    static func enabled(_ connection: StoreConnection, trigger: String, known: (Int64, Int64) -> Stored? = { _, _ in nil }) throws
        -> [Stored]
    {
        try connection.query(
            """
            SELECT id, version, name, trigger, schedule, conditions, actions FROM automations
            WHERE trigger = ? AND enabled = 1 AND deleted_at IS NULL ORDER BY id
            """, [.text(trigger)]
        ).map { row in
            let id = row.int64("id") ?? 0
            let version = row.int64("version") ?? 0
            return known(id, version)
                ?? Stored(
                    id: id, version: version, name: row.string("name") ?? "", definition: AutomationSchema.definition(of: row),
                    dialect: connection.dialect)
        }
    }

    /// Whether the live record `id` meets `condition` (compiled over alias `c`).
    static func holds(_ connection: StoreConnection, record: AutomationRecord, id: Int64, condition: ListCondition) throws -> Bool {
        try connection.queryOne(
            "SELECT 1 FROM \(record.schema.table) c WHERE c.id = ? AND c.deleted_at IS NULL AND \(condition.sql)",
            [.integer(id)] + condition.bindings) != nil
    }

    /// The customer a record belongs to (a customer is its own), and that customer's owner.
    static func customer(_ connection: StoreConnection, record: AutomationRecord, id: Int64) throws -> (id: Int64, owner: String?)? {
        let customerID: Int64?
        if record == .customer {
            customerID = id
        } else {
            customerID = try connection.queryOne("SELECT customer_id FROM \(record.schema.table) WHERE id = ?", [.integer(id)])?.int64(0)
        }
        guard let customerID,
            let row = try connection.queryOne("SELECT owner FROM customers WHERE id = ? AND deleted_at IS NULL", [.integer(customerID)])
        else { return nil }
        return (customerID, row.string(0))
    }

    // MARK: Runs

    /// Records a run; nil when a daily run of this automation already acted on the record that
    /// day (the unique key `automation_runs_daily`).
    static func insertRun(
        _ connection: StoreConnection, automationID: Int64, status: AutomationRun.Status, trigger: String, record: AutomationRecord,
        recordID: Int64, actions: [JSONValue], error: String?, now: Timestamp, runDay: String?
    ) throws -> Int64? {
        try connection.insertIfAbsent(
            """
            INSERT INTO automation_runs (automation_id, status, trigger, record_type, record_id, actions, error, started_at, run_day)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """,
            [
                .integer(automationID), .text(status.rawValue), .text(trigger), .text(record.rawValue), .integer(recordID),
                .text(JSONValue.array(actions).jsonString), error.map(SQLValue.text) ?? .null, .text(now.rfc3339),
                runDay.map(SQLValue.text) ?? .null,
            ])
    }

    static func finishRun(_ connection: StoreConnection, id: Int64, status: AutomationRun.Status, actions: [JSONValue], error: String?)
        throws
    {
        try connection.run(
            "UPDATE automation_runs SET status = ?, actions = ?, error = ? WHERE id = ?",
            [.text(status.rawValue), .text(JSONValue.array(actions).jsonString), error.map(SQLValue.text) ?? .null, .integer(id)])
    }

    /// A page of an automation's runs, newest first, before `beforeID` (0: from the newest).
    static func runs(_ connection: StoreConnection, automationID: Int64, beforeID: Int64, limit: Int) throws -> [Row] {
        try connection.query(
            """
            SELECT id, status, trigger, record_type, record_id, actions, error, started_at FROM automation_runs
            WHERE automation_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?
            """, [.integer(automationID), .integer(beforeID), .integer(beforeID), .integer(Int64(limit))])
    }

    // MARK: Daily selections

    /// The records a daily run of `automation` acts on at `now`: the selection, the automation's
    /// condition, and not yet acted on (today; for the `no_*` selections, since the customer
    /// last ordered or was last contacted; for a breached ticket, ever; a failed run is tried
    /// again the next day). With `onlyID`, whether
    /// that one record still qualifies (checked again in the write that acts on it).
    static func dailySelection(
        _ connection: StoreConnection, automationID: Int64, definition: AutomationDefinition, now: Timestamp, onlyID: Int64? = nil
    ) throws -> [Int64] {
        guard let selection = definition.selection else { return [] }
        let today = CalendarDate(now)
        var predicate: String
        var bindings: [SQLValue]
        var actedSince: String
        switch selection {
        case .birthdayToday:
            // Those born on 29 February are greeted on the 28th in other years.
            let monthDay = String(today.description.dropFirst(5))
            let leapDay = monthDay == "02-28" && !CalendarDate.isLeapYear(today.year) ? "02-29" : monthDay
            predicate = "c.birthday IS NOT NULL AND c.deleted_at IS NULL AND substr(c.birthday, 6, 5) IN (?, ?)"
            bindings = [.text(monthDay), .text(leapDay)]
            actedSince = "r.run_day = ?"
        case .noOrderForDays, .noInteractionForDays:
            // Silent for N days: the last order (or contact) fell on day today − N or before.
            let before = today.adding(days: 1 - (definition.days ?? 1)).startTimestamp.rfc3339
            let last = selection == .noOrderForDays ? "coalesce(c.last_order_at, '')" : "coalesce(c.last_interaction_at, c.created_at)"
            // Each range runs over its index (customers_by_last_order, customers_by_last_interaction);
            // someone never contacted counts as silent since they became a customer.
            predicate =
                selection == .noOrderForDays
                ? "c.deleted_at IS NULL AND \(last) > '' AND \(last) < ?"
                : "c.deleted_at IS NULL AND coalesce(c.last_interaction_at, '') < ? AND \(last) < ?"
            bindings = selection == .noOrderForDays ? [.text(before)] : [.text(before), .text(before)]
            actedSince = "r.run_day IS NOT NULL AND r.status != 'failed' AND r.started_at > \(last)"
        case .ticketSLABreached:
            let open = TicketSchema.statuses.filter { $0 != "solved" && $0 != "closed" }
            let breached = TicketStore.breachedCondition(true, now: now, alias: "c")
            predicate = "c.deleted_at IS NULL AND c.status IN (\(open.map { _ in "?" }.joined(separator: ", "))) AND \(breached.sql)"
            bindings = open.map(SQLValue.text) + breached.bindings
            actedSince = "r.run_day IS NOT NULL AND r.status != 'failed'"
        }
        var dedupBindings: [SQLValue] = [.integer(automationID)]
        if selection == .birthdayToday { dedupBindings.append(.text(today.description)) }
        // An erased customer is acted on no more (its writes are refused anyway).
        if definition.record == .customer { predicate += " AND c.erased_at IS NULL" }
        let condition = RuleConditionStore.condition(definition.conditions, dialect: connection.dialect)
        var sql = """
            SELECT c.id FROM \(definition.record.schema.table) c WHERE \(predicate) AND \(condition.sql)
            AND NOT EXISTS (SELECT 1 FROM automation_runs r WHERE r.automation_id = ? AND r.record_id = c.id AND \(actedSince))
            """
        bindings += condition.bindings + dedupBindings
        if let onlyID {
            sql += " AND c.id = ?"
            bindings.append(.integer(onlyID))
        }
        // In id order on both engines, so runs, their ids and the feed entries they write come out
        // the same whichever engine chose the plan (the selection's index is not in id order).
        return try connection.query(sql, bindings).compactMap { $0.int64(0) }.sorted()
    }
}
