import CRM
import Foundation
import XCTest

/// `GET /v1/analytics/customers`: the counts agree with what the customer list finds.
final class CustomerReportTests: SalesTestCase {
    func testCountsAgreeWithTheCustomerList() throws {
        let people: [[String: Any]] = [
            ["source": "web", "industry": "retail"], ["source": "web", "industry": "retail"], ["source": "ads", "industry": "tech"],
            ["industry": "tech"], ["source": "referral"], [:],
        ]
        var ids: [Int] = []
        for (index, extra) in people.enumerated() {
            var body: [String: Any] = ["type": "person", "name": "P\(index)"]
            for (key, value) in extra { body[key] = value }
            ids.append(try XCTUnwrap(try sales.expect(201, "POST", "/v1/customers", json: body)["id"] as? Int))
        }
        try sales.order(ids[0], amount: 10_000, at: SalesTime.ago(days: 3))
        try sales.order(ids[1], amount: 10_000, at: SalesTime.ago(days: 100))
        try sales.expect(204, "DELETE", "/v1/customers/\(ids[5])")
        try server.application.recomputeScores()

        let report = try sales.expect(200, "GET", "/v1/analytics/customers")
        XCTAssertEqual(report["total"] as? Int, 5)
        func count(_ query: [(String, String)]) throws -> Int { try sales.walk("/v1/customers", query, limit: 50).entries.count }
        let stages = try XCTUnwrap(report["by_lifecycle_stage"] as? [String: Int])
        XCTAssertEqual(Set(stages.keys), Set(CustomerSchema.lifecycleStages))
        for (stage, value) in stages { XCTAssertEqual(value, try count([("lifecycle_stage", stage)]), stage) }
        let tiers = try XCTUnwrap(report["by_tier"] as? [String: Int])
        for (tier, value) in tiers { XCTAssertEqual(value, try count([("tier", tier)]), tier) }
        let sources = try XCTUnwrap(report["by_source"] as? [String: Int])
        for (source, value) in sources where source != "none" { XCTAssertEqual(value, try count([("source", source)]), source) }
        XCTAssertEqual(sources["none"], 1)
        XCTAssertEqual(report["by_industry"] as? [String: Int], ["retail": 2, "tech": 2, "none": 1])
        let grid = try XCTUnwrap(report["rfm_grid"] as? [[String: Any]])
        XCTAssertEqual(grid.count, 25)
        XCTAssertEqual(grid.compactMap { $0["count"] as? Int }.reduce(0, +), 2, "two customers have a paid order")

        let viewer = try SalesClient.withNewKey(server, role: "viewer").client
        XCTAssertEqual(try viewer.send("GET", "/v1/analytics/customers").status, 200)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/customers?from=2026-01-01").status, 400)
    }
}
