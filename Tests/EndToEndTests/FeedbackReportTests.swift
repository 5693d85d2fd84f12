import Foundation
import SQLite
import XCTest

@testable import CRM

/// `GET /v1/analytics/feedback` against numbers computed by hand from the feedback the test makes.
final class FeedbackReportTests: SalesTestCase {
    private func feedback(_ customer: Int, _ kind: String, _ score: Int?, at created: String? = nil) throws {
        var body: [String: Any] = ["customer_id": customer, "kind": kind]
        if let score { body["score"] = score }
        let made = try sales.expect(201, "POST", "/v1/feedback", json: body)
        guard let created, let id = made["id"] as? Int else { return }
        // created_at is the server's; the test moves it to another month directly in the file.
        _ = try server.application.database.writeAndWait { connection in
            try connection.run("UPDATE feedback SET created_at = ? WHERE id = ?", [.text(created), .integer(Int64(id))])
        }
    }

    func testNPSCSATCESAndMonthsFromHandComputedNumbers() throws {
        let customer = try sales.customer("Surveyed")
        for score in [10, 9, 7, 3] { try feedback(customer, "nps", score) }
        for score in [5, 4, 2] { try feedback(customer, "csat", score) }
        try feedback(customer, "ces", 2)
        try feedback(customer, "ces", 4)
        try feedback(customer, "complaint", nil)
        // April: one detractor and one satisfied CSAT answer.
        try feedback(customer, "nps", 0, at: "2026-04-10T08:00:00.000Z")
        try feedback(customer, "csat", 5, at: "2026-04-11T08:00:00.000Z")

        let all = try sales.expect(200, "GET", "/v1/analytics/feedback")
        // NPS over 10, 9, 7, 3, 0: (2 promoters − 2 detractors) / 5 = 0; CSAT 3 of 4 = 75; CES (2 + 4) / 2.
        XCTAssertEqual(all["nps"] as? Double, 0)
        XCTAssertEqual(all["csat"] as? Double, 75)
        XCTAssertEqual(all["ces"] as? Double, 3)
        XCTAssertEqual(all["responses"] as? Int, 12)
        let byKind = try XCTUnwrap(all["by_kind"] as? [String: Int])
        XCTAssertEqual(byKind["nps"], 5)
        XCTAssertEqual(byKind["complaint"], 1)
        XCTAssertEqual(byKind["praise"], 0)
        let months = try XCTUnwrap(all["by_month"] as? [[String: Any]])
        XCTAssertEqual(months.compactMap { $0["month"] as? String }, ["2026-04", "2026-06"])
        XCTAssertEqual(months.compactMap { $0["count"] as? Int }, [2, 10])
        XCTAssertEqual(months.first?["nps"] as? Double, -100)
        XCTAssertEqual(months.last?["nps"] as? Double, 25)
        XCTAssertEqual(try XCTUnwrap(months.last?["csat"] as? Double), 200.0 / 3, accuracy: 1e-9)

        // The window: June only (to is inclusive), and a window with no answers.
        let june = try sales.expect(200, "GET", "/v1/analytics/feedback?from=2026-05-01&to=2026-06-01")
        XCTAssertEqual(june["responses"] as? Int, 10)
        XCTAssertEqual(june["nps"] as? Double, 25)
        let empty = try sales.expect(200, "GET", "/v1/analytics/feedback?from=2025-01-01&to=2025-01-31")
        XCTAssertEqual(empty["responses"] as? Int, 0)
        XCTAssertTrue(empty["nps"] is NSNull && empty["csat"] is NSNull && empty["ces"] is NSNull)
        XCTAssertEqual((empty["by_month"] as? [Any])?.count, 0)

        for bad in ["from=2026-13-01", "to=yesterday", "from=2026-06-02&to=2026-06-01", "limit=5"] {
            XCTAssertEqual(try sales.send("GET", "/v1/analytics/feedback?\(bad)").status, 400, bad)
        }
        let viewer = try SalesClient.withNewKey(server, role: "viewer").client
        XCTAssertEqual(try viewer.send("GET", "/v1/analytics/feedback").status, 200)
    }
}
