import JSON
import SQLite

enum CustomerReportStore {
    /// `lifecycle_stage, tier, source, industry, rfm_r, rfm_f, count` per distinct combination.
    static func forEachGroup(_ connection: Connection, _ body: (RowView) throws -> Void) throws {
        try connection.forEachRowView(
            """
            SELECT lifecycle_stage, tier, source, industry, rfm_r, rfm_f, count(*) FROM customers WHERE deleted_at IS NULL
            GROUP BY lifecycle_stage, tier, source, industry, rfm_r, rfm_f
            """
        ) { row in
            try body(row)
            return true
        }
    }
}
