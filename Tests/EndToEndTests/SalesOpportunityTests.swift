import CRM
import Foundation
import XCTest

/// `/v1/opportunities` and their stage history (API.md §2 "opportunities").
final class SalesOpportunityTests: SalesTestCase {

    private var adminKeyID: Int { Int(server.application.bootstrapKey!.key.id) }

    private func defaultPipelineID() throws -> Int {
        try XCTUnwrap(try sales.list("/v1/pipelines").first { $0["is_default"] as? Bool == true }?["id"] as? Int)
    }

    /// Moves the clock by one second and returns the new "now" as the server prints it.
    @discardableResult
    private func tick() -> String {
        clock.advance(milliseconds: 1000)
        return clock.now().rfc3339
    }

    func testDefaults() throws {
        let customer = try sales.customer("Defaults")
        let created = try sales.send("POST", "/v1/opportunities", json: ["customer_id": customer, "name": "Big deal", "amount": 500000])
        XCTAssertEqual(created.status, 201, created.text)
        let opportunity = try created.json()
        let id = try XCTUnwrap(opportunity["id"] as? Int)
        XCTAssertEqual(created.header("Location"), "/v1/opportunities/\(id)")
        XCTAssertEqual(created.header("ETag"), "\"1\"")
        XCTAssertEqual(opportunity["pipeline_id"] as? Int, try defaultPipelineID())
        XCTAssertEqual(opportunity["stage"] as? String, "qualification")
        XCTAssertEqual(opportunity["probability"] as? Int, 10)
        XCTAssertEqual(opportunity["currency"] as? String, "CNY")
        XCTAssertEqual(opportunity["amount"] as? Int, 500000)
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, SalesTime.nowText)
        XCTAssertTrue(opportunity["closed_at"] is NSNull)
        XCTAssertTrue(opportunity["lost_reason"] is NSNull)
        XCTAssertEqual(canonicalJSON(try sales.expect(200, "GET", "/v1/opportunities/\(id)")), canonicalJSON(opportunity))
        // A given stage sets its probability; a given probability wins.
        XCTAssertEqual(try sales.opportunity(customer, name: "Later", ["stage": "proposal"])["probability"] as? Int, 50)
        XCTAssertEqual(
            try sales.opportunity(customer, name: "Custom", ["stage": "proposal", "probability": 33])["probability"] as? Int, 33)
        XCTAssertEqual(try sales.opportunity(customer, name: "Dollars", ["currency": "USD", "amount": 100])["currency"] as? String, "USD")
    }

    func testValidation() throws {
        let customer = try sales.customer("Validated")
        let missing = try sales.send("POST", "/v1/opportunities", json: [String: Any]())
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual(Set(missing.problemFields), ["customer_id", "name"])
        func check(_ body: [String: Any], _ fields: Set<String>, line: UInt = #line) throws {
            var full: [String: Any] = ["customer_id": customer, "name": "Deal"]
            for (key, value) in body { full[key] = value }
            let reply = try sales.send("POST", "/v1/opportunities", json: full)
            XCTAssertEqual(reply.status, 422, reply.text, line: line)
            XCTAssertEqual(Set(reply.problemFields), fields, reply.text, line: line)
        }
        try check(["name": "  "], ["name"])
        try check(["customer_id": 777], ["customer_id"])
        try check(["pipeline_id": 777], ["pipeline_id"])
        try check(["stage": "nowhere"], ["stage"])
        try check(["probability": 101], ["probability"])
        try check(["amount": -1], ["amount"])
        try check(["currency": "QQQ"], ["currency"])
        try check(["expected_close_date": "2026-13-01"], ["expected_close_date"])
        try check(["closed_at": "2026-01-01T00:00:00Z"], ["closed_at"])
        try check(["stage_entered_at": "2026-01-01T00:00:00Z"], ["stage_entered_at"])
        try check(["reopen": "yes"], ["reopen"])
        try check(["stage": "lost"], ["lost_reason"])
        // Every invalid field at once: the stage rules and the references are checked even when
        // another field fails its own validation.
        try check(["stage": "lost", "probability": 101], ["probability", "lost_reason"])
        try check(
            ["customer_id": 777, "pipeline_id": 778, "amount": -1, "reopen": "yes"], ["customer_id", "pipeline_id", "amount", "reopen"])
        XCTAssertEqual(try sales.list("/v1/opportunities").count, 0)
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/999").status, 404)
        XCTAssertEqual(try sales.send("PATCH", "/v1/opportunities/999", json: ["name": "x"]).status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/999/history").status, 404)
    }

    func testProbabilityAndStageEnteredAtFollowStageChangesOnly() throws {
        let customer = try sales.customer("Mover")
        let id = try XCTUnwrap(try sales.opportunity(customer, name: "Moving", ["amount": 1000])["id"] as? Int)
        let t1 = tick()
        var opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "proposal"])
        XCTAssertEqual(opportunity["probability"] as? Int, 50)
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, t1)
        // Other fields leave stage_entered_at and probability alone.
        tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["amount": 2000, "owner": "wang"])
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, t1)
        XCTAssertEqual(opportunity["probability"] as? Int, 50)
        XCTAssertEqual(opportunity["currency"] as? String, "CNY")
        // A given probability with a stage change wins over the stage's.
        let t3 = tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "negotiation", "probability": 60])
        XCTAssertEqual(opportunity["probability"] as? Int, 60)
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, t3)
        // Setting the probability alone keeps the stage.
        tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["probability": 80])
        XCTAssertEqual(opportunity["probability"] as? Int, 80)
        XCTAssertEqual(opportunity["stage"] as? String, "negotiation")
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, t3)
        // Re-sending the current stage is not a stage change.
        tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "negotiation"])
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, t3)
        XCTAssertEqual(opportunity["probability"] as? Int, 80)
        // Back to an earlier stage.
        let t6 = tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "needs_analysis"])
        XCTAssertEqual(opportunity["probability"] as? Int, 25)
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, t6)
        let history = try sales.list("/v1/opportunities/\(id)/history")
        XCTAssertEqual(history.map { $0["to_stage"] as? String }, ["qualification", "proposal", "negotiation", "needs_analysis"])
    }

    func testPatchOfAmountAloneKeepsTheCurrency() throws {
        let customer = try sales.customer("Currency")
        let id = try XCTUnwrap(try sales.opportunity(customer, name: "Euro deal", ["currency": "EUR", "amount": 100])["id"] as? Int)
        let after = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["amount": 250])
        XCTAssertEqual(after["amount"] as? Int, 250)
        XCTAssertEqual(after["currency"] as? String, "EUR")
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/opportunities/\(id)")["currency"] as? String, "EUR")
        let moved = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "proposal", "amount": 300])
        XCTAssertEqual(moved["currency"] as? String, "EUR")
    }

    func testLostNeedsAReasonAndClosedOpportunitiesOnlyMoveByReopening() throws {
        let customer = try sales.customer("Closer")
        let id = try XCTUnwrap(try sales.opportunity(customer, name: "Risky", ["stage": "proposal"])["id"] as? Int)
        let noReason = try sales.send("PATCH", "/v1/opportunities/\(id)", json: ["stage": "lost"])
        XCTAssertEqual(noReason.status, 422, noReason.text)
        XCTAssertEqual(noReason.problemFields, ["lost_reason"])
        let blank = try sales.send("PATCH", "/v1/opportunities/\(id)", json: ["stage": "lost", "lost_reason": "  "])
        XCTAssertEqual(blank.status, 422, blank.text)
        XCTAssertTrue(blank.problemFields.contains("lost_reason"), blank.text)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/opportunities/\(id)")["stage"] as? String, "proposal")

        let lostAt = tick()
        var opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "lost", "lost_reason": "price"])
        XCTAssertEqual(opportunity["stage"] as? String, "lost")
        XCTAssertEqual(opportunity["closed_at"] as? String, lostAt)
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, lostAt)
        XCTAssertEqual(opportunity["probability"] as? Int, 0)
        XCTAssertEqual(opportunity["lost_reason"] as? String, "price")

        // A closed opportunity refuses a stage change, and changes nothing.
        tick()
        let refused = try sales.send("PATCH", "/v1/opportunities/\(id)", json: ["stage": "negotiation"])
        XCTAssertEqual(refused.status, 409, refused.text)
        XCTAssertEqual(refused.problemFields, ["stage"])
        let toWon = try sales.send("PATCH", "/v1/opportunities/\(id)", json: ["stage": "won"])
        XCTAssertEqual(toWon.status, 409, toWon.text)
        opportunity = try sales.expect(200, "GET", "/v1/opportunities/\(id)")
        XCTAssertEqual(opportunity["stage"] as? String, "lost")
        XCTAssertEqual(opportunity["closed_at"] as? String, lostAt)
        // Other fields of a closed opportunity may still change.
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["owner": "zhao"])
        XCTAssertEqual(opportunity["closed_at"] as? String, lostAt)
        XCTAssertEqual(opportunity["stage"] as? String, "lost")

        // reopen: true goes back to the stage it was lost from, clearing closed_at and lost_reason.
        let reopenedAt = tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["reopen": true])
        XCTAssertEqual(opportunity["stage"] as? String, "proposal")
        XCTAssertTrue(opportunity["closed_at"] is NSNull, "\(opportunity)")
        XCTAssertTrue(opportunity["lost_reason"] is NSNull, "\(opportunity)")
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, reopenedAt)
        XCTAssertEqual(opportunity["probability"] as? Int, 50)
        XCTAssertNil(opportunity["reopen"])

        // Won, then reopened into a given open stage.
        let wonAt = tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "won"])
        XCTAssertEqual(opportunity["closed_at"] as? String, wonAt)
        XCTAssertEqual(opportunity["probability"] as? Int, 100)
        let intoClosed = try sales.send("PATCH", "/v1/opportunities/\(id)", json: ["reopen": true, "stage": "lost", "lost_reason": "x"])
        XCTAssertEqual(intoClosed.status, 422, intoClosed.text)
        XCTAssertEqual(intoClosed.problemFields, ["stage"])
        let backAt = tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["reopen": true, "stage": "negotiation"])
        XCTAssertEqual(opportunity["stage"] as? String, "negotiation")
        XCTAssertEqual(opportunity["probability"] as? Int, 75)
        XCTAssertTrue(opportunity["closed_at"] is NSNull)
        XCTAssertEqual(opportunity["stage_entered_at"] as? String, backAt)

        let history = try sales.list("/v1/opportunities/\(id)/history")
        XCTAssertEqual(history.map { $0["from_stage"] as? String }, [nil, "proposal", "lost", "proposal", "won"])
        XCTAssertEqual(history.map { $0["to_stage"] as? String }, ["proposal", "lost", "proposal", "won", "negotiation"])
        XCTAssertEqual(history.map { $0["changed_at"] as? String }, [SalesTime.nowText, lostAt, reopenedAt, wonAt, backAt])
    }

    func testReopeningReturnsToTheStageItWasClosedFromUnlessAStageIsNamed() throws {
        let customer = try sales.customer("Revived")
        // Lost from negotiation, reopened: back in negotiation with that stage's probability.
        let id = try XCTUnwrap(try sales.opportunity(customer, name: "Second chance", ["stage": "needs_analysis"])["id"] as? Int)
        try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "negotiation"])
        tick()
        try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "lost", "lost_reason": "went with a rival"])
        let reopenedAt = tick()
        var opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["reopen": true])
        XCTAssertEqual(opportunity["stage"] as? String, "negotiation")
        XCTAssertEqual(opportunity["probability"] as? Int, 75)
        XCTAssertTrue(opportunity["lost_reason"] is NSNull, "\(opportunity)")
        XCTAssertTrue(opportunity["closed_at"] is NSNull, "\(opportunity)")
        var last = try XCTUnwrap(try sales.list("/v1/opportunities/\(id)/history").last)
        XCTAssertEqual(last["from_stage"] as? String, "lost")
        XCTAssertEqual(last["to_stage"] as? String, "negotiation")
        XCTAssertEqual(last["changed_at"] as? String, reopenedAt)

        // Lost again; a named stage wins over the one it was closed from.
        tick()
        try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "lost", "lost_reason": "budget cut"])
        tick()
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["reopen": true, "stage": "qualification"])
        XCTAssertEqual(opportunity["stage"] as? String, "qualification")
        XCTAssertTrue(opportunity["lost_reason"] is NSNull, "\(opportunity)")

        // Won from proposal, reopened: back in proposal.
        try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "proposal"])
        try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "won"])
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["reopen": true])
        XCTAssertEqual(opportunity["stage"] as? String, "proposal")
        last = try XCTUnwrap(try sales.list("/v1/opportunities/\(id)/history", [("limit", "200")]).last)
        XCTAssertEqual(last["from_stage"] as? String, "won")
        XCTAssertEqual(last["to_stage"] as? String, "proposal")

        // Created lost, it was closed from no stage: reopening starts at the first open stage.
        let bornLost = try XCTUnwrap(
            try sales.opportunity(customer, name: "Never started", ["stage": "lost", "lost_reason": "duplicate lead"])["id"] as? Int)
        opportunity = try sales.expect(200, "PATCH", "/v1/opportunities/\(bornLost)", json: ["reopen": true])
        XCTAssertEqual(opportunity["stage"] as? String, "qualification")
        XCTAssertTrue(opportunity["lost_reason"] is NSNull, "\(opportunity)")
    }

    func testHistoryRecordsEveryChangeWithTheKeyThatMadeIt() throws {
        let (salesKey, salesKeyID) = try SalesClient.withNewKey(server, role: "sales")
        let customer = try sales.customer("Historic")
        let id = try XCTUnwrap(try salesKey.opportunity(customer, name: "Tracked")["id"] as? Int)
        var expected: [(String?, String, String, Int)] = [(nil, "qualification", SalesTime.nowText, salesKeyID)]
        let moves: [(SalesClient, Int, [String: Any])] = [
            (sales, adminKeyID, ["stage": "needs_analysis"]),
            (salesKey, salesKeyID, ["stage": "proposal"]),
            (salesKey, salesKeyID, ["stage": "negotiation"]),
            (sales, adminKeyID, ["stage": "won"]),
            (salesKey, salesKeyID, ["reopen": true]),
            (sales, adminKeyID, ["stage": "lost", "lost_reason": "went dark"]),
        ]
        var previous = "qualification"
        for (client, keyID, body) in moves {
            let at = tick()
            let after = try client.expect(200, "PATCH", "/v1/opportunities/\(id)", json: body)
            let stage = try XCTUnwrap(after["stage"] as? String)
            expected.append((previous, stage, at, keyID))
            previous = stage
            // A change that moves no stage adds no entry.
            tick()
            try client.expect(200, "PATCH", "/v1/opportunities/\(id)", json: ["source": "tick \(expected.count)"])
        }
        XCTAssertEqual(previous, "lost")

        let full = try sales.list("/v1/opportunities/\(id)/history", [("limit", "200")])
        XCTAssertEqual(full.count, expected.count)
        for (entry, want) in zip(full, expected) {
            XCTAssertNotNil(entry["id"] as? Int)
            if let from = want.0 {
                XCTAssertEqual(entry["from_stage"] as? String, from)
            } else {
                XCTAssertTrue(entry["from_stage"] is NSNull, "\(entry)")
            }
            XCTAssertEqual(entry["to_stage"] as? String, want.1)
            XCTAssertEqual(entry["changed_at"] as? String, want.2)
            XCTAssertEqual(entry["key_id"] as? Int, want.3, "\(entry)")
        }
        XCTAssertEqual(Set(full.salesIDs).count, full.count)
        // Pages of 1, 2 and 3 give the same entries in the same order.
        for limit in [1, 2, 3] {
            let walked = try sales.walk("/v1/opportunities/\(id)/history", limit: limit)
            XCTAssertEqual(walked.entries.salesIDs, full.salesIDs, "limit \(limit)")
            XCTAssertEqual(walked.pages, (full.count + limit - 1) / limit, "limit \(limit)")
        }
        // Every role reads the history; a bad cursor or parameter is a 400.
        let viewer = try SalesClient(server, key: try server.key(role: "viewer"))
        XCTAssertEqual(try viewer.list("/v1/opportunities/\(id)/history").count, expected.count)
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/\(id)/history?cursor=garbage").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/\(id)/history?limit=0").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/\(id)/history?stage=won").status, 400)
    }

    func testHistoryCursorBelongsToItsOpportunity() throws {
        let customer = try sales.customer("Two deals")
        let a = try XCTUnwrap(try sales.opportunity(customer, name: "A")["id"] as? Int)
        let b = try XCTUnwrap(try sales.opportunity(customer, name: "B")["id"] as? Int)
        for stage in ["proposal", "negotiation"] {
            tick()
            try sales.expect(200, "PATCH", "/v1/opportunities/\(a)", json: ["stage": stage])
            try sales.expect(200, "PATCH", "/v1/opportunities/\(b)", json: ["stage": stage])
        }
        let page = try sales.expect(200, "GET", "/v1/opportunities/\(a)/history?limit=1")
        let cursor = try XCTUnwrap(page["next_cursor"] as? String)
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/\(b)/history" + queryString([("cursor", cursor)])).status, 400)
        XCTAssertEqual(
            (try sales.list("/v1/opportunities/\(b)/history")).map { $0["to_stage"] as? String },
            ["qualification", "proposal", "negotiation"])
    }

    /// An opportunity without an amount sorts first by `amount`, last by `-amount`, page after
    /// page (a number, not text: PostgreSQL answered `500`, SQLite put it last).
    func testOpportunitiesWithoutAnAmountSortFirstAscending() throws {
        let customer = try sales.customer("Buyer")
        let big = try XCTUnwrap(try sales.opportunity(customer, name: "Big", ["amount": 900])["id"] as? Int)
        let none = try XCTUnwrap(try sales.opportunity(customer, name: "Unpriced")["id"] as? Int)
        let free = try XCTUnwrap(try sales.opportunity(customer, name: "Free", ["amount": 0])["id"] as? Int)
        XCTAssertEqual(try sales.list("/v1/opportunities", [("sort", "amount")]).salesIDs, [none, free, big])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("sort", "-amount")]).salesIDs, [big, free, none])
        var ids: [Int] = []
        var cursor: String?
        repeat {
            let page = try sales.expect(
                200, "GET", "/v1/opportunities?sort=amount&limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
            ids += (page["data"] as? [[String: Any]] ?? []).salesIDs
            cursor = page["next_cursor"] as? String
        } while cursor != nil && ids.count < 10
        XCTAssertEqual(ids, [none, free, big])
    }

    func testRolesSearchAndFilters() throws {
        let customer = try sales.customer("Searcher")
        let support = try SalesClient(server, key: try server.key(role: "support"))
        let marketing = try SalesClient(server, key: try server.key(role: "marketing"))
        let viewer = try SalesClient(server, key: try server.key(role: "viewer"))
        let salesKey = try SalesClient(server, key: try server.key(role: "sales"))
        let body: [String: Any] = ["customer_id": customer, "name": "Annual licence renewal"]
        for client in [support, marketing, viewer] {
            XCTAssertEqual(try client.send("POST", "/v1/opportunities", json: body).status, 403)
        }
        let renewal = try XCTUnwrap(try salesKey.expect(201, "POST", "/v1/opportunities", json: body)["id"] as? Int)
        for client in [support, marketing, viewer] {
            XCTAssertEqual(try client.send("PATCH", "/v1/opportunities/\(renewal)", json: ["stage": "proposal"]).status, 403)
            XCTAssertEqual(try client.send("DELETE", "/v1/opportunities/\(renewal)").status, 403)
            XCTAssertEqual(try client.send("GET", "/v1/opportunities/\(renewal)").status, 200)
            XCTAssertEqual(try client.send("GET", "/v1/opportunities/\(renewal)/history").status, 200)
        }
        XCTAssertEqual(
            try salesKey.expect(200, "PATCH", "/v1/opportunities/\(renewal)", json: ["stage": "proposal"])["stage"] as? String, "proposal")

        let other = try sales.customer("Other")
        let pilot = try XCTUnwrap(
            try sales.opportunity(other, name: "Pilot project 100%", ["owner": "li", "amount": 5000, "expected_close_date": "2026-07-01"])[
                "id"] as? Int)
        let upsell = try XCTUnwrap(try sales.opportunity(customer, name: "Upsell seats", ["owner": "li", "amount": 20000])["id"] as? Int)
        XCTAssertEqual(try sales.list("/v1/opportunities", [("q", "renewal")]).salesIDs, [renewal])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("q", "LICENCE")]).salesIDs, [renewal])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("q", "100%")]).salesIDs, [pilot])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("q", "0%")]).salesIDs, [pilot])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("q", "nothing like it")]).salesIDs, [])
        XCTAssertEqual(try viewer.list("/v1/opportunities", [("q", "e")]).salesIDs.sorted(), [renewal, pilot, upsell].sorted())
        XCTAssertEqual(try sales.list("/v1/opportunities", [("customer_id", "\(customer)")]).salesIDs, [renewal, upsell])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("stage", "proposal")]).salesIDs, [renewal])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("owner", "li")]).salesIDs, [pilot, upsell])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("amount[gte]", "10000")]).salesIDs, [upsell])
        XCTAssertEqual(try sales.list("/v1/opportunities", [("expected_close_date[lte]", "2026-12-31")]).salesIDs, [pilot])
        try salesKey.expect(204, "DELETE", "/v1/opportunities/\(renewal)")
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/\(renewal)").status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/opportunities/\(renewal)/history").status, 404)
    }
}
