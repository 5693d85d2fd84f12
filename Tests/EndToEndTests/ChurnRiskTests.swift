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
}
