import JSON
import SQLite

/// `GET /v1/analytics/forecast` (API.md §3): the open pipeline (live opportunities not closed)
/// by expected close month, `{"currency","months":[{"month","count","amount","weighted_amount"}]}`,
/// weighted = Σ amount × probability / 100, rounded to the minor unit. Opportunities without an
/// expected close date are in no month; a missing amount or probability counts as 0. One
/// currency's opportunities only: amounts in different currencies (and minor units) are never
/// added, since nothing converts them.
public enum ForecastReport {
    /// - Parameters:
    ///   - from/to: the window of expected close dates, both inclusive; nil for open ends.
    ///   - currency: whose opportunities are summed; `baseCurrency` also takes those stored
    ///     without one.
    public static func render(
        _ connection: StoreConnection, from: CalendarDate?, to: CalendarDate?, currency: String, baseCurrency: String
    ) throws -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.key("currency")
        writer.string(currency)
        writer.key("months")
        writer.beginArray()
        let months = try ForecastReportStore.months(
            connection, from: from?.description, to: to?.description, currency: currency, isBase: currency == baseCurrency)
        for month in months {
            writer.beginObject()
            writer.key("month")
            writer.string(month.month)
            writer.key("count")
            writer.int(month.count)
            writer.key("amount")
            writer.int(month.amount)
            writer.key("weighted_amount")
            // Σ amount × probability, in hundredths: rounded half away from zero to the minor unit.
            writer.int(Self.roundedHundredths(month.weightedHundredths))
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    /// Hundredths to whole minor units, half away from zero, without the overflow that adding 50
    /// first would trap on next to `Int64.max` (a trap ends the process).
    static func roundedHundredths(_ hundredths: Int64) -> Int64 {
        let (whole, rest) = hundredths.quotientAndRemainder(dividingBy: 100)
        if rest >= 50 { return whole + 1 }
        if rest <= -50 { return whole - 1 }
        return whole
    }
}
