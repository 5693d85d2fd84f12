import CRM
import Foundation
import XCTest

/// `GET /v1/analytics/forecast` against hand-computed weighting.
final class ForecastReportTests: SalesTestCase {
    func testOpenPipelineByExpectedCloseMonthWeightedByProbability() throws {
        let customer = try sales.customer("Prospect")
        try sales.opportunity(customer, name: "A", ["amount": 100_000, "probability": 50, "expected_close_date": "2026-07-10"])
        try sales.opportunity(customer, name: "B", ["amount": 33_333, "probability": 33, "expected_close_date": "2026-07-31"])
        try sales.opportunity(customer, name: "C", ["amount": 200_000, "probability": 10, "expected_close_date": "2026-09-01"])
        try sales.opportunity(customer, name: "No date", ["amount": 5_000, "probability": 90])
        let deleted = try sales.opportunity(customer, name: "Deleted", ["amount": 7_000, "expected_close_date": "2026-07-02"])
        try sales.expect(204, "DELETE", "/v1/opportunities/\(try XCTUnwrap(deleted["id"] as? Int))")

        let report = try sales.expect(200, "GET", "/v1/analytics/forecast")
        XCTAssertEqual(report["currency"] as? String, "CNY")
        let months = try XCTUnwrap(report["months"] as? [[String: Any]])
        XCTAssertEqual(months.compactMap { $0["month"] as? String }, ["2026-07", "2026-09"])
        XCTAssertEqual(months.compactMap { $0["count"] as? Int }, [2, 1])
        XCTAssertEqual(months.compactMap { $0["amount"] as? Int }, [133_333, 200_000])
        // July: 100,000 × 50% + 33,333 × 33% = 50,000 + 10,999.89 → 61,000 (rounded once, on the sum).
        XCTAssertEqual(months.compactMap { $0["weighted_amount"] as? Int }, [61_000, 20_000])

        let july = try sales.expect(200, "GET", "/v1/analytics/forecast?from=2026-07-01&to=2026-07-31")
        XCTAssertEqual((july["months"] as? [[String: Any]])?.compactMap { $0["month"] as? String }, ["2026-07"])
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/forecast?to=2026-02-30").status, 400)
        let viewer = try SalesClient.withNewKey(server, role: "viewer").client
        XCTAssertEqual(try viewer.send("GET", "/v1/analytics/forecast").status, 200)
    }

    /// Amounts in different currencies are never added (nothing converts them): the report is one
    /// currency's, the base one unless `currency` names another, and a deal that changes its
    /// currency moves between the two.
    func testEachCurrencyIsForecastApart() throws {
        let customer = try sales.customer("Global")
        try sales.opportunity(customer, name: "Yuan", ["amount": 100_000, "probability": 50, "expected_close_date": "2031-01-10"])
        let dollars = try XCTUnwrap(
            try sales.opportunity(
                customer, name: "Dollars", ["amount": 100_000, "currency": "USD", "probability": 50, "expected_close_date": "2031-01-15"]
            )["id"] as? Int)
        try sales.opportunity(
            customer, name: "Yen", ["amount": 5_000_000, "currency": "JPY", "probability": 10, "expected_close_date": "2031-01-20"])

        func january(_ query: String = "") throws -> (currency: String?, count: Int?, amount: Int?, weighted: Int?) {
            let report = try sales.expect(200, "GET", "/v1/analytics/forecast?from=2031-01-01&to=2031-01-31" + query)
            let month = (report["months"] as? [[String: Any]])?.first
            return (report["currency"] as? String, month?["count"] as? Int, month?["amount"] as? Int, month?["weighted_amount"] as? Int)
        }
        let base = try january()
        XCTAssertEqual(base.currency, "CNY")
        XCTAssertEqual(base.count, 1)
        XCTAssertEqual(base.amount, 100_000, "the yuan deal alone")
        XCTAssertEqual(base.weighted, 50_000)
        let usd = try january("&currency=usd")
        XCTAssertEqual(usd.currency, "USD")
        XCTAssertEqual(usd.amount, 100_000)
        XCTAssertEqual(try january("&currency=JPY").amount, 5_000_000)
        XCTAssertNil(try january("&currency=EUR").count, "no deal in euros: no month")

        try sales.expect(200, "PATCH", "/v1/opportunities/\(dollars)", json: ["currency": "CNY"])
        XCTAssertEqual(try january().amount, 200_000, "the deal moved to the yuan forecast")
        XCTAssertNil(try january("&currency=USD").count)

        let bad = try sales.send("GET", "/v1/analytics/forecast?currency=DOLLARS")
        XCTAssertEqual(bad.status, 400, bad.text)
        XCTAssertEqual(bad.problemFields, ["currency"])
    }

    /// A month's sums stay exact 64-bit integers: a write that would carry its month past the
    /// largest is a 422 naming what moved it (the report showed 0 once Σ amount × probability
    /// passed 2^63), and the month stays as it was. The opportunity's own old part does not count
    /// twice, and another month or currency is not this one's.
    func testAMonthPastTheLargestTotalIsA422AndTheReportStaysExact() throws {
        let customer = try sales.customer("Whale")
        let largest = 1_000_000_000_000_000
        // 92 deals at the largest amount and 100 % make Σ amount × probability 9.2e18: the edge.
        try sales.api.sql(
            """
            INSERT INTO forecast_rollup (close_on, currency, count, amount, weighted)
            VALUES ('2031-03-05', 'CNY', 92, \(92 * largest), \(92 * largest * 100))
            """)
        let big: [String: Any] = [
            "customer_id": customer, "name": "One more", "amount": largest, "probability": 100, "expected_close_date": "2031-03-20",
        ]
        let refused = try sales.send("POST", "/v1/opportunities", json: big)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(refused.problemEntry("amount")?["code"] as? String, "total_too_large")
        XCTAssertEqual(try sales.list("/v1/opportunities").count, 0, "nothing written")

        var small = big
        small["amount"] = 1_000
        let fits = try XCTUnwrap(try sales.opportunity(customer, name: "Small", small)["id"] as? Int)
        let grown = try sales.send("PATCH", "/v1/opportunities/\(fits)", json: ["amount": largest])
        XCTAssertEqual(grown.status, 422, grown.text)
        XCTAssertEqual(grown.problemEntry("amount")?["code"] as? String, "total_too_large")
        try sales.expect(200, "PATCH", "/v1/opportunities/\(fits)", json: ["amount": 2_000])  // its own part is replaced, not added
        let moved = try sales.send("PATCH", "/v1/opportunities/\(fits)", json: ["expected_close_date": "2031-04-01", "amount": largest])
        XCTAssertEqual(moved.status, 200, "another month has room: \(moved.text)")
        let back = try sales.send("PATCH", "/v1/opportunities/\(fits)", json: ["expected_close_date": "2031-03-01"])
        XCTAssertEqual(back.status, 422, back.text)
        XCTAssertEqual(back.problemEntry("expected_close_date")?["code"] as? String, "total_too_large")
        try sales.opportunity(
            customer, name: "Dollars", ["amount": largest, "probability": 100, "currency": "USD", "expected_close_date": "2031-03-20"])

        let report = try sales.expect(200, "GET", "/v1/analytics/forecast?from=2031-03-01&to=2031-04-30")
        let months = try XCTUnwrap(report["months"] as? [[String: Any]])
        XCTAssertEqual(months.compactMap { $0["month"] as? String }, ["2031-03", "2031-04"])
        XCTAssertEqual(months.first?["weighted_amount"] as? Int, 92 * largest)
        XCTAssertEqual(months.last?["weighted_amount"] as? Int, largest)
    }
}
