import CRM
import Foundation
import XCTest

/// `GET /v1/analytics/funnel` against numbers worked out by hand from opportunities moved through
/// the default pipeline (qualification, needs_analysis, proposal, negotiation, won, lost).
final class FunnelReportTests: SalesTestCase {
    private func funnel(_ query: String = "") throws -> [String: [String: Any]] {
        let report = try sales.expect(200, "GET", "/v1/analytics/funnel" + query)
        let stages = try XCTUnwrap(report["stages"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: stages.compactMap { stage in (stage["key"] as? String).map { ($0, stage) } })
    }

    private func move(_ id: Int, _ fields: [String: Any]) throws {
        try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: fields)
    }

    private func assertStage(
        _ stage: [String: Any]?, entered: Int, current: Int, conversion: Double?, win: Double?, days: Double?,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(stage?["entered"] as? Int, entered, "entered", file: file, line: line)
        XCTAssertEqual(stage?["current"] as? Int, current, "current", file: file, line: line)
        for (name, expected) in [("conversion_rate", conversion), ("win_rate", win), ("avg_days_in_stage", days)] {
            if let expected {
                XCTAssertEqual(stage?[name] as? Double ?? .nan, expected, accuracy: 0.001, name, file: file, line: line)
            } else {
                XCTAssertTrue(stage?[name] is NSNull, "\(name) is null", file: file, line: line)
            }
        }
    }

    /// A, B, C, D created on day 0 in qualification. Day 2: A and B to needs_analysis, C lost.
    /// Day 6: A to proposal, B won, and E created straight into proposal. D stays.
    private func makeHistory() throws -> (a: Int, b: Int, d: Int, e: Int) {
        let customer = try sales.customer("Buyer")
        func create(_ name: String, _ extra: [String: Any] = [:]) throws -> Int {
            try XCTUnwrap(try sales.opportunity(customer, name: name, extra)["id"] as? Int)
        }
        let a = try create("A")
        let b = try create("B")
        let c = try create("C")
        let d = try create("D")
        clock.advance(milliseconds: 2 * SalesTime.day)
        try move(a, ["stage": "needs_analysis"])
        try move(b, ["stage": "needs_analysis"])
        try move(c, ["stage": "lost", "lost_reason": "budget"])
        clock.advance(milliseconds: 4 * SalesTime.day)
        try move(a, ["stage": "proposal"])
        try move(b, ["stage": "won"])
        let e = try create("E", ["stage": "proposal"])
        return (a, b, d, e)
    }

    func testStagesCountEntriesConversionsWinsAndStays() throws {
        let (_, _, d, _) = try makeHistory()
        var stages = try funnel()
        XCTAssertEqual(stages.count, 6)
        // Qualification: A, B, C, D entered; A and B went further (C only to lost); B is won;
        // A, B and C each stayed 2 days.
        assertStage(stages["qualification"], entered: 4, current: 1, conversion: 50, win: 25, days: 2)
        assertStage(stages["needs_analysis"], entered: 2, current: 0, conversion: 100, win: 50, days: 4)
        assertStage(stages["proposal"], entered: 2, current: 2, conversion: 0, win: 0, days: nil)
        assertStage(stages["negotiation"], entered: 0, current: 0, conversion: nil, win: nil, days: nil)
        assertStage(stages["won"], entered: 1, current: 1, conversion: nil, win: 100, days: nil)
        assertStage(stages["lost"], entered: 1, current: 1, conversion: nil, win: 0, days: nil)

        // A deleted opportunity leaves the funnel.
        try sales.expect(204, "DELETE", "/v1/opportunities/\(d)")
        stages = try funnel()
        assertStage(stages["qualification"], entered: 3, current: 0, conversion: 200.0 / 3, win: 100.0 / 3, days: 2)

        // The window selects opportunities by the day they were created: only E on day 6.
        let day6 = String(SalesTime.now.adding(milliseconds: 6 * SalesTime.day).rfc3339.prefix(10))
        stages = try funnel("?from=\(day6)&to=\(day6)")
        assertStage(stages["qualification"], entered: 0, current: 0, conversion: nil, win: nil, days: nil)
        assertStage(stages["proposal"], entered: 1, current: 1, conversion: 0, win: 0, days: nil)
    }

    func testReorderingThePipelineRecountsConversions() throws {
        _ = try makeHistory()
        let pipeline = try sales.expect(200, "GET", "/v1/pipelines/1")
        var definition = try XCTUnwrap(pipeline["stages"] as? [[String: Any]])
        definition.swapAt(1, 2)  // proposal now comes before needs_analysis
        try sales.expect(200, "PATCH", "/v1/pipelines/1", json: ["stages": definition])
        let stages = try funnel("?pipeline_id=1")
        // A's move from needs_analysis to proposal is now a step back; B's win still counts.
        assertStage(stages["needs_analysis"], entered: 2, current: 0, conversion: 50, win: 50, days: 4)
        assertStage(stages["qualification"], entered: 4, current: 1, conversion: 50, win: 25, days: 2)
    }

    func testAnotherPipelineAndRefusals() throws {
        let created = try sales.expect(
            201, "POST", "/v1/pipelines",
            json: [
                "name": "Partners",
                "stages": [
                    ["key": "intro", "name": "Intro", "probability": 20],
                    ["key": "signed", "name": "Signed", "probability": 100, "closed": true, "won": true],
                ],
            ])
        let pipeline = try XCTUnwrap(created["id"] as? Int)
        let customer = try sales.customer("Partner")
        let deal = try XCTUnwrap(try sales.opportunity(customer, name: "P", ["pipeline_id": pipeline])["id"] as? Int)
        clock.advance(milliseconds: SalesTime.day / 2)
        try move(deal, ["stage": "signed"])

        let report = try sales.expect(200, "GET", "/v1/analytics/funnel?pipeline_id=\(pipeline)")
        XCTAssertEqual(report["pipeline_id"] as? Int, pipeline)
        let stages = try XCTUnwrap(report["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.compactMap { $0["key"] as? String }, ["intro", "signed"])
        XCTAssertEqual(stages.compactMap { $0["name"] as? String }, ["Intro", "Signed"])
        assertStage(stages.first, entered: 1, current: 0, conversion: 100, win: 100, days: 0.5)
        // The default pipeline is untouched by it.
        XCTAssertEqual(try funnel()["qualification"]?["entered"] as? Int, 0)

        XCTAssertEqual(try sales.send("GET", "/v1/analytics/funnel?pipeline_id=abc").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/funnel?pipeline_id=0").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/funnel?pipeline_id=999").status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/funnel?stage=won").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/funnel?from=2026-13-01").status, 400)
        for role in ["viewer", "support", "marketing"] {
            let client = try SalesClient.withNewKey(server, role: role).client
            XCTAssertEqual(try client.send("GET", "/v1/analytics/funnel").status, 200, role)
        }
        XCTAssertEqual(try SalesClient(server, key: "crm_1_not-a-key").send("GET", "/v1/analytics/funnel").status, 401)
    }
}
