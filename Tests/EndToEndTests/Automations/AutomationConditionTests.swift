import Foundation
import XCTest

/// Conditions are tested on the event's record as the firing write left it (API.md "Conditions:
/// a rule tree … over the event's record"): what an earlier automation of the same event did
/// decides nothing for a later one, while the actions still apply, in order, to the record as
/// it is by then.
final class AutomationConditionTests: SalesTestCase {
    func testAnEarlierAutomationsSetFieldNeitherFiresNorStopsALaterOne() throws {
        let start = try sales.automation(
            "customer.created", name: "A", conditions: ["all": [leaf("industry", "eq", "chain-start")]],
            actions: [["type": "set_field", "field": "industry", "value": "chain-next"]])
        let next = try sales.automation(
            "customer.created", name: "B", conditions: ["all": [leaf("industry", "eq", "chain-next")]],
            actions: [["type": "add_tag", "tag": "chained"]])

        let customer = try sales.person("Chain", ["industry": "chain-start"])
        XCTAssertEqual(try sales.customerJSON(customer)["industry"] as? String, "chain-next", "A's action applied")
        XCTAssertEqual(try sales.tags(of: customer), [], "B tested the customer as created, not as A left it")
        XCTAssertEqual(try sales.runs(start).compactMap { $0["status"] as? String }, ["succeeded"])
        XCTAssertEqual(try sales.runs(next).compactMap { $0["status"] as? String }, ["skipped"])

        // Created as chain-next, it is B's, and A's not.
        let other = try sales.person("Next", ["industry": "chain-next"])
        XCTAssertEqual(try sales.tags(of: other), ["chained"])
        XCTAssertEqual(try sales.customerJSON(other)["industry"] as? String, "chain-next")
        XCTAssertEqual(try sales.runs(start).compactMap { $0["status"] as? String }, ["skipped", "succeeded"])
    }

    func testALaterAutomationFiresOnTheEventsRecordEvenWhenAnEarlierOneChangedIt() throws {
        try sales.automation(
            "customer.created", name: "Reclassify", conditions: ["all": [leaf("industry", "eq", "retail")]],
            actions: [["type": "set_field", "field": "industry", "value": "e-commerce"]])
        let welcome = try sales.automation(
            "customer.created", name: "Retail welcome", conditions: ["all": [leaf("industry", "eq", "retail")]],
            actions: [["type": "add_tag", "tag": "retail-welcome"], ["type": "set_field", "field": "owner", "value": "retail desk"]])

        let customer = try sales.person("Shop", ["industry": "retail"])
        let stored = try sales.customerJSON(customer)
        XCTAssertEqual(stored["industry"] as? String, "e-commerce", "the earlier action stays")
        XCTAssertEqual(stored["owner"] as? String, "retail desk", "the later one applied on top of it")
        XCTAssertEqual(stored["tags"] as? [String], ["retail-welcome"])
        XCTAssertEqual(try sales.runs(welcome).compactMap { $0["status"] as? String }, ["succeeded"])
    }

    func testEveryRecordOfAnImportIsTestedAsItsRowLeftIt() throws {
        try sales.automation(
            "customer.created", name: "A", conditions: ["all": [leaf("industry", "eq", "chain-start")]],
            actions: [["type": "set_field", "field": "industry", "value": "chain-next"]])
        try sales.automation(
            "customer.created", name: "B", conditions: ["all": [leaf("industry", "eq", "chain-next")]],
            actions: [["type": "add_tag", "tag": "chained"]])
        let reply = try sales.send(
            "POST", "/v1/customers/import", json: "type,name,industry\nperson,Row 0,chain-start\nperson,Row 1,chain-next\n",
            headers: [("Content-Type", "text/csv")])
        XCTAssertEqual(reply.status, 200, reply.text)
        let ids = try XCTUnwrap(try reply.json()["results"] as? [[String: Any]]).compactMap { $0["id"] as? Int }
        XCTAssertEqual(ids.count, 2, reply.text)
        XCTAssertEqual(try sales.tags(of: ids[0]), [])
        XCTAssertEqual(try sales.customerJSON(ids[0])["industry"] as? String, "chain-next")
        XCTAssertEqual(try sales.tags(of: ids[1]), ["chained"])
    }

    func testStageChangedAutomationsAreTestedOnTheMovedDeal() throws {
        try sales.automation(
            "opportunity.stage_changed", name: "Hand over", conditions: ["all": [leaf("stage", "eq", "proposal")]],
            actions: [["type": "set_field", "field": "owner", "value": "closer"]])
        let kickoff = try sales.automation(
            "opportunity.stage_changed", name: "Closer's call", conditions: ["all": [leaf("owner", "eq", "closer")]],
            actions: [["type": "create_task", "title": "Closer's call"]])
        let company = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers", json: ["type": "company", "name": "Acme"])["id"] as? Int)
        let deal = try XCTUnwrap(try sales.opportunity(company, name: "Deal", ["owner": "opener"])["id"] as? Int)

        try sales.expect(200, "PATCH", "/v1/opportunities/\(deal)", json: ["stage": "proposal"])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/opportunities/\(deal)")["owner"] as? String, "closer")
        XCTAssertTrue(try sales.tasks(of: company).isEmpty, "the move left the deal with owner opener")
        XCTAssertEqual(try sales.runs(kickoff).compactMap { $0["status"] as? String }, ["skipped"])

        // The next move leaves it with owner closer: now it fires.
        try sales.expect(200, "PATCH", "/v1/opportunities/\(deal)", json: ["stage": "won"])
        XCTAssertEqual(try sales.tasks(of: company).compactMap { $0["title"] as? String }, ["Closer's call"])
    }
}
