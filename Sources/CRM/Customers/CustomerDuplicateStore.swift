import JSON
import SQLite

/// The queries behind `GET /v1/customers/duplicates`: groups of live customers sharing a
/// normalised email, phone digits, or name and company (both lower-cased and trimmed, each run
/// of whitespace one space; SQLite's `lower` folds ASCII letters only).
enum CustomerDuplicateStore {
    /// Groups in (reason, key) order after `after`, at most `limit`; each with its ids ascending.
    static func groups(_ connection: Connection, after: (reason: String, key: String)?, limit: Int) throws -> [CustomerDuplicates.Group] {
        var sql = groupsSQL
        var bindings: [SQLValue] = []
        if let after {
            sql += " WHERE (reason, key) > (?, ?)"
            bindings = [.text(after.reason), .text(after.key)]
        }
        sql += " ORDER BY reason, key LIMIT ?"
        bindings.append(.integer(Int64(limit)))
        return try connection.query(sql, bindings).map { row in
            let ids = (row.string(2) ?? "").split(separator: ",").compactMap { Int64($0) }.sorted()
            return CustomerDuplicates.Group(reason: row.string(0) ?? "", key: row.string(1) ?? "", ids: ids)
        }
    }

    /// Every group as `reason, key, ids` (ids comma-separated, in no order).
    private static let groupsSQL = """
        SELECT reason, key, ids FROM (
            SELECT 'email' AS reason, email_normalized AS key, group_concat(id) AS ids FROM customers
            WHERE deleted_at IS NULL AND email_normalized IS NOT NULL AND email_normalized != ''
            GROUP BY email_normalized HAVING count(*) > 1
            UNION ALL
            SELECT 'name_company', name_key || ' | ' || company_key, group_concat(id) FROM (
                SELECT id, \(normalized("name")) AS name_key, \(normalized("company")) AS company_key FROM customers
                WHERE deleted_at IS NULL AND company IS NOT NULL
            )
            WHERE company_key != ''
            GROUP BY name_key, company_key HAVING count(*) > 1
            UNION ALL
            SELECT 'phone', phone_digits, group_concat(id) FROM customers
            WHERE deleted_at IS NULL AND phone_digits IS NOT NULL AND phone_digits != ''
            GROUP BY phone_digits HAVING count(*) > 1
        )
        """

    /// SQL for `column` as name+company groups compare it: lower-cased, trimmed, each run of
    /// whitespace (spaces, tabs, line breaks) one space. Stored text never holds `char(1)`
    /// (``TextRules`` refuses control characters), so it can mark the runs.
    private static func normalized(_ column: String) -> String {
        let spaced = "replace(replace(replace(\(column), char(9), ' '), char(10), ' '), char(13), ' ')"
        let collapsed = "replace(replace(replace(\(spaced), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), '')"
        return "lower(trim(\(collapsed)))"
    }
}
