import CRM
import Foundation
import XCTest

/// The §1 conventions as the support resources meet them: idempotent POSTs (comments too),
/// versions and ETags moved by a first response, cursors of the `sla_breached` list, 405s.
final class SupportConventionTests: SupportTestCase {

    func testIdempotentCommentIsWrittenOnce() throws {
        let ticket = try api.ticket(customer).supportID
        let path = "/v1/tickets/\(ticket)/comments"
        let body: [String: Any] = ["author": "Agent", "body": "Hello"]
        let first = try api.send("POST", path, json: body, headers: [("Idempotency-Key", "comment-1")])
        XCTAssertEqual(first.status, 201, first.text)
        let firstResponse = try api.getTicket(ticket)["first_response_at"] as? String
        clock.advance(milliseconds: 5_000)
        let replay = try api.send("POST", path, json: body, headers: [("Idempotency-Key", "comment-1")])
        XCTAssertEqual(replay.status, 201, replay.text)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(replay.text, first.text)
        XCTAssertEqual(try api.list(path).count, 1)
        XCTAssertEqual(try api.getTicket(ticket)["first_response_at"] as? String, firstResponse)
        let different = try api.send("POST", path, json: ["author": "Agent", "body": "Other"], headers: [("Idempotency-Key", "comment-1")])
        XCTAssertEqual(different.status, 422, different.text)
        XCTAssertEqual(try api.list(path).count, 1)
    }

    func testIdempotentTicketAndFeedbackCreates() throws {
        let ticketBody: [String: Any] = ["customer_id": customer, "subject": "Once"]
        let first = try api.send("POST", "/v1/tickets", json: ticketBody, headers: [("Idempotency-Key", "ticket-1")])
        XCTAssertEqual(first.status, 201, first.text)
        let replay = try api.send("POST", "/v1/tickets", json: ticketBody, headers: [("Idempotency-Key", "ticket-1")])
        XCTAssertEqual(replay.status, 201)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(try replay.json()["id"] as? Int, try first.json()["id"] as? Int)
        XCTAssertEqual(try api.listIDs("/v1/tickets").count, 1)
        XCTAssertEqual(try api.metrics(customer)["open_tickets"] as? Int, 1)

        let feedbackBody: [String: Any] = ["customer_id": customer, "kind": "csat", "score": 2]
        let created = try api.send("POST", "/v1/feedback", json: feedbackBody, headers: [("Idempotency-Key", "fb-1")])
        XCTAssertEqual(created.status, 201, created.text)
        let again = try api.send("POST", "/v1/feedback", json: feedbackBody, headers: [("Idempotency-Key", "fb-1")])
        XCTAssertEqual(again.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(try api.listIDs("/v1/feedback").count, 1)
    }

    func testFirstResponseBumpsTheTicketVersionAndETag() throws {
        let ticket = try api.ticket(customer).supportID
        let before = try api.send("GET", "/v1/tickets/\(ticket)")
        XCTAssertEqual(before.header("ETag"), "\"1\"")
        clock.advance(milliseconds: 1_000)
        try api.comment(ticket)
        // The ticket changed (first_response_at), so a cached copy is stale.
        let conditional = try api.send("GET", "/v1/tickets/\(ticket)", headers: [("If-None-Match", "\"1\"")])
        XCTAssertEqual(conditional.status, 200, conditional.text)
        XCTAssertEqual(conditional.header("ETag"), "\"2\"")
        let after = try conditional.json()
        XCTAssertEqual(after["version"] as? Int, 2)
        XCTAssertEqual(after["first_response_at"] as? String, clock.now().rfc3339)
        XCTAssertEqual(after["updated_at"] as? String, clock.now().rfc3339)
        // A PATCH with the old version is refused.
        let stale = try api.send("PATCH", "/v1/tickets/\(ticket)", json: ["assignee": "x"], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(stale.status, 412, stale.text)
        // Comments that do not set the first response leave the ticket alone.
        try api.comment(ticket, ["public": false])
        try api.comment(ticket, author: "Customer", ["author_type": "customer"])
        try api.comment(ticket)
        XCTAssertEqual(try api.getTicket(ticket)["version"] as? Int, 2)
    }

    func testSLABreachedListPaginatesAndBindsItsCursor() throws {
        var breached: [Int] = []
        for index in 0..<5 { breached.append(try api.ticket(customer, "urgent \(index)", ["priority": "urgent"]).supportID) }
        let fine = try api.ticket(customer, "low", ["priority": "low"]).supportID
        clock.set(SupportTime.start.adding(milliseconds: 61 * SupportTime.minute))
        var seen: [Int] = []
        var cursor: String?
        var pages = 0
        repeat {
            var query = [("sla_breached", "true"), ("limit", "2")]
            if let cursor { query.append(("cursor", cursor)) }
            let body = try api.expect(200, "GET", "/v1/tickets" + SupportSession.query(query))
            seen += (body["data"] as? [[String: Any]] ?? []).map(\.supportID)
            cursor = body["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        XCTAssertEqual(seen, breached)
        XCTAssertEqual(pages, 3)

        let first = try api.expect(200, "GET", "/v1/tickets?sla_breached=true&limit=2")
        let next = try XCTUnwrap(first["next_cursor"] as? String)
        let swapped = try api.send(
            "GET", "/v1/tickets" + SupportSession.query([("sla_breached", "false"), ("limit", "2"), ("cursor", next)]))
        XCTAssertEqual(swapped.status, 400, swapped.text)
        let dropped = try api.send("GET", "/v1/tickets" + SupportSession.query([("limit", "2"), ("cursor", next)]))
        XCTAssertEqual(dropped.status, 400, dropped.text)
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("sla_breached", "false")]), [fine])
        XCTAssertEqual(try api.send("GET", "/v1/tickets?sla_breached=true&sla_breached=false").status, 400)
    }

    func testPriorityNullIs422() throws {
        let id = try api.ticket(customer, "x", ["priority": "high"]).supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tickets/\(id)", json: ["priority": NSNull()]), ["priority"])
        XCTAssertEqual(try api.getTicket(id)["priority"] as? String, "high")
    }

    func testWrongMethodsAre405WithAllow() throws {
        let ticket = try api.ticket(customer).supportID
        for (method, path) in [
            ("PUT", "/v1/tickets/\(ticket)"), ("DELETE", "/v1/sla-policies"), ("PATCH", "/v1/tickets/\(ticket)/comments"),
        ] {
            let reply = try api.send(method, path, json: [:] as [String: Any])
            XCTAssertEqual(reply.status, 405, "\(method) \(path): \(reply.text)")
            XCTAssertNotNil(reply.header("Allow"), "\(method) \(path)")
        }
    }
}
