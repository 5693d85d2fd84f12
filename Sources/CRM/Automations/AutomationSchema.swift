import JSON
import SQLite

/// Automations (API.md §2, admin only) over the records engine: `{name, trigger, schedule,
/// conditions, actions, enabled}`. Like webhooks they are audited and stay out of the change
/// feed. Every write checks the whole definition as it will stand (a PATCH of `trigger` is
/// checked against the stored conditions and actions), naming each bad part.
public enum AutomationSchema {
    public static let schema = RecordSchema(
        recordType: "automation", table: "automations",
        fields: [
            FieldDefinition("name", .text(maxLength: 200), required: true, sortable: true),
            FieldDefinition("trigger", .enumeration(AutomationDefinition.Trigger.allCases.map(\.rawValue)), required: true),
            FieldDefinition("schedule", .document, filterable: false),
            FieldDefinition("conditions", .ruleTree, filterable: false),
            FieldDefinition("actions", .document, required: true, filterable: false),
            FieldDefinition("enabled", .boolean),
        ],
        inFeed: false)

    public static let listFields = RecordStore.listFields(schema)

    public static func service() -> RecordService {
        RecordService(
            schema: schema,
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, _, before, _ in
                    if before == nil && (values["enabled"] == nil || values["enabled"] == .null) { values["enabled"] = .integer(1) }
                    if values["enabled"] == .null {
                        throw CRMError.validation([FieldIssue("enabled", "required", "enabled cannot be null")])
                    }
                    func stored(_ name: String) -> JSONValue? {
                        let value = values[name] ?? before?[name] ?? .null
                        guard case .text(let text) = value else { return nil }
                        return name == "trigger" ? .string(text) : try? JSONParser.parse(Array(text.utf8))
                    }
                    // Webhooks are looked up when the actions are written: a webhook deleted since
                    // must not block pausing or renaming the automation (its runs fail and say so).
                    let writesActions = before == nil || values["actions"] != nil
                    _ = try AutomationDefinition.parse(
                        trigger: stored("trigger"), schedule: stored("schedule"), conditions: stored("conditions"),
                        actions: stored("actions"),
                        webhookExists: { id in
                            try !writesActions || RecordStore.exists(connection, table: WebhookSchema.schema.table, id: id)
                        }, customerCatalog: try .customers(connection),
                        customFields: writesActions ? try CustomFieldStore.live(connection) : [])
                }))
    }

    /// The definition of a stored automation (checked when it was written; webhooks are looked
    /// up when a run sends to one); nil only if it no longer parses, which runs record as failed.
    static func definition(of row: Row) -> AutomationDefinition? {
        func json(_ name: String) -> JSONValue? { row.string(name).flatMap { try? JSONParser.parse(Array($0.utf8)) } }
        return try? AutomationDefinition.parse(
            trigger: row.string("trigger").map(JSONValue.string), schedule: json("schedule"), conditions: json("conditions"),
            actions: json("actions"), webhookExists: { _ in true })
    }
}
