import SQLite

/// Writes a customer row as the API's JSON object, straight into a ``JSONWriter``.
public struct CustomerRenderer: Sendable {
    public let baseCurrency: String

    public init(baseCurrency: String) {
        self.baseCurrency = baseCurrency
    }

    public func write<R: ColumnReader>(_ row: R, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(row.int64("id") ?? 0)
        RecordRenderer.writeFields(CustomerSchema.schema, row, into: &writer)
        writer.key("metrics")
        writeMetrics(row, into: &writer)
        if let merged = row.int64("merged_into") as Int64? {
            writer.key("merged_into")
            writer.int(merged)
        }
        RecordRenderer.writeTrailer(row, into: &writer)
        writer.endObject()
    }

    public func json(_ row: Row) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        write(row, into: &writer)
        return writer.bytes
    }

    private func writeMetrics<R: ColumnReader>(_ row: R, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("order_count")
        writer.int(row.int64("order_count") ?? 0)
        writer.key("total_spent")
        writer.int(row.int64("total_spent") ?? 0)
        writer.key("currency")
        writer.string(baseCurrency)
        for name in ["first_order_at", "last_order_at", "last_interaction_at"] {
            writer.key(name)
            RecordRenderer.writeText(row, name, into: &writer)
        }
        writer.key("open_tickets")
        writer.int(row.int64("open_tickets") ?? 0)
        writer.key("nps_last")
        if let nps = row.int64("nps_last") { writer.int(nps) } else { writer.null() }
        writer.key("csat_avg")
        if let csat = row.double("csat_avg") { writer.double(csat) } else { writer.null() }
        writer.key("rfm")
        if let r = row.int64("rfm_r"), let f = row.int64("rfm_f"), let m = row.int64("rfm_m"), let score = row.int64("rfm_score") {
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
        writer.int(row.int64("churn_score") ?? 0)
        writer.key("reasons")
        if row.withUTF8("churn_reasons", { writer.rawJSON(buffer: $0) }) == nil { writer.value(.array([])) }
        writer.endObject()
        writer.endObject()
    }
}
