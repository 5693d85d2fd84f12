import JSON

/// One step of an automation (API.md §2 "automations"), checked when the automation is saved.
public enum AutomationAction: Sendable {
    /// A task for the record's customer; `assignee` defaults to the customer's owner, the due
    /// time is `dueInDays` days after the run.
    case createTask(title: String, kind: String?, assignee: String?, dueInDays: Int64?)
    /// A tag added to the record's customer (a tag it already has changes nothing).
    case addTag(String)
    /// A writable field of the record itself, set to `value` (checked against the field when
    /// saved, so the write's own rules are what can still refuse it at run time).
    case setField(name: String, value: JSONValue)
    /// A ticket for the record's customer.
    case createTicket(subject: String, priority: String?, type: String?)
    /// An `automation.fired` event to one webhook, through the outbox.
    case webhook(id: Int64)

    public var type: String {
        switch self {
        case .createTask: "create_task"
        case .addTag: "add_tag"
        case .setField: "set_field"
        case .createTicket: "create_ticket"
        case .webhook: "webhook"
        }
    }

    static let types = ["create_task", "add_tag", "set_field", "create_ticket", "webhook"]

    struct Issues: Error { let issues: [FieldIssue] }

    /// - Parameter record: what the trigger acts on; nil when the trigger is itself invalid, and
    ///   then a `set_field` is checked only for a field name (its field and value depend on it).
    ///   `customFields`: the definitions a customer's `set_field` of `attributes` must fit (each
    ///   key it sets that has one), as a `PATCH` of the same value would.
    static func parse(
        _ value: JSONValue, path: String, record: AutomationRecord?, webhookExists: (Int64) throws -> Bool,
        customFields: [CustomField] = []
    ) -> Result<AutomationAction, Issues> {
        guard let object = value.objectValue else {
            return .failure(Issues(issues: [FieldIssue(path, "invalid_type", "an action is an object")]))
        }
        guard let type = object["type"]?.stringValue, types.contains(type) else {
            return .failure(Issues(issues: [FieldIssue("\(path).type", "invalid_enum", "one of \(types.joined(separator: ", "))")]))
        }
        var issues: [FieldIssue] = []
        let allowed: [String: [String]] = [
            "create_task": ["title", "kind", "assignee", "due_in_days"], "add_tag": ["tag"], "set_field": ["field", "value"],
            "create_ticket": ["subject", "priority", "ticket_type"], "webhook": ["webhook_id"],
        ]
        for key in object.keys.sorted() where key != "type" && !(allowed[type] ?? []).contains(key) {
            issues.append(FieldIssue("\(path).\(key)", "unknown_field", "\(type) takes \((allowed[type] ?? []).joined(separator: ", "))"))
        }
        /// An optional or required text of at most `limit` characters, or one of `options`.
        func text(_ key: String, required: Bool, limit: Int, options: [String]? = nil) -> String? {
            guard let member = object[key], member != .null else {
                if required { issues.append(FieldIssue("\(path).\(key)", "required", "\(key) is required")) }
                return nil
            }
            guard let text = member.stringValue?.trimmingWhitespace(), !text.isEmpty, text.count <= limit,
                TextRules.problem(in: text) == nil
            else {
                issues.append(FieldIssue("\(path).\(key)", "invalid_type", "a non-empty text of at most \(limit) characters"))
                return nil
            }
            if let options, !options.contains(text) {
                issues.append(FieldIssue("\(path).\(key)", "invalid_enum", "one of \(options.joined(separator: ", "))"))
                return nil
            }
            return text
        }
        var action: AutomationAction?
        switch type {
        case "create_task":
            let title = text("title", required: true, limit: 500)
            let kind = text("kind", required: false, limit: 50, options: TaskSchema.kinds)
            let assignee = text("assignee", required: false, limit: 200)
            var days: Int64?
            if let member = object["due_in_days"], member != .null {
                if let number = member.intValue, (0...AutomationDefinition.maximumDays).contains(number) {
                    days = number
                } else {
                    issues.append(
                        FieldIssue("\(path).due_in_days", "out_of_range", "an integer from 0 to \(AutomationDefinition.maximumDays)"))
                }
            }
            if let title { action = .createTask(title: title, kind: kind, assignee: assignee, dueInDays: days) }
        case "add_tag":
            if let tag = text("tag", required: true, limit: FieldValue.maximumTagLength) { action = .addTag(tag) }
        case "set_field":
            if let name = text("field", required: true, limit: 100), let record {
                let member = object["value"] ?? .null
                if let field = record.schema.field(name) {
                    if !field.writable {
                        issues.append(
                            FieldIssue("\(path).field", "read_only", "\(name) of \(record.article) \(record.rawValue) is set by the server")
                        )
                    } else {
                        do {
                            _ = try RecordInput.parse([name: member], schema: record.schema, mode: .patch)
                            action = .setField(name: name, value: member)
                            if record == .customer, name == "attributes", let object = member.objectValue {
                                for field in customFields {
                                    guard let set = object[field.key], !set.isNull, let problem = field.problem(with: set) else { continue }
                                    issues.append(FieldIssue("\(path).value", "invalid_type", "attributes.\(field.key): \(problem)"))
                                }
                            }
                        } catch {
                            if case .validation(let found) = error {
                                issues += found.map { FieldIssue("\(path).value", $0.code, $0.message) }
                            }
                        }
                    }
                } else {
                    issues.append(FieldIssue("\(path).field", "unknown_field", "\(record.article) \(record.rawValue) has no field \(name)"))
                }
            }
        case "create_ticket":
            let subject = text("subject", required: true, limit: 500)
            let priority = text("priority", required: false, limit: 50, options: TicketSchema.priorities)
            let ticketType = text("ticket_type", required: false, limit: 50, options: TicketSchema.types)
            if let subject { action = .createTicket(subject: subject, priority: priority, type: ticketType) }
        default:
            if let id = object["webhook_id"]?.intValue, id > 0 {
                do {
                    if try webhookExists(id) {
                        action = .webhook(id: id)
                    } else {
                        issues.append(FieldIssue("\(path).webhook_id", "not_found", "no live webhook \(id)"))
                    }
                } catch {
                    issues.append(FieldIssue("\(path).webhook_id", "not_found", "webhook \(id) could not be read"))
                }
            } else {
                issues.append(FieldIssue("\(path).webhook_id", "required", "webhook_id is the id of a webhook"))
            }
        }
        guard issues.isEmpty, let action else { return .failure(Issues(issues: issues)) }
        return .success(action)
    }

    /// How the run log shows what the action did: its type and what it made or changed.
    func result(_ details: [(String, JSONValue)]) -> JSONValue {
        var object: JSONObject = ["type": .string(type)]
        for (key, value) in details { object[key] = value }
        return .object(object)
    }
}
