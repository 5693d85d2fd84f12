import JSON
import SQLite

enum CustomerReportStore {
    /// `lifecycle_stage, tier, source, industry, rfm_r, rfm_f, count` per combination that live
    /// customers have, from the counts the `customer_counts` triggers keep (migration 0015): a
    /// missing source or industry reads NULL, a missing RFM score NULL.
    static func forEachGroup(_ connection: Connection, _ body: (RowView) throws -> Void) throws {
        try connection.forEachRowView(
            """
            SELECT lifecycle_stage, tier, nullif(source, ''), nullif(industry, ''), nullif(rfm_r, 0), nullif(rfm_f, 0), count
            FROM customer_counts WHERE count > 0
            """
        ) { row in
            try body(row)
            return true
        }
    }
}
