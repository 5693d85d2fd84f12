import SQLite

/// One customer of a CSV export: flat column values under ``columns`` (an NDJSON export renders
/// the API's object from the row in place, ``CustomerService/renderExportLines(_:_:into:)``).
///
/// Columns: `id`, the writable fields in schema order, then the read-only ``readOnlyColumns``.
/// `tags` and `attributes` values are JSON text (`["vip","重点客户"]`); an unset field is empty.
public struct ExportedCustomer: Sendable {
    let row: Row

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

    /// The values of ``columns``, in order. An export writes a million of these, so each value
    /// is read by position and turned into text directly: `tags` and `attributes` are stored as
    /// the JSON this server wrote, and are copied, not parsed and written again.
    public var cells: [String] {
        let positions = row.positions(of: Self.cellColumns, key: "customers.export")
        var cells: [String] = []
        cells.reserveCapacity(positions.count)
        for (position, kind) in zip(positions, Self.cellKinds) {
            cells.append(Self.cell(position.map { row[$0] } ?? .null, kind))
        }
        return cells
    }

    private static func cell(_ value: SQLValue, _ kind: CellKind) -> String {
        switch (kind, value) {
        case (.jsonArray, .null): "[]"
        case (.jsonObject, .null): "{}"
        case (_, .null), (_, .blob): ""
        case (.boolean, .integer(let number)): number != 0 ? "true" : "false"
        case (_, .integer(let number)): String(number)
        case (_, .real(let number)): String(number)
        case (_, .text(let text)): text
        }
    }
}
