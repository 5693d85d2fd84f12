import CRM
import Foundation
import XCTest

/// Customer order metrics and lifecycle stage, kept current by order, interaction and
/// opportunity writes, and by the scoring job as time passes (API.md §2 customers `metrics`, §3).
/// "Now" is fixed at 2026-06-01T00:00:00Z.
final class SalesMetricsTests: SalesTestCase {

    private func assertMetrics(
        _ customer: Int, count: Int, total: Int, first: String?, last: String?, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let metrics = try sales.metrics(customer, file: file, line: line)
        XCTAssertEqual(metrics["order_count"] as? Int, count, "order_count", file: file, line: line)
        XCTAssertEqual(metrics["total_spent"] as? Int, total, "total_spent", file: file, line: line)
        XCTAssertEqual(metrics["currency"] as? String, "CNY", file: file, line: line)
        XCTAssertEqual(metrics["first_order_at"] as? String, first, "first_order_at", file: file, line: line)
        XCTAssertEqual(metrics["last_order_at"] as? String, last, "last_order_at", file: file, line: line)
        if first == nil { XCTAssertTrue(metrics["first_order_at"] is NSNull, file: file, line: line) }
        if last == nil { XCTAssertTrue(metrics["last_order_at"] is NSNull, file: file, line: line) }
    }

    // MARK: - Metrics

    func testOrderMetricsFollowCreateUpdateRefundCancelAndDelete() throws {
        let customer = try sales.customer("Metered")
        try assertMetrics(customer, count: 0, total: 0, first: nil, last: nil)

        let t1 = "2026-05-10T08:00:00.000Z", t0 = "2026-04-01T12:30:00.000Z", t2 = "2026-05-20T00:00:00.000Z"
        let first = try XCTUnwrap(try sales.order(customer, amount: 10000, at: t1)["id"] as? Int)
        try assertMetrics(customer, count: 1, total: 10000, first: t1, last: t1)
        let earlier = try XCTUnwrap(try sales.order(customer, amount: 5000, at: "2026-04-01T20:30:00+08:00")["id"] as? Int)
        try assertMetrics(customer, count: 2, total: 15000, first: t0, last: t1)

        // Amount change.
        try sales.expect(200, "PATCH", "/v1/orders/\(first)", json: ["amount": 12000])
        try assertMetrics(customer, count: 2, total: 17000, first: t0, last: t1)
        // A cancelled order never counts.
        let cancelled = try XCTUnwrap(try sales.order(customer, amount: 99999, at: t2, ["status": "cancelled"])["id"] as? Int)
        try assertMetrics(customer, count: 2, total: 17000, first: t0, last: t1)
        // A refunded order neither.
        try sales.order(customer, amount: 77777, at: "2026-03-01T00:00:00Z", ["status": "refunded"])
        try assertMetrics(customer, count: 2, total: 17000, first: t0, last: t1)
        // Refunding the latest paid order drops it.
        try sales.expect(200, "PATCH", "/v1/orders/\(first)", json: ["status": "refunded"])
        try assertMetrics(customer, count: 1, total: 5000, first: t0, last: t0)
        // Moving the cancelled order to paid counts it.
        try sales.expect(200, "PATCH", "/v1/orders/\(cancelled)", json: ["status": "paid"])
        try assertMetrics(customer, count: 2, total: 104999, first: t0, last: t2)
        // Changing ordered_at moves first/last.
        try sales.expect(200, "PATCH", "/v1/orders/\(cancelled)", json: ["ordered_at": "2026-03-15T00:00:00Z"])
        try assertMetrics(customer, count: 2, total: 104999, first: "2026-03-15T00:00:00.000Z", last: t0)
        try sales.expect(200, "PATCH", "/v1/orders/\(cancelled)", json: ["status": "cancelled"])
        try assertMetrics(customer, count: 1, total: 5000, first: t0, last: t0)
        // Deleting the last paid order empties the metrics.
        try sales.expect(204, "DELETE", "/v1/orders/\(earlier)")
        try assertMetrics(customer, count: 0, total: 0, first: nil, last: nil)
        XCTAssertEqual(try sales.lifecycle(customer), "lead")
    }

    func testMovingAnOrderToAnotherCustomerRefreshesBoth() throws {
        let from = try sales.customer("From")
        let to = try sales.customer("To")
        let id = try XCTUnwrap(try sales.order(from, amount: 700, at: "2026-05-01T00:00:00Z")["id"] as? Int)
        try sales.order(to, amount: 300, at: "2026-04-01T00:00:00Z")
        try sales.expect(200, "PATCH", "/v1/orders/\(id)", json: ["customer_id": to])
        try assertMetrics(from, count: 0, total: 0, first: nil, last: nil)
        try assertMetrics(to, count: 2, total: 1000, first: "2026-04-01T00:00:00.000Z", last: "2026-05-01T00:00:00.000Z")
        XCTAssertEqual(try sales.lifecycle(from), "lead")
        XCTAssertEqual(try sales.lifecycle(to), "repeat")
    }

    func testLastInteractionAt() throws {
        let customer = try sales.customer("Chatty")
        XCTAssertTrue(try sales.metrics(customer)["last_interaction_at"] is NSNull)
        let a = try XCTUnwrap(try sales.interaction(customer, at: "2026-05-10T00:00:00Z")["id"] as? Int)
        XCTAssertEqual(try sales.metrics(customer)["last_interaction_at"] as? String, "2026-05-10T00:00:00.000Z")
        let b = try XCTUnwrap(try sales.interaction(customer, channel: "email", at: "2026-05-20T10:00:00+02:00")["id"] as? Int)
        XCTAssertEqual(try sales.metrics(customer)["last_interaction_at"] as? String, "2026-05-20T08:00:00.000Z")
        // An older interaction does not move it back.
        try sales.interaction(customer, at: "2026-01-01T00:00:00Z")
        XCTAssertEqual(try sales.metrics(customer)["last_interaction_at"] as? String, "2026-05-20T08:00:00.000Z")
        try sales.expect(200, "PATCH", "/v1/interactions/\(a)", json: ["occurred_at": "2026-05-25T00:00:00Z"])
        XCTAssertEqual(try sales.metrics(customer)["last_interaction_at"] as? String, "2026-05-25T00:00:00.000Z")
        try sales.expect(204, "DELETE", "/v1/interactions/\(a)")
        XCTAssertEqual(try sales.metrics(customer)["last_interaction_at"] as? String, "2026-05-20T08:00:00.000Z")
        try sales.expect(204, "DELETE", "/v1/interactions/\(b)")
        XCTAssertEqual(try sales.metrics(customer)["last_interaction_at"] as? String, "2026-01-01T00:00:00.000Z")
        // Interactions do not count as orders.
        try assertMetrics(customer, count: 0, total: 0, first: nil, last: nil)
        XCTAssertEqual(try sales.lifecycle(customer), "lead")
    }

    // MARK: - Lifecycle

    func testLeadProspectCustomerRepeatLoyal() throws {
        let customer = try sales.customer("Journey")
        XCTAssertEqual(try sales.lifecycle(customer), "lead")
        // An open opportunity makes a prospect; once it is lost, a lead again; reopened, a prospect.
        let opportunity = try XCTUnwrap(try sales.opportunity(customer, name: "First deal")["id"] as? Int)
        XCTAssertEqual(try sales.lifecycle(customer), "prospect")
        try sales.expect(200, "PATCH", "/v1/opportunities/\(opportunity)", json: ["stage": "lost", "lost_reason": "budget"])
        XCTAssertEqual(try sales.lifecycle(customer), "lead")
        try sales.expect(200, "PATCH", "/v1/opportunities/\(opportunity)", json: ["reopen": true])
        XCTAssertEqual(try sales.lifecycle(customer), "prospect")

        // A refunded order is not an order.
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 30), ["status": "refunded"])
        XCTAssertEqual(try sales.lifecycle(customer), "prospect")
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 30))
        XCTAssertEqual(try sales.lifecycle(customer), "customer")
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 400))
        XCTAssertEqual(try sales.lifecycle(customer), "repeat")
        // Four paid orders in the last 365 days (the one 400 days ago is outside): still repeat.
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 200))
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 20))
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 20), ["status": "cancelled"])
        let fourth = try XCTUnwrap(try sales.order(customer, amount: 100, at: SalesTime.ago(days: 10))["id"] as? Int)
        XCTAssertEqual(try sales.lifecycle(customer), "repeat")
        // The fifth makes a loyal customer, visible right after the order POST.
        let fifth = try XCTUnwrap(try sales.order(customer, amount: 100, at: SalesTime.ago(days: 5))["id"] as? Int)
        XCTAssertEqual(try sales.lifecycle(customer), "loyal")
        // Refunding one of them drops back to repeat; deleting another too.
        try sales.expect(200, "PATCH", "/v1/orders/\(fifth)", json: ["status": "refunded"])
        XCTAssertEqual(try sales.lifecycle(customer), "repeat")
        try sales.expect(200, "PATCH", "/v1/orders/\(fifth)", json: ["status": "paid"])
        XCTAssertEqual(try sales.lifecycle(customer), "loyal")
        try sales.expect(204, "DELETE", "/v1/orders/\(fourth)")
        XCTAssertEqual(try sales.lifecycle(customer), "repeat")
    }

    func testDeletingOrMovingTheOpenOpportunityEndsTheProspect() throws {
        let customer = try sales.customer("Prospect")
        let other = try sales.customer("Next prospect")
        let first = try XCTUnwrap(try sales.opportunity(customer, name: "One")["id"] as? Int)
        let second = try XCTUnwrap(try sales.opportunity(customer, name: "Two")["id"] as? Int)
        XCTAssertEqual(try sales.lifecycle(customer), "prospect")
        try sales.expect(204, "DELETE", "/v1/opportunities/\(first)")
        XCTAssertEqual(try sales.lifecycle(customer), "prospect")
        try sales.expect(200, "PATCH", "/v1/opportunities/\(second)", json: ["customer_id": other])
        XCTAssertEqual(try sales.lifecycle(customer), "lead")
        XCTAssertEqual(try sales.lifecycle(other), "prospect")
        try sales.expect(200, "PATCH", "/v1/opportunities/\(second)", json: ["stage": "won"])
        XCTAssertEqual(try sales.lifecycle(other), "lead")
    }

    func testFiveOrdersOnlyCountWithin365Days() throws {
        let customer = try sales.customer("Edge of year")
        // 366 days ago is outside the last 365 days; 364 days ago is inside.
        let oldest = try XCTUnwrap(try sales.order(customer, amount: 1, at: SalesTime.ago(days: 366))["id"] as? Int)
        for days in [1.0, 2, 3, 4] { try sales.order(customer, amount: 1, at: SalesTime.ago(days: days)) }
        XCTAssertEqual(try sales.lifecycle(customer), "repeat")
        try sales.expect(200, "PATCH", "/v1/orders/\(oldest)", json: ["ordered_at": SalesTime.ago(days: 364)])
        XCTAssertEqual(try sales.lifecycle(customer), "loyal")
    }

    func testAtRiskAfterNinetyDaysAndChurnedAfterOneEighty() throws {
        let customer = try sales.customer("Fading")
        // Exactly 90 days old: not at risk, in the response to the order's write.
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 90))
        XCTAssertEqual(try sales.lifecycle(customer), "customer")
        try server.application.recomputeScores()
        XCTAssertEqual(try sales.lifecycle(customer), "customer")
        // One millisecond later, the scoring job moves it.
        clock.advance(milliseconds: 1)
        try server.application.recomputeScores()
        XCTAssertEqual(try sales.lifecycle(customer), "at_risk")
        // 180 days exactly: still at risk; one millisecond more: churned.
        clock.set(SalesTime.now.adding(days: 90))
        try server.application.recomputeScores()
        XCTAssertEqual(try sales.lifecycle(customer), "at_risk")
        clock.advance(milliseconds: 1)
        try server.application.recomputeScores()
        XCTAssertEqual(try sales.lifecycle(customer), "churned")
        // A new paid order brings it back at once.
        try sales.order(customer, amount: 100, at: clock.now().rfc3339)
        XCTAssertEqual(try sales.lifecycle(customer), "repeat")
    }

    func testTimeDrivenMovesAlsoHappenOnAWriteOfTheCustomer() throws {
        let customer = try sales.customer("Written")
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 90))
        try sales.order(customer, amount: 100, at: SalesTime.ago(days: 95))
        XCTAssertEqual(try sales.lifecycle(customer), "repeat")
        clock.advance(milliseconds: 1)
        // An interaction refreshes the customer's derived fields, with the current time.
        try sales.interaction(customer, at: clock.now().rfc3339)
        XCTAssertEqual(try sales.lifecycle(customer), "at_risk")
        clock.set(SalesTime.now.adding(days: 90).adding(milliseconds: 1))
        try sales.interaction(customer, at: clock.now().rfc3339)
        XCTAssertEqual(try sales.lifecycle(customer), "churned")
    }

    func testOrderWritesDecideAtRiskAndChurnedImmediately() throws {
        let atRisk = try sales.customer("At risk")
        let order = try XCTUnwrap(try sales.order(atRisk, amount: 100, at: SalesTime.ago(days: 90, milliseconds: 1))["id"] as? Int)
        XCTAssertEqual(try sales.lifecycle(atRisk), "at_risk")
        try sales.expect(200, "PATCH", "/v1/orders/\(order)", json: ["ordered_at": SalesTime.ago(days: 180)])
        XCTAssertEqual(try sales.lifecycle(atRisk), "at_risk")
        try sales.expect(200, "PATCH", "/v1/orders/\(order)", json: ["ordered_at": SalesTime.ago(days: 180, milliseconds: 1)])
        XCTAssertEqual(try sales.lifecycle(atRisk), "churned")
        // Churned and at_risk win over loyal: five paid orders in the year, the last 100 days old.
        let faded = try sales.customer("Faded loyal")
        for days in [100.0, 120, 140, 160, 180] { try sales.order(faded, amount: 1, at: SalesTime.ago(days: days)) }
        XCTAssertEqual(try sales.lifecycle(faded), "at_risk")
        // A refunded recent order does not rescue it.
        try sales.order(faded, amount: 1, at: SalesTime.ago(days: 1), ["status": "refunded"])
        XCTAssertEqual(try sales.lifecycle(faded), "at_risk")
        // An open opportunity does not make an ex-customer a prospect.
        try sales.opportunity(atRisk, name: "Win back")
        XCTAssertEqual(try sales.lifecycle(atRisk), "churned")
    }
}
