import JSON
import SQLite

/// Reads `forecast_rollup` (migrations 0018 and 0029): the open pipeline per expected close date
/// and currency, kept by triggers on every opportunity write.
enum ForecastReportStore {
    struct Month {
        let month: String
        let count: Int64
        let amount: Int64
        let weightedHundredths: Int64
    }

    /// The months of expected close dates from `from` to `to` (`YYYY-MM-DD`, both inclusive; nil
    /// for open ends) that hold open opportunities in `currency`, oldest first (rows keyed ''
    /// count as the base currency, migration 0029). A day row whose opportunities all closed or
    /// moved keeps a count of 0 and is left out.
    static func months(_ connection: StoreConnection, from: String?, to: String?, currency: String, isBase: Bool) throws -> [Month] {
        try connection.query(
            """
            SELECT substr(close_on, 1, 7), sum(count), sum(amount), sum(weighted) FROM forecast_rollup
            WHERE close_on >= ? AND close_on <= ? AND currency IN (?, ?)
            GROUP BY 1 HAVING sum(count) > 0 ORDER BY 1
            """, [.text(from ?? "0000-01-01"), .text(to ?? "9999-12-31"), .text(currency), .text(isBase ? "" : currency)]
        ).map { Month(month: $0.string(0) ?? "", count: $0.int64(1) ?? 0, amount: $0.int64(2) ?? 0, weightedHundredths: $0.int64(3) ?? 0) }
    }
}

extension ForecastReportStore {
    /// The open pipeline of one month as the report adds it (`month` is `YYYY-MM`; `currencies`
    /// the keys it reads), summed here without overflow whatever the rows hold.
    static func monthTotals(_ connection: StoreConnection, month: String, currencies: [String]) throws -> (
        amount: Int128, weighted: Int128
    ) {
        var totals: (amount: Int128, weighted: Int128) = (0, 0)
        try connection.forEachRowView(
            "SELECT amount, weighted FROM forecast_rollup WHERE close_on >= ? AND close_on <= ? AND currency IN (?, ?)",
            [.text(month + "-01"), .text(month + "-31"), .text(currencies[0]), .text(currencies.last ?? currencies[0])]
        ) { row in
            totals.amount += Int128(row.int64(at: 0) ?? 0)
            totals.weighted += Int128(row.int64(at: 1) ?? 0)
            return true
        }
        return totals
    }
}
