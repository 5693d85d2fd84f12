import JSON
import SQLite

enum CustomerReportStore {
    /// `lifecycle_stage, tier, source, industry, rfm_r, rfm_f, count` per combination that live
    /// customers have, from the counts the `customer_counts` triggers keep (migration 0015): a
    /// missing source or industry reads NULL, a missing RFM score NULL.
    ///
    /// With `accountID`, the same groups counted over one account — the company and its live
    /// contacts — straight from the customers (`customers_by_account` finds them).
    static func forEachGroup(_ connection: StoreConnection, accountID: Int64? = nil, _ body: (StoreRow) throws -> Void) throws {
        let sql =
            accountID == nil
            ? """
            SELECT lifecycle_stage, tier, nullif(source, ''), nullif(industry, ''), nullif(rfm_r, 0), nullif(rfm_f, 0), count
            FROM customer_counts WHERE count > 0
            """
            : """
            SELECT lifecycle_stage, tier, source, industry, rfm_r, rfm_f, count(*)
            FROM customers WHERE deleted_at IS NULL AND (id = ?1 OR account_id = ?1)
            GROUP BY 1, 2, 3, 4, 5, 6
            """
        try connection.forEachRowView(sql, accountID.map { [.integer($0)] } ?? []) { row in
            try body(row)
            return true
        }
    }
}
