import SQLite

/// The cells of a customer in a CSV export: flat column values under ``columns``, read in place
/// from the row (an NDJSON export renders the API's object from the row in place,
/// ``CustomerService/renderExportLines(_:_:into:)``).
///
/// Columns: `id`, the writable fields in schema order, then the read-only ``readOnlyColumns``.
/// `tags` and `attributes` values are JSON text (`["vip","重点客户"]`); an unset field is empty.
public enum ExportedCustomer {
    /// `deleted_at` and `merged_into` last: empty but for the tombstones an export with
    /// `include_deleted=true` also holds, which a reader (or an import) must tell apart.
    public static let readOnlyColumns = [
        "lifecycle_stage", "tier", "loyalty_points", "created_at", "updated_at", "deleted_at", "merged_into",
    ]
    public static let columns = ["id"] + CustomerSchema.schema.writableFields.map(\.name) + readOnlyColumns

    /// Computed once: the schema filters its fields on every call.
    private static let writableFields = CustomerSchema.schema.writableFields
    private static let cellColumns = ["id"] + writableFields.map(\.column) + readOnlyColumns
    /// How each of ``cellColumns`` turns into text.
    private enum CellKind { case plain, boolean, jsonArray, jsonObject }
    private static let cellKinds: [CellKind] =
        [.plain]
        + writableFields.map { field in
            switch field.kind {
            case .boolean: .boolean
            case .tags: .jsonArray
            case .attributes: .jsonObject
            default: .plain
            }
        } + readOnlyColumns.map { _ in .plain }

    /// Calls `body` with the UTF-8 text of each of ``columns`` in order. An export writes a
    /// million customers, so each value is read by position and handed out as the bytes SQLite
    /// holds, no `String` made: `tags` and `attributes` are stored as the JSON this server wrote,
    /// and are copied, not parsed and written again.
    public static func forEachCell(_ row: StoreRow, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let positions = row.positions(of: cellColumns, key: "customers.export")
        cellKinds.withUnsafeBufferPointer { kinds in
            for offset in kinds.indices {
                cell(row, at: positions[offset], kinds[offset], body)
            }
        }
    }

    private static func cell<R: ColumnReader>(_ row: R, at position: Int?, _ kind: CellKind, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let index = position else { return missing(kind, body) }
        if row.withUTF8(at: index, body) != nil { return }
        if let number = row.int64(at: index) {
            if kind == .boolean { return ascii(number != 0 ? "true" : "false", body) }
            var text = String(number)
            return text.withUTF8(body)
        }
        if let number = row.double(at: index) {
            var text = String(number)
            return text.withUTF8(body)
        }
        if row.isNull(at: index) { return missing(kind, body) }
        body(UnsafeBufferPointer(start: nil, count: 0))
    }

    /// A NULL: `[]` or `{}` for the JSON columns, empty otherwise.
    private static func missing(_ kind: CellKind, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        switch kind {
        case .jsonArray: ascii("[]", body)
        case .jsonObject: ascii("{}", body)
        default: body(UnsafeBufferPointer(start: nil, count: 0))
        }
    }

    private static func ascii(_ text: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        body(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
