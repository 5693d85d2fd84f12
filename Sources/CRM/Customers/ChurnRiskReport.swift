import JSON
import SQLite

/// `GET /v1/analytics/churn-risk` (API.md §3): the live customers with a churn-risk score above
/// zero, highest first (ties: newest customer first), as `{customer_id, name, score, reasons}`.
/// Served by `customers_by_churn`, so a page costs its rows, not the population.
public enum ChurnRiskReport {
    /// Writes a page into `writer`'s open array; returns the position after it when more follow.
    /// With `accountID`, one account's customers: the company and its live contacts.
    public static func renderPage(
        _ connection: StoreConnection, accountID: Int64? = nil, after: (score: Int64, id: Int64)?, limit: Int, into writer: inout JSONWriter
    ) throws -> (score: Int64, id: Int64)? {
        var count = 0
        var last: (score: Int64, id: Int64)?
        var more = false
        try ChurnRiskReportStore.forEach(connection, accountID: accountID, after: after, limit: limit + 1) { row in
            guard count < limit else {
                more = true
                return false
            }
            count += 1
            let id = row.int64(at: 0) ?? 0
            let score = row.int64(at: 2) ?? 0
            last = (score, id)
            writer.beginObject()
            writer.key("customer_id")
            writer.int(id)
            writer.key("name")
            if row.withUTF8(at: 1, { writer.string(utf8: $0) }) == nil { writer.null() }
            writer.key("score")
            writer.int(score)
            writer.key("reasons")
            if row.withUTF8(at: 3, { writer.rawJSON(buffer: $0) }) == nil { writer.value(.array([])) }
            writer.endObject()
            return true
        }
        return more ? last : nil
    }
}
