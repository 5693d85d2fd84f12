import JSON
import SQLite

/// `GET /v1/analytics/forecast` (API.md §3): the open pipeline (live opportunities not closed)
/// by expected close month, `{"currency","months":[{"month","count","amount","weighted_amount"}]}`,
/// weighted = Σ amount × probability / 100, rounded to the minor unit. Opportunities without an
/// expected close date are in no month; a missing amount or probability counts as 0.
public enum ForecastReport {
    /// - Parameters: from/to: the window of expected close dates, both inclusive; nil for open ends.
    public static func render(_ connection: Connection, from: CalendarDate?, to: CalendarDate?, currency: String) throws -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.key("currency")
        writer.string(currency)
        writer.key("months")
        writer.beginArray()
        for month in try ForecastReportStore.months(connection, from: from?.description, to: to?.description) {
            writer.beginObject()
            writer.key("month")
            writer.string(month.month)
            writer.key("count")
            writer.int(month.count)
            writer.key("amount")
            writer.int(month.amount)
            writer.key("weighted_amount")
            // Σ amount × probability, in hundredths: rounded half away from zero to the minor unit.
            writer.int((month.weightedHundredths + (month.weightedHundredths >= 0 ? 50 : -50)) / 100)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}

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
