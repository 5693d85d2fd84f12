import Foundation
import XCTest

/// A write is answered with its record as the automations it fired left it: they run in the
/// write's transaction before the answer is made, so the body, the `ETag` and an idempotent
/// replay all show the version that commits, and an `If-Match` on that `ETag` succeeds.
final class AutomationAnswerTests: SalesTestCase {
    func testACreatedCustomerIsAnsweredAsItsAutomationsLeftIt() throws {
        try sales.automation(
            "customer.created", name: "Welcome", conditions: ["all": [leaf("industry", "eq", "retail")]],
            actions: [["type": "add_tag", "tag": "welcome"], ["type": "set_field", "field": "owner", "value": "retail desk"]])

        let reply = try sales.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "Shop", "industry": "retail"],
            headers: [("Idempotency-Key", "settled-create")])
        XCTAssertEqual(reply.status, 201, reply.text)
        let body = try reply.json()
        XCTAssertEqual(body["tags"] as? [String], ["welcome"])
        XCTAssertEqual(body["owner"] as? String, "retail desk")
        let id = try XCTUnwrap(body["id"] as? Int)
        let stored = try sales.send("GET", "/v1/customers/\(id)")
        XCTAssertEqual(reply.header("ETag"), stored.header("ETag"), "the answer names the version that committed")
        XCTAssertEqual(body["version"] as? Int, try stored.json()["version"] as? Int)
        XCTAssertGreaterThan(body["version"] as? Int ?? 0, 1, "the automation's writes made versions after the create")

        let replay = try sales.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "Shop", "industry": "retail"],
            headers: [("Idempotency-Key", "settled-create")])
        XCTAssertEqual(replay.status, 201, replay.text)
        XCTAssertEqual(replay.body, reply.body, "the replay is the settled answer")
        XCTAssertEqual(replay.header("ETag"), reply.header("ETag"))

        let patched = try sales.send(
            "PATCH", "/v1/customers/\(id)", json: ["industry": "e-commerce"], headers: [("If-Match", try XCTUnwrap(reply.header("ETag")))])
        XCTAssertEqual(patched.status, 200, "the answer's ETag is current: \(patched.text)")
    }

    func testACustomerNoAutomationActedOnKeepsItsFirstVersion() throws {
        try sales.automation(
            "customer.created", name: "Never", conditions: ["all": [leaf("industry", "eq", "nobody")]],
            actions: [["type": "add_tag", "tag": "never"]])
        let reply = try sales.send("POST", "/v1/customers", json: ["type": "person", "name": "Plain"])
        XCTAssertEqual(reply.status, 201, reply.text)
        XCTAssertEqual(reply.header("ETag"), "\"1\"")
        XCTAssertEqual(try reply.json()["tags"] as? [String], [])
    }

    func testAnUpsertThatCreatesIsAnsweredSettled() throws {
        try sales.automation("customer.created", name: "Synced", actions: [["type": "add_tag", "tag": "synced"]])
        let reply = try sales.send("PUT", "/v1/customers/by-external-id/erp-7", json: ["type": "company", "name": "Acme"])
        XCTAssertEqual(reply.status, 201, reply.text)
        let body = try reply.json()
        XCTAssertEqual(body["tags"] as? [String], ["synced"])
        let stored = try sales.send("GET", "/v1/customers/by-external-id/erp-7")
        XCTAssertEqual(reply.header("ETag"), stored.header("ETag"))

        // An update fires no customer.created: nothing to settle, the update's own version.
        let updated = try sales.send("PUT", "/v1/customers/by-external-id/erp-7", json: ["type": "company", "name": "Acme Ltd"])
        XCTAssertEqual(updated.status, 200, updated.text)
        XCTAssertEqual(try updated.json()["tags"] as? [String], ["synced"])
        XCTAssertEqual(updated.header("ETag"), try sales.send("GET", "/v1/customers/by-external-id/erp-7").header("ETag"))
    }

    func testACreatedOrderIsAnsweredWithItsSetField() throws {
        try sales.automation(
            "order.created", name: "Web orders", conditions: ["all": [leaf("channel", "eq", "web")]],
            actions: [["type": "set_field", "field": "channel", "value": "online"]])
        let customer = try sales.person("Buyer")
        let reply = try sales.send(
            "POST", "/v1/orders",
            json: ["customer_id": customer, "amount": 1_000, "currency": "CNY", "ordered_at": SalesTime.ago(days: 1), "channel": "web"])
        XCTAssertEqual(reply.status, 201, reply.text)
        let id = try XCTUnwrap(try reply.json()["id"] as? Int)
        XCTAssertEqual(try reply.json()["channel"] as? String, "online")
        XCTAssertEqual(reply.header("ETag"), try sales.send("GET", "/v1/orders/\(id)").header("ETag"))
    }

    func testAStageMoveIsAnsweredWithWhatItsAutomationSet() throws {
        try sales.automation(
            "opportunity.stage_changed", name: "Hand over", conditions: ["all": [leaf("stage", "eq", "proposal")]],
            actions: [["type": "set_field", "field": "owner", "value": "closer"]])
        let company = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers", json: ["type": "company", "name": "Acme"])["id"] as? Int)
        let deal = try XCTUnwrap(try sales.opportunity(company, name: "Deal", ["owner": "opener"])["id"] as? Int)

        let reply = try sales.send("PATCH", "/v1/opportunities/\(deal)", json: ["stage": "proposal"])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(try reply.json()["owner"] as? String, "closer")
        XCTAssertEqual(reply.header("ETag"), try sales.send("GET", "/v1/opportunities/\(deal)").header("ETag"))
    }
}
