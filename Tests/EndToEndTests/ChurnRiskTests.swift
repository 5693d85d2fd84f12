import CRM
import Foundation
import XCTest

/// `metrics.churn_risk` end to end: scored by the periodic pass from the customer's own data,
/// explained by its reasons, and filterable with `churn_risk[gte]`.
final class ChurnRiskTests: SalesTestCase {
    private func risk(_ id: Int) throws -> (score: Int, codes: [String]) {
        let metrics = try sales.metrics(id)
        let churn = try XCTUnwrap(metrics["churn_risk"] as? [String: Any])
        let reasons = try XCTUnwrap(churn["reasons"] as? [[String: Any]])
        for reason in reasons {
            XCTAssertNotNil(reason["text"] as? String, "every reason has words for a rep")
            XCTAssertNotNil(reason["points"] as? Int)
        }
        return (try XCTUnwrap(churn["score"] as? Int), reasons.compactMap { $0["code"] as? String })
    }

    func testALongSilentBuyerRanksAboveARecentOneAndTheListFiltersByRisk() throws {
        // Silent: ordered every 30 days for a year, then nothing for 200 days.
        let silent = try sales.customer("Silent buyer")
        for month in 0..<8 { try sales.order(silent, amount: 10_000, at: SalesTime.ago(days: 200 + Double(month) * 30)) }
        // Recent: the same rhythm, last order 10 days ago, and a call last week.
        let recent = try sales.customer("Recent buyer")
        for month in 0..<8 { try sales.order(recent, amount: 10_000, at: SalesTime.ago(days: 10 + Double(month) * 30)) }
        try sales.interaction(recent, at: SalesTime.ago(days: 7))
        let never = try sales.customer("Never bought")

        try server.application.recomputeScores()
        let silentRisk = try risk(silent)
        let recentRisk = try risk(recent)
        XCTAssertGreaterThan(silentRisk.score, recentRisk.score)
        XCTAssertTrue(silentRisk.codes.contains("overdue_vs_rhythm"), "\(silentRisk)")
        XCTAssertTrue(silentRisk.codes.contains("no_recent_interaction"), "\(silentRisk)")
        XCTAssertEqual(recentRisk.score, 0, "\(recentRisk)")
        XCTAssertEqual(try risk(never).score, 0)

        let risky = try sales.list("/v1/customers", [("churn_risk[gte]", "40")]).salesIDs
        XCTAssertEqual(risky, [silent])
        // The same rule twice changes nothing more.
        XCTAssertEqual(try server.application.recomputeScores(), 0)
    }

    func testServiceSignalsRaiseTheRiskOfACustomerWhoNeverBought() throws {
        let unhappy = try sales.customer("Unhappy")
        try sales.expect(
            201, "POST", "/v1/feedback", json: ["customer_id": unhappy, "kind": "complaint", "comment": "late delivery"] as [String: Any])
        try sales.expect(201, "POST", "/v1/feedback", json: ["customer_id": unhappy, "kind": "nps", "score": 3] as [String: Any])
        try server.application.recomputeScores()
        let assessed = try risk(unhappy)
        XCTAssertEqual(Set(assessed.codes), ["recent_complaint", "low_satisfaction"])
        XCTAssertEqual(assessed.score, 30)
    }

    func testTheChurnRiskReportListsTheRiskiestFirstAndPages() throws {
        var expected: [(score: Int, id: Int)] = []
        for index in 0..<5 {
            // 1.5x, 2x, 3x, … their 30-day rhythm: rising risk with the index.
            let id = try sales.customer("Buyer \(index)")
            let silent = [50.0, 70, 100, 100, 200][index]
            for month in 0..<6 { try sales.order(id, amount: 10_000, at: SalesTime.ago(days: silent + Double(month) * 30)) }
            if index % 2 == 0 { try sales.interaction(id, at: SalesTime.ago(days: 3)) }
            expected.append((0, id))
        }
        _ = try sales.customer("Never bought")
        try server.application.recomputeScores()
        for index in expected.indices { expected[index].score = try risk(expected[index].id).score }
        let ranked = expected.filter { $0.score > 0 }.sorted { ($0.score, $0.id) > ($1.score, $1.id) }
        XCTAssertEqual(ranked.count, 5)

        let whole = try sales.walk("/v1/analytics/churn-risk", limit: 2).entries
        XCTAssertEqual(whole.compactMap { $0["customer_id"] as? Int }, ranked.map(\.id))
        XCTAssertEqual(whole.compactMap { $0["score"] as? Int }, ranked.map(\.score))
        XCTAssertTrue(whole.allSatisfy { ($0["name"] as? String)?.hasPrefix("Buyer") == true && $0["reasons"] is [Any] })
        // Every role reads analytics; a bad cursor or limit is a 400.
        let viewer = try SalesClient.withNewKey(server, role: "viewer").client
        XCTAssertEqual(try viewer.send("GET", "/v1/analytics/churn-risk").status, 200)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/churn-risk?cursor=nope").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/churn-risk?limit=0").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/churn-risk?sort=name").status, 400)
    }
}
