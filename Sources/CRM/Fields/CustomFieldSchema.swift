import JSON
import SQLite

/// Custom field definitions (API.md §2 "fields"; admin writes, every role reads) over the records
/// engine, addressed by their `key`. Like webhooks they are audited and stay out of the feed.
public enum CustomFieldSchema {
    public static let schema = RecordSchema(
        recordType: "field", table: "custom_fields",
        fields: [
            FieldDefinition("key", .text(maxLength: 64), required: true, sortable: true),
            FieldDefinition("label", .text(maxLength: 200), required: true, sortable: true),
            FieldDefinition("type", .enumeration(CustomField.FieldType.allCases.map(\.rawValue)), required: true),
            FieldDefinition("options", .tags, filterable: false),
            FieldDefinition("required", .boolean),
            FieldDefinition("description", .text(maxLength: 2000), filterable: false),
        ],
        inFeed: false)

    public static let listFields = RecordStore.listFields(schema)

    /// Definitions live at once. Each costs every customer write: the index of its key (an entry
    /// to decide on, `json_extract` of the customer's attributes) and its check of the written
    /// attributes, about 4 µs a definition, so a create that takes 0.2 ms alone took 4 ms with 1,000
    /// of them (docs/operations.md, "Limits"). Five hundred is more than the 100 attributes a
    /// customer may hold, and keeps that cost within 2 ms.
    public static let maximumLive: Int64 = 500

    public static func service() -> RecordService {
        RecordService(
            schema: schema, uniqueFields: ["key"],
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, _, before, _ in
                    try check(connection, &values, before: before)
                },
                afterWrite: { connection, before, after, _, _ in
                    // A key never changes, nor does the expression its index reads (a type change keeps it).
                    guard let key = after.string("key") else { return }
                    if after.string("deleted_at") != nil {
                        try AttributeIndexStore.drop(connection, key: key)
                    } else if before == nil {
                        try AttributeIndexStore.create(connection, key: key)
                    }
                }))
    }

    /// The live definition's id, by key.
    public static func id(_ connection: StoreConnection, key: String) throws -> Int64? {
        try CustomFieldStore.id(connection, key: key)
    }

    /// How many live customers hold a value the definition `row` refuses (or lack a required one).
    public static func violations(_ connection: StoreConnection, id: Int64) throws -> Int64 {
        guard let row = try RecordStore(schema: schema).find(connection, id: id), let field = CustomFieldStore.field(row) else { return 0 }
        return try CustomFieldStore.violations(connection, field)
    }

    /// The rules of a definition as it will stand: a snake_case key that never changes, and options
    /// for (and only for) an enum.
    static func check(_ connection: StoreConnection, _ values: inout [String: SQLValue], before: Row?) throws {
        var issues: [FieldIssue] = []
        if let before {
            if let key = values["key"], key != before["key"] {
                issues.append(FieldIssue("key", "read_only", "a field's key never changes: define a new field instead"))
            }
        } else {
            if case .text(let key)? = values["key"], !CustomField.isValidKey(key) {
                issues.append(FieldIssue("key", "invalid_format", "snake_case: a-z first, then a-z, 0-9 and _, at most 64 characters"))
            }
            if try CustomFieldStore.liveCount(connection) >= maximumLive {
                issues.append(
                    FieldIssue(
                        "key", "too_many", "at most \(maximumLive) fields are defined at once: delete one no longer used first"))
            }
            if values["required"] == nil || values["required"] == .null { values["required"] = .integer(0) }
            if values["options"] == nil { values["options"] = .text("[]") }
        }
        if values["required"] == .null { issues.append(FieldIssue("required", "required", "required is true or false")) }
        func text(_ name: String) -> String? {
            if case .text(let text)? = values[name] ?? before?[name] { return text }
            return nil
        }
        let type = text("type").flatMap(CustomField.FieldType.init)
        if let before, type != .enumeration, before.string("type") == CustomField.FieldType.enumeration.rawValue, values["options"] == nil {
            // An enum becoming another type leaves its options behind without being told to.
            values["options"] = .text("[]")
        }
        let options = (try? JSONParser.parse(text("options") ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
        if type == .enumeration && options.isEmpty {
            issues.append(FieldIssue("options", "required", "an enum field lists its options"))
        } else if type != .enumeration && type != nil && !options.isEmpty {
            issues.append(FieldIssue("options", "invalid", "only enum fields have options"))
        }
        if !issues.isEmpty { throw CRMError.validation(issues) }
        // A type change is accepted like any other: API.md, "defining or changing a field never
        // rewrites stored customers: values that no longer fit are reported as violations".
    }
}

/// What every customer write runs: the `attributes` it would store against the live definitions.
enum CustomFieldRules {
    /// - Parameter attributes: the attributes as stored after the write (JSON text), nil for none.
    static func check(_ connection: StoreConnection, attributes: SQLValue?) throws {
        let fields = try CustomFieldStore.live(connection)
        guard !fields.isEmpty else { return }
        var object = JSONObject()
        if case .text(let text)? = attributes { object = (try? JSONParser.parse(text))?.objectValue ?? JSONObject() }
        let issues = CustomField.issues(object, fields: fields)
        if !issues.isEmpty { throw CRMError.validation(issues) }
    }
}

extension CustomFieldSchema {
    /// The list filter `attributes.<key>` of the live definition `key` (alias `c`), reading
    /// values by the field's type (`attributes.score[gte]=3` compares numbers) through the key's
    /// index (``AttributeIndexStore``); nil when no live field has that key.
    public static func listField(_ connection: StoreConnection, name: String) throws -> ListField? {
        guard name.hasPrefix("attributes.") else { return nil }
        let key = String(name.dropFirst("attributes.".count))
        guard CustomField.isValidKey(key), let field = try CustomFieldStore.live(connection, key: key) else { return nil }
        // The expression the key's index is built on, so equalities in id order are served by it;
        // numbers on PostgreSQL, whose json_extract answers text, as numbers.
        var expression = AttributeIndexStore.expression(key, dialect: connection.dialect)
        if field.type == .number || field.type == .integer, let number = connection.dialect.jsonNumber("c.attributes", path: "'$.\(key)'") {
            expression = number
        }
        // A range compares only values of the field's JSON type: a definition may change its
        // type over values stored under the old one (a string "x" is above every number in
        // SQLite's order, a number 5 below every date on PostgreSQL's text).
        let types: String? =
            switch field.type {
            case .number, .integer: "'integer', 'real'"
            case .string, .date, .enumeration: "'text'"
            case .bool: nil
            }
        let rangeGuard = types.map { "json_type(c.attributes, '$.\(key)') IN (\($0))" }
        return ListField(
            name, kind: .text(maxLength: 1000), filter: .indexedForEquality(expression, rangeGuard: rangeGuard),
            parseValue: { text in
                let value: JSONValue? =
                    switch field.type {
                    case .string: text.isEmpty ? nil : .string(text)
                    case .number: Double(text).map(JSONValue.double)
                    case .integer: Int64(text).map(JSONValue.int)
                    case .bool: text == "true" ? .int(1) : text == "false" ? .int(0) : nil
                    case .date: CalendarDate(text).map { .string($0.description) }
                    case .enumeration: field.options.contains(text) ? .string(text) : nil
                    }
                guard let value else { return .failure(ListValueError(expected: field.expected)) }
                return .success(value)
            })
    }
}
