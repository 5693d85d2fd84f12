import CRM
import JSON

/// The CSV form of customers, shared by export and import so that one re-imports the other.
///
/// Columns: `id`, the writable fields in schema order, then the read-only `lifecycle_stage`,
/// `tier`, `loyalty_points`, `created_at`, `updated_at`, `deleted_at`, `merged_into` (a row with
/// `deleted_at` is a tombstone, refused on import: loaded by its external id or email it would
/// overwrite the live customer it was merged into). `tags` and `attributes` cells hold JSON
/// (`["vip","重点客户"]`); on import `tags` may also be a `;`-separated list. Empty cells are
/// "not given". Read-only columns are ignored on import, so an export imports as it is, except
/// `id`: a row with one updates that customer (see ``entry(header:cells:)``), so an export edited
/// in a spreadsheet and imported again changes the customers it came from instead of colliding
/// with them.
/// Cells that a spreadsheet would run as a formula are written with a leading `'`, which import
/// removes again (``CSVFormulaGuard``).
enum CustomerCSV {
    static let writableColumns = CustomerSchema.schema.writableFields.map(\.name)
    static let header = ExportedCustomer.columns
    /// Columns an import accepts and does not take as fields (`id` picks the record instead).
    static let ignoredOnImport: Set<String> = Set(["id", "version"] + ExportedCustomer.readOnlyColumns)

    /// One customer's row read in place from `row`, each cell guarded against spreadsheet
    /// formulas.
    static func appendRow(_ row: StoreRow, into output: inout [UInt8]) {
        var first = true
        ExportedCustomer.forEachCell(row) { cell in
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            CSVWriter.appendField(cell, prefixed: CSVFormulaGuard.needsPrefix(cell), into: &output)
        }
        CSVWriter.endRow(&output)
    }

    /// Checks the header: no column twice (a `400`, as a JSON object's repeated member is), then
    /// every column a field: a column naming none is an unknown field, a `422` listing each one
    /// (API.md: unknown fields in a request body are a `422`), as a JSON record's would be.
    static func validateHeader(_ columns: [String]) throws {
        var seen: Set<String> = []
        for column in columns where !seen.insert(column).inserted {
            throw APIError.badRequest("column '\(column)' appears twice in the CSV header", field: column, code: "duplicate_column")
        }
        let unknown = columns.filter { !writableColumns.contains($0) && !ignoredOnImport.contains($0) }
        guard unknown.isEmpty else {
            throw APIError.validation(unknown.map { FieldError($0, "unknown_field", "no customer field is named '\($0)'") })
        }
    }

    /// One data row as an import entry: its changes and the customer it upserts. A row with an `id`
    /// updates that live customer (merge semantics); without one, a row with an `external_id`
    /// upserts by it and any other row creates a customer. A bad `id` and invalid fields are one
    /// `422` listing them all, like any other invalid record.
    static func entry(header: [String], cells: [String]) -> CustomerBatch.Entry {
        guard cells.count == header.count else {
            return .rejected(
                .validation([FieldError("row", "column_count", "this row has \(cells.count) fields; the header has \(header.count)")]))
        }
        if let index = header.firstIndex(of: "deleted_at"), !CSVFormulaGuard.restored(cells[index]).isEmpty {
            return .rejected(
                .validation([
                    FieldError("deleted_at", "deleted", "this row is a deleted (or merged) customer's; it is not imported")
                ]))
        }
        var issues: [FieldIssue] = []
        var id: Int64?
        if let index = header.firstIndex(of: "id") {
            let text = CSVFormulaGuard.restored(cells[index])
            if !text.isEmpty {
                id = RecordID.parse(text)
                if id == nil { issues.append(FieldIssue("id", "invalid_format", "a customer id: a positive integer")) }
            }
        }
        let (changes, found) = RecordInput.collecting(object(header: header, cells: cells), schema: CustomerSchema.schema, mode: .patch)
        // A row whose id is not one updates nothing and creates nothing: its issues are its own.
        guard issues.isEmpty else { return .rejected(APIError(CRMError.validation(issues + found))) }
        let key: CustomerService.UpsertKey? = id.map { .id($0) } ?? changes.text(for: "external_id").map { .externalID($0) }
        return found.isEmpty ? .ready(key, changes) : .invalid(key, changes, found)
    }

    /// One data row as the JSON object the single-record endpoints take.
    static func object(header: [String], cells: [String]) -> JSONObject {
        var object = JSONObject()
        for (index, column) in header.enumerated() where index < cells.count && !ignoredOnImport.contains(column) {
            let text = CSVFormulaGuard.restored(cells[index])
            guard !text.isEmpty, let field = CustomerSchema.schema.field(column) else { continue }
            object[column] = value(text, kind: field.kind)
        }
        return object
    }

    private static func value(_ text: String, kind: FieldKind) -> JSONValue {
        switch kind {
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: return .string(text)
            }
        case .integer, .reference:
            return Int64(text).map(JSONValue.int) ?? .string(text)
        case .tags:
            if text.hasPrefix("["), let parsed = try? JSONParser.parse(text) { return parsed }
            return .array(text.split(separator: ";").map { .string(String($0)) })
        case .attributes:
            return (try? JSONParser.parse(text)) ?? .string(text)
        default:
            return .string(text)
        }
    }
}
