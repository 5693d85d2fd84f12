import JSON
import SQLite

/// Writes a record's schema fields from its row, by kind, into a ``JSONWriter``; and turns them
/// into ``JSONValue``s for audit diffs.
public enum RecordRenderer {
    /// Generic over the row so the same code renders a copied ``Row`` and, on hot paths, the
    /// statement's current row in place (``RowView``: no per-column allocation).
    public static func writeFields<R: ColumnReader>(_ schema: RecordSchema, _ row: R, into writer: inout JSONWriter) {
        let positions = row.positions(of: schema.columns, key: schema.table)
        // Element by element in place: a `for field in` loop copies each definition (three
        // reference-counted members) for every field of every record rendered.
        schema.fields.withUnsafeBufferPointer { fields in
            for offset in fields.indices {
                writer.key(encoded: fields[offset].encodedKey)
                writeField(fields[offset].kind, at: positions[offset], row, into: &writer)
            }
        }
    }

    static func writeField<R: ColumnReader>(_ kind: FieldKind, at position: Int?, _ row: R, into writer: inout JSONWriter) {
        guard let index = position, !row.isNull(at: index) else {
            switch kind {
            case .tags, .lineItems: writer.rawJSON("[]".utf8)
            case .attributes: writer.rawJSON("{}".utf8)
            default: writer.null()
            }
            return
        }
        switch kind {
        case .boolean:
            writer.bool((row.int64(at: index) ?? 0) != 0)
        case .integer, .reference:
            if let number = row.int64(at: index) {
                writer.int(number)
            } else if let number = row.double(at: index) {
                writer.double(number)
            } else {
                writer.null()
            }
        case .tags, .attributes, .lineItems, .ruleTree, .document:
            // Stored as JSON text this server wrote: copied as it is, not parsed and re-encoded.
            if row.withUTF8(at: index, { writer.rawJSON(buffer: $0) }) == nil { writer.null() }
        default:
            if row.withUTF8(at: index, { writer.string(utf8: $0) }) == nil {
                if let number = row.int64(at: index) { writer.int(number) } else { writer.null() }
            }
        }
    }

    /// A whole record: `id`, the schema's fields, then the shared tail.
    public static func writeRecord<R: ColumnReader>(_ schema: RecordSchema, _ row: R, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(row.int64("id") ?? 0)
        writeFields(schema, row, into: &writer)
        writeTrailer(row, into: &writer)
        writer.endObject()
    }

    /// `created_at`, `updated_at`, `deleted_at`, `version`: the tail every record shares.
    private static let trailerColumns = ["created_at", "updated_at", "deleted_at", "version"]
    /// Their member names, encoded once (every record rendered writes them).
    private static let trailerKeys = trailerColumns.map(JSONWriter.encodedKey)

    public static func writeTrailer<R: ColumnReader>(_ row: R, into writer: inout JSONWriter) {
        let positions = row.positions(of: trailerColumns, key: "trailer")
        let keys = trailerKeys
        for offset in 0..<3 {
            writer.key(encoded: keys[offset])
            if let index = positions[offset], row.withUTF8(at: index, { writer.string(utf8: $0) }) != nil {
                continue
            }
            writer.null()
        }
        writer.key(encoded: keys[3])
        writer.int(positions[3].flatMap { row.int64(at: $0) } ?? 1)
    }

    /// A text column as a JSON string, or null.
    public static func writeText<R: ColumnReader>(_ row: R, _ column: String, into writer: inout JSONWriter) {
        if row.withUTF8(column, { writer.string(utf8: $0) }) == nil { writer.null() }
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
        case (.tags, .text(let text)), (.attributes, .text(let text)), (.lineItems, .text(let text)), (.ruleTree, .text(let text)),
            (.document, .text(let text)):
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
