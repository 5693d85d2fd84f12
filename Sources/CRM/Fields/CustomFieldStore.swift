import JSON
import SQLite

/// The SQL of custom fields: the live definitions every customer write is checked against, a
/// definition's id by key, and how many live customers hold a value a definition refuses.
enum CustomFieldStore {
    static func live(_ connection: StoreConnection) throws -> [CustomField] {
        try connection.query("SELECT key, type, options, required FROM custom_fields WHERE deleted_at IS NULL ORDER BY key").compactMap(
            field)
    }

    /// How many definitions are live.
    static func liveCount(_ connection: StoreConnection) throws -> Int64 {
        try connection.queryOne("SELECT count(*) FROM custom_fields WHERE deleted_at IS NULL")?.int64(0) ?? 0
    }

    /// The live definition of `key`.
    static func live(_ connection: StoreConnection, key: String) throws -> CustomField? {
        try connection.queryOne(
            "SELECT key, type, options, required FROM custom_fields WHERE key = ? AND deleted_at IS NULL", [.text(key)]
        ).flatMap(field)
    }

    static func field(_ row: Row) -> CustomField? {
        guard let key = row.string("key"), let type = row.string("type").flatMap(CustomField.FieldType.init) else { return nil }
        let options = (try? JSONParser.parse(row.string("options") ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
        return CustomField(key: key, type: type, options: options, required: row.int64("required") == 1)
    }

    /// Defines a field unless a live definition has its key (the seed's demo fields); returns
    /// whether it did.
    static func insertIfUndefined(
        _ connection: StoreConnection, key: String, label: String, type: String, options: String, description: String, now: Timestamp
    ) throws -> Bool {
        guard try id(connection, key: key) == nil else { return false }
        try connection.run(
            """
            INSERT INTO custom_fields (key, label, type, options, required, description, created_at, updated_at)
            VALUES (?, ?, ?, ?, 0, ?, ?, ?)
            """, [.text(key), .text(label), .text(type), .text(options), .text(description), .text(now.rfc3339), .text(now.rfc3339)])
        return true
    }

    static func id(_ connection: StoreConnection, key: String) throws -> Int64? {
        try connection.queryOne("SELECT id FROM custom_fields WHERE key = ? AND deleted_at IS NULL", [.text(key)])?.int64(0)
    }

    /// Live customers whose stored value of the field does not fit it (or, for a required field,
    /// who have none): one pass over the customers, bound values only.
    static func violations(_ connection: StoreConnection, _ field: CustomField) throws -> Int64 {
        let path = SQLValue.text("$.\"\(field.key)\"")
        let type = "coalesce(json_type(attributes, ?1), 'null')"
        let wrongType: String
        var bindings: [SQLValue] = [path]
        switch field.type {
        case .string: wrongType = "\(type) NOT IN ('text', 'null')"
        case .number: wrongType = "\(type) NOT IN ('integer', 'real', 'null')"
        case .integer: wrongType = "\(type) NOT IN ('integer', 'null')"
        case .bool: wrongType = "\(type) NOT IN ('true', 'false', 'null')"
        case .date:
            wrongType =
                "(\(type) NOT IN ('text', 'null') OR (\(type) = 'text' AND coalesce(\(connection.dialect.checkedDate("json_extract(attributes, ?1)")) = json_extract(attributes, ?1), FALSE) = FALSE))"
        case .enumeration:
            wrongType =
                "(\(type) NOT IN ('text', 'null') OR (\(type) = 'text' AND json_extract(attributes, ?1) NOT IN (SELECT value FROM json_each(?2))))"
            bindings.append(.text(JSONValue.array(field.options.map(JSONValue.string)).jsonString))
        }
        var missing = field.required ? " OR \(type) = 'null'" : ""
        if field.required && field.type == .string {
            // Blank is missing too (the white space most text holds; the writes trim any).
            missing += " OR (\(type) = 'text' AND trim(json_extract(attributes, ?1), ?\(bindings.count + 1)) = '')"
            bindings.append(.text(" \t\n\r\u{00A0}\u{3000}"))
        }
        // An erased customer's attributes are gone for good and it takes no write: never one to fix.
        return try connection.queryOne(
            "SELECT count(*) FROM customers WHERE deleted_at IS NULL AND erased_at IS NULL AND (\(wrongType)\(missing))", bindings)?
            .int64(0) ?? 0
    }
}
