import SQLite

/// Tasks over the shared record flow: `kind` defaults to `follow_up` and `status` to `open` on
/// create (absent or `null`; neither can be cleared later), and `source` is the server's to set,
/// `manual` unless the creator says otherwise (``create(_:_:_:source:actor:now:)``).
///
///     let tasks = TaskService.make()
///     let task = try TaskService.create(tasks, connection, changes, source: .automation(7), actor: nil, now: now)
public enum TaskService {
    /// Internal key carrying a creator's ``TaskSource`` to the rules. Not a field: a request body
    /// that names it is a `422` (unknown field), so only code in this process sets it.
    static let sourceKey = "__source"

    public static func make() -> RecordService {
        let schema = TaskSchema.schema
        return RecordService(
            schema: schema,
            hooks: RecordHooks(
                schema: schema,
                prepare: { _, values, _, before, _ in
                    let source = values.removeValue(forKey: sourceKey)
                    var issues: [FieldIssue] = []
                    for (field, fallback) in [("kind", TaskSchema.defaultKind), ("status", TaskSchema.defaultStatus)] {
                        if before == nil && (values[field] == nil || values[field] == .null) { values[field] = .text(fallback) }
                        if values[field] == .null { issues.append(FieldIssue(field, "required", "\(field) cannot be null")) }
                    }
                    if before == nil { values["source"] = source ?? .text(TaskSource.manual.text) }
                    if !issues.isEmpty { throw CRMError.validation(issues) }
                }))
    }

    /// Creates a task made by `source` (an automation names itself); the API's creates are
    /// `manual`. `service` is the one ``make()`` returned.
    public static func create(
        _ service: RecordService, _ connection: StoreConnection, _ changes: RecordChanges, source: TaskSource, actor: Int64?, now: Timestamp
    ) throws -> StoredRecord {
        var changes = changes
        changes.flags[sourceKey] = .text(source.text)
        return try service.createRecord(connection, changes, actor: actor, now: now)
    }
}
