import JSON
import SQLite

enum ForecastReportStore {
    struct Month {
        let month: String
        let count: Int64
        let amount: Int64
        let weightedHundredths: Int64
    }

    static func months(_ connection: Connection, from: String?, to: String?) throws -> [Month] {
        try connection.query(
            """
            SELECT substr(expected_close_date, 1, 7), count(*), coalesce(sum(amount), 0),
                   coalesce(sum(coalesce(amount, 0) * coalesce(probability, 0)), 0)
            FROM opportunities
            WHERE deleted_at IS NULL AND is_closed = 0 AND expected_close_date IS NOT NULL
              AND expected_close_date >= ? AND expected_close_date <= ?
            GROUP BY 1 ORDER BY 1
            """, [.text(from ?? "0000-01-01"), .text(to ?? "9999-12-31")]
        ).map { Month(month: $0.string(0) ?? "", count: $0.int64(1) ?? 0, amount: $0.int64(2) ?? 0, weightedHundredths: $0.int64(3) ?? 0) }
    }
}
