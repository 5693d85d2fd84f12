import JSON
import SQLite

enum ChurnRiskReportStore {
    /// With `accountID`, only that account: the company and its contacts.
    static func forEach(
        _ connection: StoreConnection, accountID: Int64? = nil, after: (score: Int64, id: Int64)?, limit: Int,
        _ body: (StoreRow) throws -> Bool
    ) throws {
        var sql = "SELECT id, name, churn_score, churn_reasons FROM customers WHERE deleted_at IS NULL AND churn_score > 0"
        var bindings: [SQLValue] = []
        if let accountID {
            sql += " AND (id = ? OR account_id = ?)"
            bindings = [.integer(accountID), .integer(accountID)]
        }
        if let after {
            sql += " AND (churn_score, id) < (?, ?)"
            bindings += [.integer(after.score), .integer(after.id)]
        }
        sql += " ORDER BY churn_score DESC, id DESC LIMIT ?"
        bindings.append(.integer(Int64(limit)))
        try connection.forEachRowView(sql, bindings, body)
    }
}
