import CRM
import Foundation
import XCTest

/// Who may write tickets, comments and feedback (API.md §1 "Roles"): support writes tickets,
/// comments and feedback; marketing writes feedback only; sales and viewer only read them.
final class SupportRoleTests: SupportTestCase {
    var ticket = 0
    var feedback = 0
    private var admin: SupportSession { api }

    override func setUpWithError() throws {
        try super.setUpWithError()
        ticket = try admin.ticket(customer).supportID
        try admin.comment(ticket, author: "Admin", ["public": false], body: "seed note")
        feedback = try admin.feedback(customer, kind: "csat", score: 4).supportID
    }

    /// Everything stored, to show that refused writes changed nothing.
    func snapshot() throws -> String {
        let tickets = try admin.list("/v1/tickets", [("include_deleted", "true")])
        let comments = try admin.list("/v1/tickets/\(ticket)/comments")
        let feedback = try admin.list("/v1/feedback", [("include_deleted", "true")])
        return SupportSession.text(["tickets": tickets, "comments": comments, "feedback": feedback])
    }

    func assertReads(_ session: SupportSession, _ role: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try session.listIDs("/v1/tickets", file: file, line: line), [ticket], role, file: file, line: line)
        XCTAssertEqual(try session.getTicket(ticket, file: file, line: line).supportID, ticket, role, file: file, line: line)
        XCTAssertEqual(try session.list("/v1/tickets/\(ticket)/comments", file: file, line: line).count, 1, role, file: file, line: line)
        XCTAssertEqual(try session.listIDs("/v1/feedback", file: file, line: line), [feedback], role, file: file, line: line)
        try session.expect(200, "GET", "/v1/feedback/\(feedback)", file: file, line: line)
        try session.expect(200, "GET", "/v1/sla-policies", file: file, line: line)
        try session.expect(200, "GET", "/v1/customers/\(customer)/timeline", file: file, line: line)
    }

    func assertTicketWritesForbidden(_ session: SupportSession, _ role: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try snapshot()
        try session.refuse(403, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "x"], file: file, line: line)
        try session.refuse(403, "PATCH", "/v1/tickets/\(ticket)", json: ["assignee": "x"], file: file, line: line)
        try session.refuse(403, "PATCH", "/v1/tickets/\(ticket)", json: ["status": "solved"], file: file, line: line)
        try session.refuse(403, "DELETE", "/v1/tickets/\(ticket)", file: file, line: line)
        try session.refuse(403, "POST", "/v1/tickets/\(ticket)/comments", json: ["author": "x", "body": "y"], file: file, line: line)
        try session.refuse(403, "PUT", "/v1/sla-policies", json: [:] as [String: Any], file: file, line: line)
        XCTAssertEqual(try snapshot(), before, "\(role) changed something", file: file, line: line)
    }

    func assertFeedbackWritesForbidden(_ session: SupportSession, _ role: String, file: StaticString = #filePath, line: UInt = #line) throws
    {
        let before = try snapshot()
        try session.refuse(403, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": "praise"], file: file, line: line)
        try session.refuse(403, "PATCH", "/v1/feedback/\(feedback)", json: ["status": "acknowledged"], file: file, line: line)
        try session.refuse(403, "DELETE", "/v1/feedback/\(feedback)", file: file, line: line)
        XCTAssertEqual(try snapshot(), before, "\(role) changed something", file: file, line: line)
    }

    func testSalesReadsButMayNotWriteTicketsCommentsOrFeedback() throws {
        let sales = try SupportSession.role(server, "sales")
        try assertReads(sales, "sales")
        try assertTicketWritesForbidden(sales, "sales")
        try assertFeedbackWritesForbidden(sales, "sales")
    }

    func testViewerReadsOnly() throws {
        let viewer = try SupportSession.role(server, "viewer")
        try assertReads(viewer, "viewer")
        try assertTicketWritesForbidden(viewer, "viewer")
        try assertFeedbackWritesForbidden(viewer, "viewer")
    }

    func testMarketingWritesFeedbackButNotTickets() throws {
        let marketing = try SupportSession.role(server, "marketing")
        try assertReads(marketing, "marketing")
        try assertTicketWritesForbidden(marketing, "marketing")
        let created = try marketing.feedback(customer, kind: "nps", score: 8).supportID
        try marketing.expect(200, "PATCH", "/v1/feedback/\(created)", json: ["status": "acknowledged"])
        try marketing.expect(204, "DELETE", "/v1/feedback/\(created)")
    }

    func testSupportWritesTicketsCommentsAndFeedback() throws {
        let support = try SupportSession.role(server, "support")
        try assertReads(support, "support")
        let created = try support.ticket(customer, "from support", ["priority": "high"]).supportID
        try support.patchTicket(created, ["assignee": "sam", "status": "open"])
        let comment = try support.comment(created, author: "Sam")
        XCTAssertEqual(comment["ticket_id"] as? Int, created)
        XCTAssertNotNil(try support.getTicket(created)["first_response_at"] as? String)
        try support.patchTicket(created, ["status": "solved"])
        try support.patchTicket(created, ["status": "closed"])
        try support.expect(204, "DELETE", "/v1/tickets/\(ticket)")

        let response = try support.feedback(customer, kind: "csat", score: 5, ["ticket_id": created]).supportID
        try support.expect(200, "PATCH", "/v1/feedback/\(response)", json: ["status": "actioned"])
        try support.expect(204, "DELETE", "/v1/feedback/\(response)")
        // But not the SLA policies.
        try support.refuse(403, "PUT", "/v1/sla-policies", json: [:] as [String: Any])
    }

    func testMissingKeyIs401() throws {
        let client = try server.client()
        for (method, path) in [
            ("GET", "/v1/tickets"), ("POST", "/v1/tickets"), ("GET", "/v1/tickets/\(ticket)/comments"), ("GET", "/v1/feedback"),
            ("GET", "/v1/sla-policies"),
        ] {
            let reply = try client.request(method, path, body: method == "POST" ? "{}" : nil)
            XCTAssertEqual(reply.status, 401, "\(method) \(path)")
        }
    }
}
