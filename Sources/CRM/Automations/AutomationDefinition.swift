import JSON

/// What an automation does, checked whole when it is saved (API.md §2 "automations"): its
/// trigger, the daily selection, the rule-tree condition over the trigger's record and the
/// actions, in order. ``parse(trigger:schedule:conditions:actions:webhookExists:)`` names every
/// bad part at once (`schedule.days`, `conditions.all[0].field`, `actions[1].webhook_id`).
public struct AutomationDefinition: Sendable {
    public enum Trigger: String, CaseIterable, Sendable {
        case customerCreated = "customer.created"
        case orderCreated = "order.created"
        case ticketCreated = "ticket.created"
        case feedbackCreated = "feedback.created"
        case opportunityStageChanged = "opportunity.stage_changed"
        case daily = "schedule.daily"
    }

    /// Which records a daily run acts on.
    public enum Selection: String, CaseIterable, Sendable {
        case birthdayToday = "birthday_today"
        case noOrderForDays = "no_order_for_days"
        case noInteractionForDays = "no_interaction_for_days"
        case ticketSLABreached = "ticket_sla_breached"

        var takesDays: Bool { self == .noOrderForDays || self == .noInteractionForDays }
    }

    public let trigger: Trigger
    public let selection: Selection?
    /// The `days` of the `no_*` selections.
    public let days: Int64?
    public let conditions: RuleTree
    public let actions: [AutomationAction]

    /// The kind of record the automation runs on.
    public var record: AutomationRecord {
        switch trigger {
        case .customerCreated: .customer
        case .orderCreated: .order
        case .ticketCreated: .ticket
        case .feedbackCreated: .feedback
        case .opportunityStageChanged: .opportunity
        case .daily: selection == .ticketSLABreached ? .ticket : .customer
        }
    }

    /// The event types that may run automations: what ``ChangeLog`` collects for them.
    static let eventTypes: Set<String> = Set(Trigger.allCases.filter { $0 != .daily }.map(\.rawValue))

    public static let maximumActions = 20
    public static let maximumDays: Int64 = 3650

    /// - Parameters:
    ///   - webhookExists: whether a live webhook has this id (`webhook` actions).
    ///   - customFields: the live custom field definitions a customer's `set_field` of
    ///     `attributes` is checked against when the automation is written (none: not checked).
    public static func parse(
        trigger triggerValue: JSONValue?, schedule: JSONValue?, conditions conditionsValue: JSONValue?, actions actionsValue: JSONValue?,
        webhookExists: (Int64) throws -> Bool, customerCatalog: RuleCatalog = .customers, customFields: [CustomField] = []
    ) throws -> AutomationDefinition {
        var issues: [FieldIssue] = []
        guard let text = triggerValue?.stringValue, let trigger = Trigger(rawValue: text) else {
            // What the conditions and a set_field may name depends on the trigger; everything
            // else of the actions is still checked, so one 422 names all it can.
            issues.append(FieldIssue("trigger", "invalid_enum", "one of \(Trigger.allCases.map(\.rawValue).joined(separator: ", "))"))
            issues += actionIssues(actionsValue, record: nil, webhookExists: webhookExists, customFields: customFields).issues
            throw CRMError.validation(issues)
        }
        var selection: Selection?
        var days: Int64?
        let schedule = schedule == .null ? nil : schedule
        if trigger == .daily {
            if let object = schedule?.objectValue {
                for key in object.keys where key != "select" && key != "days" {
                    issues.append(FieldIssue("schedule.\(key)", "unknown_field", "a schedule has select and days"))
                }
                if let name = object["select"]?.stringValue, let found = Selection(rawValue: name) {
                    selection = found
                    if found.takesDays {
                        let given = object["days"].flatMap { $0 == .null ? nil : $0 }
                        if let number = given?.intValue, (1...maximumDays).contains(number) {
                            days = number
                        } else {
                            // Missing, not a whole number (`"10"`, `10.5`), or out of range: each named as such.
                            let code = given == nil ? "required" : given?.intValue == nil ? "invalid_type" : "out_of_range"
                            issues.append(FieldIssue("schedule.days", code, "\(found.rawValue) takes days from 1 to \(maximumDays)"))
                        }
                    } else if let extra = object["days"], extra != .null {
                        issues.append(FieldIssue("schedule.days", "invalid", "\(found.rawValue) takes no days"))
                    }
                } else {
                    issues.append(
                        FieldIssue(
                            "schedule.select", "invalid_enum", "one of \(Selection.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            } else if schedule == nil {
                issues.append(FieldIssue("schedule", "required", "schedule.daily needs a schedule {\"select\", \"days\"}"))
            } else {
                issues.append(FieldIssue("schedule", "invalid_type", "a schedule is an object {\"select\", \"days\"}"))
            }
        } else if schedule != nil {
            issues.append(FieldIssue("schedule", "invalid", "only schedule.daily takes a schedule"))
        }
        let record = trigger == .daily ? (selection == .ticketSLABreached ? AutomationRecord.ticket : .customer) : Self.record(of: trigger)
        var conditions = RuleTree.all([])
        if let conditionsValue, conditionsValue != .null {
            do {
                conditions = try RuleTree.parse(
                    conditionsValue, catalog: record == .customer ? customerCatalog : record.catalog, path: "conditions")
            } catch {
                if case .validation(let found) = error { issues += found } else { throw error }
            }
        }
        let (actions, found) = actionIssues(actionsValue, record: record, webhookExists: webhookExists, customFields: customFields)
        issues += found
        if !issues.isEmpty { throw CRMError.validation(issues) }
        return AutomationDefinition(trigger: trigger, selection: selection, days: days, conditions: conditions, actions: actions)
    }

    /// The actions that parse, and the issues of those that do not (`record` nil: the trigger
    /// is unknown, see ``AutomationAction/parse(_:path:record:webhookExists:)``).
    private static func actionIssues(
        _ value: JSONValue?, record: AutomationRecord?, webhookExists: (Int64) throws -> Bool, customFields: [CustomField]
    ) -> (actions: [AutomationAction], issues: [FieldIssue]) {
        guard let array = value?.arrayValue, (1...maximumActions).contains(array.count) else {
            return ([], [FieldIssue("actions", "invalid_type", "an array of 1 to \(maximumActions) actions")])
        }
        var actions: [AutomationAction] = []
        var issues: [FieldIssue] = []
        for (index, element) in array.enumerated() {
            switch AutomationAction.parse(
                element, path: "actions[\(index)]", record: record, webhookExists: webhookExists, customFields: customFields)
            {
            case .success(let action): actions.append(action)
            case .failure(let found): issues += found.issues
            }
        }
        return (actions, issues)
    }

    private static func record(of trigger: Trigger) -> AutomationRecord {
        AutomationDefinition(trigger: trigger, selection: nil, days: nil, conditions: .all([]), actions: []).record
    }
}

/// The kinds of record automations run on, with what rules test and actions write there.
public enum AutomationRecord: String, Sendable {
    case customer, order, ticket, feedback, opportunity

    /// "a" or "an", for messages.
    var article: String { self == .order || self == .opportunity ? "an" : "a" }

    public var schema: RecordSchema {
        switch self {
        case .customer: CustomerSchema.schema
        case .order: OrderSchema.schema
        case .ticket: TicketSchema.schema
        case .feedback: FeedbackSchema.schema
        case .opportunity: OpportunitySchema.schema
        }
    }

    var catalog: RuleCatalog {
        switch self {
        case .customer: .customers
        case .order: Self.orderCatalog
        case .ticket: Self.ticketCatalog
        case .feedback: Self.feedbackCatalog
        case .opportunity: Self.opportunityCatalog
        }
    }

    private static let orderCatalog = RuleCatalog.records(OrderSchema.schema)
    private static let ticketCatalog = RuleCatalog.records(TicketSchema.schema)
    private static let feedbackCatalog = RuleCatalog.records(FeedbackSchema.schema)
    private static let opportunityCatalog = RuleCatalog.records(OpportunitySchema.schema)
}
