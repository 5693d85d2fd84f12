import JSON
import SQLite

/// Writes a record's schema fields from its row, by kind, into a ``JSONWriter``; and turns them
/// into ``JSONValue``s for audit diffs.
public enum RecordRenderer {
    /// Generic over the row so the same code renders a copied ``Row`` and, on hot paths, the
    /// statement's current row in place (``RowView``: no per-column allocation).
    public static func writeFields<R: ColumnReader>(_ schema: RecordSchema, _ row: R, into writer: inout JSONWriter) {
        let positions = row.positions(of: schema.columns, key: schema.table)
        schema.rendering.keys.withUnsafeBufferPointer { keys in
            schema.rendering.steps.withUnsafeBufferPointer { steps in
                for offset in steps.indices {
                    let step = steps[offset]
                    writer.key(encoded: UnsafeBufferPointer(rebasing: keys[Int(step.keyStart)..<Int(step.keyStart + step.keyCount)]))
                    writeField(step.style, at: positions[offset], row, into: &writer)
                }
            }
        }
    }

    /// One column's value as its field's JSON. Each branch reads the column once: SQLite's
    /// `sqlite3_column_*` calls each look the column up again, so NULL is learnt from the read
    /// failing, not asked first.
    static func writeField<R: ColumnReader>(_ style: FieldRendering.Style, at position: Int?, _ row: R, into writer: inout JSONWriter) {
        guard let index = position else { return writeMissing(style, into: &writer) }
        switch style {
        case .boolean:
            if let number = row.int64(at: index) {
                writer.bool(number != 0)
            } else if row.isNull(at: index) {
                writer.null()
            } else {
                writer.bool(false)
            }
        case .number:
            if let number = row.int64(at: index) {
                writer.int(number)
            } else if let number = row.double(at: index) {
                writer.double(number)
            } else {
                writer.null()
            }
        case .jsonArray, .jsonObject, .json:
            // Stored as JSON text this server wrote: copied as it is, not parsed and re-encoded.
            if row.withUTF8(at: index, { writer.rawJSON(buffer: $0) }) == nil {
                if row.isNull(at: index) { writeMissing(style, into: &writer) } else { writer.null() }
            }
        case .text:
            if row.withUTF8(at: index, { writer.string(utf8: $0) }) == nil {
                if let number = row.int64(at: index) { writer.int(number) } else { writer.null() }
            }
        }
    }

    /// A field whose column is NULL or not in the row.
    private static func writeMissing(_ style: FieldRendering.Style, into writer: inout JSONWriter) {
        switch style {
        case .jsonArray: writer.rawJSON(buffer: emptyArray)
        case .jsonObject: writer.rawJSON(buffer: emptyObject)
        default: writer.null()
        }
    }

    private static let emptyArrayLiteral: StaticString = "[]"
    private static let emptyObjectLiteral: StaticString = "{}"
    private static var emptyArray: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: emptyArrayLiteral.utf8Start, count: emptyArrayLiteral.utf8CodeUnitCount)
    }
    private static var emptyObject: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: emptyObjectLiteral.utf8Start, count: emptyObjectLiteral.utf8CodeUnitCount)
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
