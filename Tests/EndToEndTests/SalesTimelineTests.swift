import CRM
import Foundation
import XCTest

/// `GET /v1/customers/{id}/timeline`: orders, interactions and opportunity stage changes, newest
/// first, one paginated list (API.md §2 customers).
final class SalesTimelineTests: XCTestCase {
    var server: TestServer!
    var sales: SalesClient!
    var clock: CRMClock!

    override func setUpWithError() throws {
        clock = CRMClock(fixedAt: Timestamp(rfc3339: "2026-05-01T00:00:00Z")!)
        server = try TestServer(clock: clock)
        sales = try SalesClient(server)
    }

    override func tearDown() { server.stop() }

    private func at(_ text: String) { clock.set(Timestamp(rfc3339: text)!) }

    struct Entry: Hashable, CustomStringConvertible {
        let kind: String
        let id: Int
        let occurredAt: String
        var description: String { "\(kind)#\(id)@\(occurredAt)" }
    }

    private func entries(_ data: [[String: Any]], file: StaticString = #filePath, line: UInt = #line) -> [Entry] {
        data.map { item in
            XCTAssertEqual(Set(item.keys), ["kind", "id", "occurred_at", "summary"], "\(item)", file: file, line: line)
            XCTAssertFalse((item["summary"] as? String ?? "").isEmpty, "\(item)", file: file, line: line)
            return Entry(
                kind: item["kind"] as? String ?? "?", id: item["id"] as? Int ?? -1, occurredAt: item["occurred_at"] as? String ?? "?")
        }
    }

    /// A customer with orders, interactions and two opportunities' stage changes, several at the
    /// same millisecond; plus records that must not show. Returns the customer and the expected entries.
    private func buildTimeline() throws -> (customer: Int, expected: [Entry]) {
        let customer = try sales.customer("Timeline")
        let other = try sales.customer("Someone else")
        let may10 = "2026-05-10T00:00:00.000Z", may15 = "2026-05-15T00:00:00.000Z", may20 = "2026-05-20T00:00:00.000Z"
        let may25 = "2026-05-25T00:00:00.000Z"
        var expected: [Entry] = []
        func order(_ orderedAt: String, _ extra: [String: Any] = [:]) throws {
            let id = try XCTUnwrap(try sales.order(customer, amount: 12990, at: orderedAt, extra)["id"] as? Int)
            expected.append(Entry(kind: "order", id: id, occurredAt: orderedAt))
        }
        func interaction(_ occurredAt: String, _ channel: String) throws {
            let id = try XCTUnwrap(
                try sales.interaction(customer, channel: channel, at: occurredAt, ["subject": "About \(channel)"])["id"] as? Int)
            expected.append(Entry(kind: "interaction", id: id, occurredAt: occurredAt))
        }
        try order("2026-05-01T00:00:00.000Z")
        try order(may10, ["status": "refunded"])
        try order(may10)
        try interaction(may10, "call")
        try interaction(may20, "email")
        try order(may20)
        // Stage changes happen at the clock's time.
        at(may10)
        let p = try XCTUnwrap(try sales.opportunity(customer, name: "Deal P")["id"] as? Int)
        expected.append(Entry(kind: "opportunity_stage_changed", id: p, occurredAt: may10))
        at(may15)
        try sales.expect(200, "PATCH", "/v1/opportunities/\(p)", json: ["stage": "proposal"])
        expected.append(Entry(kind: "opportunity_stage_changed", id: p, occurredAt: may15))
        at(may20)
        let q = try XCTUnwrap(try sales.opportunity(customer, name: "Deal Q")["id"] as? Int)
        expected.append(Entry(kind: "opportunity_stage_changed", id: q, occurredAt: may20))
        // A write that is no stage change adds no entry.
        try sales.expect(200, "PATCH", "/v1/opportunities/\(q)", json: ["amount": 5])
        at(may25)
        try sales.expect(200, "PATCH", "/v1/opportunities/\(p)", json: ["stage": "won"])
        expected.append(Entry(kind: "opportunity_stage_changed", id: p, occurredAt: may25))
        // Not shown: a deleted order and interaction, the other customer's records.
        let deletedOrder = try XCTUnwrap(try sales.order(customer, amount: 1, at: may15)["id"] as? Int)
        try sales.expect(204, "DELETE", "/v1/orders/\(deletedOrder)")
        let deletedInteraction = try XCTUnwrap(try sales.interaction(customer, at: may15)["id"] as? Int)
        try sales.expect(204, "DELETE", "/v1/interactions/\(deletedInteraction)")
        try sales.order(other, amount: 1, at: may15)
        try sales.interaction(other, at: may15)
        try sales.opportunity(other, name: "Not theirs")
        return (customer, expected)
    }

    func testMergesKindsNewestFirst() throws {
        let (customer, expected) = try buildTimeline()
        let body = try sales.expect(200, "GET", "/v1/customers/\(customer)/timeline?limit=200")
        XCTAssertEqual(body["has_more"] as? Bool, false)
        XCTAssertTrue(body["next_cursor"] == nil || body["next_cursor"] is NSNull)
        let full = entries(body["data"] as? [[String: Any]] ?? [])
        XCTAssertEqual(full.count, expected.count, "\(full)")
        XCTAssertEqual(Set(full), Set(expected))
        let times = full.map(\.occurredAt)
        XCTAssertEqual(times, times.sorted(by: >), "newest first")
        XCTAssertEqual(full.first, expected.last, "the latest stage change (won on May 25) comes first")
        XCTAssertEqual(full.last?.kind, "order")
        // The default page size holds them all too.
        XCTAssertEqual(entries(try sales.list("/v1/customers/\(customer)/timeline")), full)
        // Summaries say what happened.
        let data = body["data"] as? [[String: Any]] ?? []
        let won = try XCTUnwrap(data.first?["summary"] as? String)
        XCTAssertTrue(won.contains("won"), won)
        let interactionSummary = data.first { $0["kind"] as? String == "interaction" }?["summary"] as? String ?? ""
        XCTAssertTrue(interactionSummary.contains("About email"), interactionSummary)
    }

    func testPaginationCoversEveryEntryOnceAcrossKindsAndTies() throws {
        let (customer, expected) = try buildTimeline()
        let full = entries(try sales.list("/v1/customers/\(customer)/timeline", [("limit", "200")]))
        XCTAssertEqual(full.count, expected.count)
        for limit in [1, 2, 3, 4] {
            let walked = try sales.walk("/v1/customers/\(customer)/timeline", limit: limit)
            XCTAssertEqual(entries(walked.entries), full, "limit \(limit)")
            XCTAssertEqual(walked.pages, (full.count + limit - 1) / limit, "limit \(limit)")
        }
        // A cursor stays valid while new entries arrive, and newer ones do not show on later pages.
        let first = try sales.expect(200, "GET", "/v1/customers/\(customer)/timeline?limit=2")
        let cursor = try XCTUnwrap(first["next_cursor"] as? String)
        at("2026-05-30T00:00:00Z")
        try sales.order(customer, amount: 1, at: "2026-05-30T00:00:00Z")
        var rest: [[String: Any]] = []
        var next: String? = cursor
        while let current = next {
            let page = try sales.expect(
                200, "GET", "/v1/customers/\(customer)/timeline" + queryString([("limit", "2"), ("cursor", current)]))
            rest += page["data"] as? [[String: Any]] ?? []
            next = page["next_cursor"] as? String
        }
        XCTAssertEqual(entries((first["data"] as? [[String: Any]] ?? []) + rest), full)
    }

    func testUnknownCustomerAndBadParameters() throws {
        XCTAssertEqual(try sales.send("GET", "/v1/customers/999/timeline").status, 404)
        let gone = try sales.customer("Gone")
        try sales.expect(204, "DELETE", "/v1/customers/\(gone)")
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(gone)/timeline").status, 404)

        let (customer, _) = try buildTimeline()
        let empty = try sales.customer("Empty")
        let nothing = try sales.expect(200, "GET", "/v1/customers/\(empty)/timeline")
        XCTAssertEqual((nothing["data"] as? [Any])?.count, 0)
        XCTAssertEqual(nothing["has_more"] as? Bool, false)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(customer)/timeline?limit=0").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(customer)/timeline?limit=201").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(customer)/timeline?kind=order").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(customer)/timeline?cursor=abc").status, 400)
        // A cursor of one customer's timeline is refused on another's.
        let page = try sales.expect(200, "GET", "/v1/customers/\(customer)/timeline?limit=1")
        let cursor = try XCTUnwrap(page["next_cursor"] as? String)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(empty)/timeline" + queryString([("cursor", cursor)])).status, 400)
        // Every role reads it.
        for role in ["sales", "support", "marketing", "viewer"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            XCTAssertEqual(try client.send("GET", "/v1/customers/\(customer)/timeline").status, 200, role)
        }
    }
}
