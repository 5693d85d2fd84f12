import JSON
import SQLite

/// Writes a customer row as the API's JSON object, straight into a ``JSONWriter``.
public struct CustomerRenderer: Sendable {
    public let baseCurrency: String

    public init(baseCurrency: String) {
        self.baseCurrency = baseCurrency
    }

    public func write<R: ColumnReader>(_ row: R, into writer: inout JSONWriter) {
        // One lookup of positions for the columns read here by name (a lookup by name hashes it).
        let at = row.positions(of: Self.columns, key: "customers.metrics")
        writer.beginObject()
        writer.key("id")
        writer.int(at[Self.idOffset].flatMap { row.int64(at: $0) } ?? 0)
        RecordRenderer.writeFields(CustomerSchema.schema, row, into: &writer)
        writer.key("metrics")
        writeMetrics(row, at, into: &writer)
        if let merged = at[Self.mergedIntoOffset].flatMap({ row.int64(at: $0) }) {
            writer.key("merged_into")
            writer.int(merged)
        }
        CustomerErasure.writeMarks(row, into: &writer)
        RecordRenderer.writeTrailer(row, into: &writer)
        writer.endObject()
    }

    public func json(_ row: Row) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        write(row, into: &writer)
        return writer.bytes
    }

    /// The metrics' columns in the order ``writeMetrics(_:_:into:)`` reads them, then the id and
    /// `merged_into`.
    private static let columns = [
        "order_count", "total_spent", "first_order_at", "last_order_at", "last_interaction_at", "open_tickets", "nps_last", "csat_avg",
        "rfm_r", "rfm_f", "rfm_m", "rfm_score", "churn_score", "churn_reasons", "type", "account_contacts", "account_order_count",
        "account_total_spent", "account_open_tickets", "id", "merged_into",
    ]
    private static let idOffset = 19
    private static let mergedIntoOffset = 20

    private func writeMetrics<R: ColumnReader>(_ row: R, _ at: [Int?], into writer: inout JSONWriter) {
        func int(_ offset: Int) -> Int64? { at[offset].flatMap { row.int64(at: $0) } }
        writer.beginObject()
        writer.key("order_count")
        writer.int(int(0) ?? 0)
        writer.key("total_spent")
        writer.int(int(1) ?? 0)
        writer.key("currency")
        writer.string(baseCurrency)
        func text(_ offset: Int) {
            if let index = at[offset], row.withUTF8(at: index, { writer.string(utf8: $0) }) != nil { return }
            writer.null()
        }
        writer.key("first_order_at")
        text(2)
        writer.key("last_order_at")
        text(3)
        writer.key("last_interaction_at")
        text(4)
        writer.key("open_tickets")
        writer.int(int(5) ?? 0)
        writer.key("nps_last")
        if let nps = int(6) { writer.int(nps) } else { writer.null() }
        writer.key("csat_avg")
        if let csat = at[7].flatMap({ row.double(at: $0) }) { writer.double(csat) } else { writer.null() }
        writer.key("rfm")
        if let r = int(8), let f = int(9), let m = int(10), let score = int(11) {
            writer.beginObject()
            writer.key("r")
            writer.int(r)
            writer.key("f")
            writer.int(f)
            writer.key("m")
            writer.int(m)
            writer.key("score")
            writer.int(score)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("churn_risk")
        writer.beginObject()
        writer.key("score")
        writer.int(int(12) ?? 0)
        writer.key("reasons")
        if let index = at[13], row.withUTF8(at: index, { writer.rawJSON(buffer: $0) }) != nil {
        } else {
            writer.rawJSON("[]".utf8)
        }
        writer.endObject()
        writer.key("account")
        // A company's rollup over itself and its contacts; a person has none.
        if let index = at[14], row.withUTF8(at: index, { $0.elementsEqual("company".utf8) }) == true {
            writer.beginObject()
            writer.key("contacts")
            writer.int(int(15) ?? 0)
            writer.key("order_count")
            writer.int(int(16) ?? 0)
            writer.key("total_spent")
            writer.int(int(17) ?? 0)
            writer.key("open_tickets")
            writer.int(int(18) ?? 0)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.endObject()
    }
}
