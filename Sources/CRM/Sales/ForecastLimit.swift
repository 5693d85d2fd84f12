import SQLite

/// The forecast keeps each month's open pipeline as exact 64-bit sums (`forecast_rollup`, kept by
/// triggers: amounts, and Σ amount × probability in hundredths). An opportunity write that would
/// carry its month past `Int64.max` in either is refused before it is made, a `422`
/// `total_too_large` like every other total of money (``MoneyTotal``): past it, SQLite would
/// turn the sum into an inexact real (the report then showed 0, and later subtractions left
/// crumbs) and PostgreSQL would fail the write. Reachable only on purpose: about a hundred
/// opportunities at the largest amount closing in one month.
enum ForecastLimit {
    /// The fields whose change moves an opportunity's part of the forecast, in the order the
    /// refusal names the first one the write sends.
    private static let movingFields = ["amount", "probability", "expected_close_date", "currency", "stage"]

    static func check(
        _ connection: StoreConnection, _ values: [String: SQLValue], _ extra: [String: SQLValue], before: Row?, baseCurrency: String
    ) throws {
        func current(_ name: String) -> SQLValue? { extra[name] ?? values[name] ?? before?[name] }
        guard let after = Part(open: current("is_closed") != .integer(1) && before?.string("deleted_at") == nil, current)
        else { return }
        let keys = after.currency == baseCurrency || after.currency.isEmpty ? [baseCurrency, ""] : [after.currency]
        var (amount, weighted) = try ForecastReportStore.monthTotals(connection, month: after.month, currencies: keys)
        if let before, let old = Part(open: before.bool("is_closed") != true && before.string("deleted_at") == nil, { before[$0] }),
            old.month == after.month, keys.contains(old.currency)
        {
            amount -= old.amount  // its own part, about to be replaced
            weighted -= old.weighted
        }
        amount += after.amount
        weighted += after.weighted
        if amount > Int128(Int64.max) || weighted > Int128(Int64.max) {
            let field = movingFields.first { values[$0] != nil } ?? "amount"
            throw CRMError.validation([
                FieldIssue(field, "total_too_large", "the forecast of \(after.month) would pass the largest total the server keeps")
            ])
        }
    }

    /// What an open opportunity with an expected close date adds to its month.
    private struct Part {
        let month: String
        let currency: String
        let amount: Int128
        let weighted: Int128

        init?(open: Bool, _ value: (String) -> SQLValue?) {
            guard open, case .text(let day)? = value("expected_close_date") else { return nil }
            month = String(day.prefix(7))
            if case .text(let text)? = value("currency") { currency = text } else { currency = "" }
            var amount: Int64 = 0
            if case .integer(let number)? = value("amount") { amount = number }
            var probability: Int64 = 0
            if case .integer(let number)? = value("probability") { probability = number }
            self.amount = Int128(amount)
            weighted = Int128(amount) * Int128(probability)
        }
    }
}
