import SQLite

/// Writes a record's schema fields from its row, by kind, into a ``JSONWriter``; and turns them
/// into ``JSONValue``s for audit diffs.
public enum RecordRenderer {
    public static func writeFields(_ schema: RecordSchema, _ row: Row, into writer: inout JSONWriter) {
        for field in schema.fields {
            writer.key(field.name)
            write(field, row[field.column], into: &writer)
        }
    }

    /// A whole record: `id`, the schema's fields, then the shared tail.
    public static func writeRecord(_ schema: RecordSchema, _ row: Row, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(row.int64("id") ?? 0)
        writeFields(schema, row, into: &writer)
        writeTrailer(row, into: &writer)
        writer.endObject()
    }

    /// `created_at`, `updated_at`, `deleted_at`, `version`: the tail every record shares.
    public static func writeTrailer(_ row: Row, into writer: inout JSONWriter) {
        for name in ["created_at", "updated_at", "deleted_at"] {
            writer.key(name)
            if let text = row.string(name) { writer.string(text) } else { writer.null() }
        }
        writer.key("version")
        writer.int(row.int64("version") ?? 1)
    }

    public static func write(_ field: FieldDefinition, _ value: SQLValue, into writer: inout JSONWriter) {
        writer.value(jsonValue(field, value))
    }

    public static func jsonValue(_ field: FieldDefinition, _ value: SQLValue) -> JSONValue {
        switch (field.kind, value) {
        case (_, .null):
            if case .tags = field.kind { return .array([]) }
            if case .attributes = field.kind { return .object(JSONObject()) }
            if case .lineItems = field.kind { return .array([]) }
            return .null
        case (.boolean, .integer(let number)):
            return .bool(number != 0)
        case (.tags, .text(let text)), (.attributes, .text(let text)), (.lineItems, .text(let text)):
            return (try? JSONParser.parse(text)) ?? .null
        case (_, .integer(let number)):
            return .int(number)
        case (_, .real(let number)):
            return .double(number)
        case (_, .text(let text)):
            return .string(text)
        case (_, .blob):
            return .null
        }
    }
}
