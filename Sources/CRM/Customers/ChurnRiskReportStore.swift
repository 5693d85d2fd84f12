import JSON
import SQLite

enum ChurnRiskReportStore {
    static func forEach(_ connection: Connection, after: (score: Int64, id: Int64)?, limit: Int, _ body: (RowView) throws -> Bool) throws {
        var sql = "SELECT id, name, churn_score, churn_reasons FROM customers WHERE deleted_at IS NULL AND churn_score > 0"
        var bindings: [SQLValue] = []
        if let after {
            sql += " AND (churn_score, id) < (?, ?)"
            bindings = [.integer(after.score), .integer(after.id)]
        }
        sql += " ORDER BY churn_score DESC, id DESC LIMIT ?"
        bindings.append(.integer(Int64(limit)))
        try connection.forEachRowView(sql, bindings, body)
    }
}
