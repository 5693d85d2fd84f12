import CRM
import Foundation
import XCTest

/// `GET/POST /v1/tickets/{id}/comments` (API.md §2 "tickets"): shape, defaults, the first
/// public staff comment setting `first_response_at`, validation and pagination.
final class SupportCommentTests: SupportTestCase {

    func testCreateReturnsTheCommentWithDefaults() throws {
        let ticket = try api.ticket(customer).supportID
        clock.advance(milliseconds: 1_500)
        let reply = try api.send("POST", "/v1/tickets/\(ticket)/comments", json: ["author": "Alice Agent", "body": "Looking into it."])
        XCTAssertEqual(reply.status, 201, reply.text)
        let comment = try reply.json()
        XCTAssertEqual(Set(comment.keys), ["id", "ticket_id", "author", "author_type", "body", "public", "created_at"])
        XCTAssertGreaterThan(comment["id"] as? Int ?? 0, 0)
        XCTAssertEqual(comment["ticket_id"] as? Int, ticket)
        XCTAssertEqual(comment["author"] as? String, "Alice Agent")
        XCTAssertEqual(comment["author_type"] as? String, "staff")
        XCTAssertEqual(comment["body"] as? String, "Looking into it.")
        XCTAssertEqual(comment["public"] as? Bool, true)
        XCTAssertEqual(comment["created_at"] as? String, SupportTime.text(SupportTime.start, milliseconds: 1_500))

        let explicit = try api.comment(ticket, author: "Bob Buyer", ["author_type": "customer", "public": false], body: "Any news?")
        XCTAssertEqual(explicit["author_type"] as? String, "customer")
        XCTAssertEqual(explicit["public"] as? Bool, false)
        XCTAssertEqual(explicit["author"] as? String, "Bob Buyer")

        // Without an author (or with null), the writer is the calling key, by its name.
        let unsigned = try api.send("POST", "/v1/tickets/\(ticket)/comments", json: ["body": "Noted.", "author": NSNull()])
        XCTAssertEqual(unsigned.status, 201, unsigned.text)
        XCTAssertEqual(try unsigned.json()["author"] as? String, "bootstrap admin")
        let support = try SupportSession(server, key: try server.key(role: "support"))
        XCTAssertEqual(
            try support.expect(201, "POST", "/v1/tickets/\(ticket)/comments", json: ["body": "On it."])["author"] as? String, "support key")

        let listed = Array(try api.list("/v1/tickets/\(ticket)/comments").prefix(2))
        XCTAssertEqual(listed.count, 2)
        XCTAssertEqual(SupportSession.text(listed[0]), SupportSession.text(comment))
        XCTAssertEqual(SupportSession.text(listed[1]), SupportSession.text(explicit))
    }

    func testOnlyTheFirstPublicStaffCommentSetsFirstResponseAt() throws {
        let ticket = try api.ticket(customer, "who answers", ["priority": "urgent"]).supportID
        clock.advance(milliseconds: 60_000)
        try api.comment(ticket, author: "Customer", ["author_type": "customer"], body: "Hello?")
        XCTAssertTrue(try api.getTicket(ticket).supportIsNull("first_response_at"), "a customer comment is no response")
        clock.advance(milliseconds: 60_000)
        try api.comment(ticket, author: "Agent", ["public": false], body: "internal: check logs")
        XCTAssertTrue(try api.getTicket(ticket).supportIsNull("first_response_at"), "a private note is no response")
        clock.advance(milliseconds: 60_000)
        try api.comment(ticket, author: "Customer", ["author_type": "customer", "public": true], body: "Hello??")
        XCTAssertTrue(try api.getTicket(ticket).supportIsNull("first_response_at"))

        clock.advance(milliseconds: 60_007)
        let firstResponse = clock.now().rfc3339
        try api.comment(ticket, author: "Agent", body: "Fixed the logs")
        let answered = try api.getTicket(ticket)
        XCTAssertEqual(answered["first_response_at"] as? String, firstResponse)

        clock.advance(milliseconds: 60_000)
        try api.comment(ticket, author: "Other agent", ["author_type": "staff", "public": true], body: "Follow-up")
        try api.comment(ticket, author: "Agent", ["public": false], body: "note")
        XCTAssertEqual(try api.getTicket(ticket)["first_response_at"] as? String, firstResponse)
        XCTAssertEqual(try api.list("/v1/tickets/\(ticket)/comments").count, 6)
    }

    func testFirstResponseIsPerTicket() throws {
        let one = try api.ticket(customer, "one").supportID
        let two = try api.ticket(customer, "two").supportID
        clock.advance(milliseconds: 1_000)
        try api.comment(one)
        XCTAssertEqual(try api.getTicket(one)["first_response_at"] as? String, clock.now().rfc3339)
        XCTAssertTrue(try api.getTicket(two).supportIsNull("first_response_at"))
        XCTAssertEqual(try api.list("/v1/tickets/\(two)/comments").count, 0)
    }

    func testValidationIs422ListingEveryField() throws {
        let ticket = try api.ticket(customer).supportID
        let path = "/v1/tickets/\(ticket)/comments"
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "A"]), ["body"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "  ", "body": "x"]), ["author"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "A", "body": " \n "]), ["body"])
        XCTAssertEqual(Set(try api.refuse(422, "POST", path, json: [:] as [String: Any])), ["body"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": 7, "body": "x"]), ["author"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "A", "body": "x", "author_type": "agent"]), ["author_type"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "A", "body": "x", "author_type": NSNull()]), ["author_type"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "A", "body": "x", "public": "yes"]), ["public"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "A", "body": "x", "internal": true]), ["internal"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["author": "A", "body": "x", "ticket_id": ticket]), ["ticket_id"])
        XCTAssertEqual(
            try api.refuse(422, "POST", path, json: ["author": "A", "body": "x", "created_at": SupportTime.startText]), ["created_at"])
        XCTAssertEqual(
            Set(try api.refuse(422, "POST", path, json: ["author": "", "author_type": "bot", "color": "red", "public": 1])),
            ["author", "body", "author_type", "color", "public"])
        // Nothing was written, and the ticket has no first response.
        XCTAssertEqual(try api.list(path).count, 0)
        XCTAssertTrue(try api.getTicket(ticket).supportIsNull("first_response_at"))
        // Not JSON.
        let broken = try api.send("POST", path, json: "{\"author\":")
        XCTAssertEqual(broken.status, 400, broken.text)
    }

    func testUnknownOrDeletedTicketIs404() throws {
        try api.refuse(404, "POST", "/v1/tickets/987654/comments", json: ["author": "A", "body": "x"])
        try api.refuse(404, "GET", "/v1/tickets/987654/comments")
        let ticket = try api.ticket(customer).supportID
        try api.comment(ticket)
        XCTAssertEqual(try api.send("DELETE", "/v1/tickets/\(ticket)").status, 204)
        try api.refuse(404, "POST", "/v1/tickets/\(ticket)/comments", json: ["author": "A", "body": "x"])
        try api.refuse(404, "GET", "/v1/tickets/\(ticket)/comments")
    }

    func testListIsOldestFirstWithLimitAndCursor() throws {
        let ticket = try api.ticket(customer).supportID
        let other = try api.ticket(customer, "other").supportID
        var ids: [Int] = []
        for index in 0..<7 {
            clock.advance(milliseconds: 1_000)
            ids.append(try api.comment(ticket, body: "comment \(index)").supportID)
            if index % 2 == 0 { try api.comment(other, body: "elsewhere \(index)") }
        }
        let all = try api.list("/v1/tickets/\(ticket)/comments")
        XCTAssertEqual(all.map(\.supportID), ids)
        XCTAssertEqual(all.map { $0["body"] as? String }, (0..<7).map { "comment \($0)" })
        let walked = try api.walk("/v1/tickets/\(ticket)/comments", limit: 3)
        XCTAssertEqual(walked.entries.map(\.supportID), ids)
        XCTAssertEqual(walked.pages, 3)
        let exact = try api.walk("/v1/tickets/\(ticket)/comments", limit: 7)
        XCTAssertEqual(exact.entries.map(\.supportID), ids)
        XCTAssertEqual(exact.pages, 1)

        let first = try api.expect(200, "GET", "/v1/tickets/\(ticket)/comments?limit=1")
        XCTAssertEqual(first["has_more"] as? Bool, true)
        XCTAssertNotNil(first["next_cursor"] as? String)
        XCTAssertEqual(try api.send("GET", "/v1/tickets/\(ticket)/comments?limit=0").status, 400)
        XCTAssertEqual(try api.send("GET", "/v1/tickets/\(ticket)/comments?limit=201").status, 400)
        XCTAssertEqual(try api.send("GET", "/v1/tickets/\(ticket)/comments?cursor=garbage").status, 400)
        XCTAssertEqual(try api.send("GET", "/v1/tickets/\(ticket)/comments?sort=-id").status, 400)
        // A cursor of one ticket's comments is not valid for another's.
        let cursor = try XCTUnwrap(first["next_cursor"] as? String)
        XCTAssertEqual(try api.send("GET", "/v1/tickets/\(other)/comments" + SupportSession.query([("cursor", cursor)])).status, 400)
    }
}
