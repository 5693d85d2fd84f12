import CRM
import Foundation
import XCTest

/// What tickets and feedback do to their customer (API.md §2, §3): `open_tickets`, `nps_last`,
/// `csat_avg` current in the same request, and timeline entries.
final class SupportCustomerTests: SupportTestCase {

    func openTickets(_ id: Int? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Int? {
        try api.metrics(id ?? customer, file: file, line: line)["open_tickets"] as? Int
    }

    func testOpenTicketsFollowsEveryStatusChange() throws {
        XCTAssertEqual(try openTickets(), 0)
        let first = try api.ticket(customer, "one").supportID
        XCTAssertEqual(try openTickets(), 1)
        let second = try api.ticket(customer, "two", ["status": "pending"]).supportID
        XCTAssertEqual(try openTickets(), 2)
        let third = try api.ticket(customer, "three", ["status": "on_hold"]).supportID
        XCTAssertEqual(try openTickets(), 3)

        try api.patchTicket(first, ["status": "solved"])
        XCTAssertEqual(try openTickets(), 2)
        try api.patchTicket(first, ["status": "open"])
        XCTAssertEqual(try openTickets(), 3)
        try api.patchTicket(first, ["status": "solved"])
        XCTAssertEqual(try openTickets(), 2)
        try api.patchTicket(first, ["status": "closed"])
        XCTAssertEqual(try openTickets(), 2)
        // Moves among the active statuses change nothing.
        try api.patchTicket(second, ["status": "open"])
        try api.patchTicket(third, ["status": "pending"])
        XCTAssertEqual(try openTickets(), 2)
        // Deleting an open ticket takes it out.
        XCTAssertEqual(try api.send("DELETE", "/v1/tickets/\(second)").status, 204)
        XCTAssertEqual(try openTickets(), 1)
        try api.patchTicket(third, ["status": "solved"])
        XCTAssertEqual(try openTickets(), 0)
    }

    func testOpenTicketsIsPerCustomerAndFollowsAMove() throws {
        let other = try api.customer("Other")
        let id = try api.ticket(customer).supportID
        try api.ticket(other)
        XCTAssertEqual(try openTickets(), 1)
        XCTAssertEqual(try openTickets(other), 1)
        try api.patchTicket(id, ["customer_id": other])
        XCTAssertEqual(try openTickets(), 0)
        XCTAssertEqual(try openTickets(other), 2)
    }

    func testNPSLastIsTheLatestNPSScore() throws {
        XCTAssertTrue(try api.metrics(customer).supportIsNull("nps_last"))
        try api.feedback(customer, kind: "nps", score: 3)
        XCTAssertEqual(try api.metrics(customer)["nps_last"] as? Int, 3)
        clock.advance(milliseconds: 60_000)
        try api.feedback(customer, kind: "nps", score: 10)
        XCTAssertEqual(try api.metrics(customer)["nps_last"] as? Int, 10)
        clock.advance(milliseconds: 60_000)
        let zero = try api.feedback(customer, kind: "nps", score: 0).supportID
        XCTAssertEqual(try api.metrics(customer)["nps_last"] as? Int, 0)
        // Other kinds do not touch it.
        clock.advance(milliseconds: 60_000)
        try api.feedback(customer, kind: "csat", score: 5)
        try api.feedback(customer, kind: "review", score: 1)
        XCTAssertEqual(try api.metrics(customer)["nps_last"] as? Int, 0)
        // Same millisecond: the later one wins.
        try api.feedback(customer, kind: "nps", score: 7)
        XCTAssertEqual(try api.metrics(customer)["nps_last"] as? Int, 7)
        // Another customer's NPS is theirs.
        let other = try api.customer("Other")
        try api.feedback(other, kind: "nps", score: 2)
        XCTAssertEqual(try api.metrics(customer)["nps_last"] as? Int, 7)
        XCTAssertEqual(try api.metrics(other)["nps_last"] as? Int, 2)
        // A PATCH of the score counts at once.
        let latest = try api.listIDs("/v1/feedback", [("customer_id", String(customer)), ("kind", "nps")]).last!
        try api.expect(200, "PATCH", "/v1/feedback/\(latest)", json: ["score": 8])
        XCTAssertEqual(try api.metrics(customer)["nps_last"] as? Int, 8)
        XCTAssertNotEqual(latest, zero)
    }

    func testCSATAverageOfCSATScores() throws {
        XCTAssertTrue(try api.metrics(customer).supportIsNull("csat_avg"))
        try api.feedback(customer, kind: "csat", score: 4)
        XCTAssertEqual(try api.metrics(customer)["csat_avg"] as? Double ?? -1, 4, accuracy: 1e-9)
        try api.feedback(customer, kind: "csat", score: 5)
        XCTAssertEqual(try api.metrics(customer)["csat_avg"] as? Double ?? -1, 4.5, accuracy: 1e-9)
        let low = try api.feedback(customer, kind: "csat", score: 1).supportID
        XCTAssertEqual(try api.metrics(customer)["csat_avg"] as? Double ?? -1, 10.0 / 3.0, accuracy: 1e-6)
        // Other kinds do not count.
        try api.feedback(customer, kind: "nps", score: 10)
        try api.feedback(customer, kind: "review", score: 1)
        try api.feedback(customer, kind: "ces", score: 7)
        XCTAssertEqual(try api.metrics(customer)["csat_avg"] as? Double ?? -1, 10.0 / 3.0, accuracy: 1e-6)
        // Deleting a CSAT response takes it out.
        XCTAssertEqual(try api.send("DELETE", "/v1/feedback/\(low)").status, 204)
        XCTAssertEqual(try api.metrics(customer)["csat_avg"] as? Double ?? -1, 4.5, accuracy: 1e-9)
    }

    func testTicketsAndFeedbackAppearInTheTimeline() throws {
        let ticket = try api.ticket(customer, "Broken zipper", ["priority": "high"]).supportID
        clock.advance(milliseconds: 60_000)
        let feedback = try api.feedback(customer, kind: "nps", score: 9, ["comment": "Nice support"]).supportID
        clock.advance(milliseconds: 60_000)
        let complaint = try api.feedback(customer, kind: "complaint", ["comment": "Slow"]).supportID
        let other = try api.customer("Other")
        try api.ticket(other, "Not theirs")
        try api.feedback(other, kind: "praise")

        let entries = try api.list("/v1/customers/\(customer)/timeline")
        XCTAssertEqual(entries.map { $0["kind"] as? String }, ["feedback", "feedback", "ticket"], "\(entries)")
        XCTAssertEqual(entries.map(\.supportID), [complaint, feedback, ticket])
        XCTAssertEqual(entries.last?["occurred_at"] as? String, SupportTime.startText)
        XCTAssertEqual(entries.first?["occurred_at"] as? String, SupportTime.text(SupportTime.start, minutes: 2))
        for entry in entries {
            XCTAssertEqual(Set(entry.keys), ["kind", "id", "occurred_at", "summary"])
            XCTAssertFalse((entry["summary"] as? String ?? "").isEmpty)
        }
        XCTAssertTrue((entries.last?["summary"] as? String ?? "").contains("Broken zipper"), "\(entries)")

        // Paginated like every list; deleted records leave it.
        let walked = try api.walk("/v1/customers/\(customer)/timeline", limit: 1)
        XCTAssertEqual(walked.entries.map(\.supportID), [complaint, feedback, ticket])
        XCTAssertEqual(try api.send("DELETE", "/v1/tickets/\(ticket)").status, 204)
        XCTAssertEqual(try api.list("/v1/customers/\(customer)/timeline").map(\.supportID), [complaint, feedback])
    }
}
