import JSON
import SQLite

/// One customer of an export, in either of its two forms: the API's JSON object (NDJSON), or
/// flat column values (CSV) under ``columns``.
///
/// Columns: `id`, the writable fields in schema order, then the read-only ``readOnlyColumns``.
/// `tags` and `attributes` values are JSON text (`["vip","重点客户"]`); an unset field is empty.
public struct ExportedCustomer: Sendable {
    let row: Row
    let renderer: CustomerRenderer

    public static let readOnlyColumns = ["lifecycle_stage", "tier", "loyalty_points", "created_at", "updated_at"]
    public static let columns = ["id"] + CustomerSchema.schema.writableFields.map(\.name) + readOnlyColumns

    public func writeJSON(into writer: inout JSONWriter) {
        renderer.write(row, into: &writer)
    }

    /// The values of ``columns``, in order.
    public var cells: [String] {
        var cells = [String(row.int64("id") ?? 0)]
        for field in CustomerSchema.schema.writableFields {
            cells.append(Self.cell(RecordRenderer.jsonValue(field, row[field.column])))
        }
        for name in Self.readOnlyColumns {
            switch row[name] {
            case .integer(let number): cells.append(String(number))
            case .text(let text): cells.append(text)
            default: cells.append("")
            }
        }
        return cells
    }

    private static func cell(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .array, .object: value.jsonString
        }
    }
}
