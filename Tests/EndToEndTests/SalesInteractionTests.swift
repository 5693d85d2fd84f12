import CRM
import Foundation
import XCTest

/// `/v1/interactions`: the five endpoints, enums, references, roles (API.md §2 "interactions").
final class SalesInteractionTests: SalesTestCase {

    func testCreateGetListPatchDelete() throws {
        let customer = try sales.customer("Talker")
        let other = try sales.customer("Other")
        let opportunity = try XCTUnwrap(try sales.opportunity(customer, name: "Deal")["id"] as? Int)
        let created = try sales.send(
            "POST", "/v1/interactions",
            json: [
                "customer_id": customer, "channel": "meeting", "direction": "outbound", "subject": "Kick-off", "body": "Met the team.",
                "occurred_at": "2026-05-20T09:30:00+02:00", "duration_seconds": 3600, "owner": "li", "opportunity_id": opportunity,
            ])
        XCTAssertEqual(created.status, 201, created.text)
        let interaction = try created.json()
        let id = try XCTUnwrap(interaction["id"] as? Int)
        XCTAssertEqual(created.header("ETag"), "\"1\"")
        XCTAssertEqual(created.header("Location"), "/v1/interactions/\(id)")
        XCTAssertEqual(interaction["channel"] as? String, "meeting")
        XCTAssertEqual(interaction["direction"] as? String, "outbound")
        XCTAssertEqual(interaction["subject"] as? String, "Kick-off")
        XCTAssertEqual(interaction["body"] as? String, "Met the team.")
        XCTAssertEqual(interaction["occurred_at"] as? String, "2026-05-20T07:30:00.000Z")
        XCTAssertEqual(interaction["duration_seconds"] as? Int, 3600)
        XCTAssertEqual(interaction["owner"] as? String, "li")
        XCTAssertEqual(interaction["opportunity_id"] as? Int, opportunity)
        XCTAssertTrue(interaction["ticket_id"] is NSNull)
        XCTAssertEqual(interaction["version"] as? Int, 1)

        let fetched = try sales.send("GET", "/v1/interactions/\(id)")
        XCTAssertEqual(fetched.status, 200)
        XCTAssertEqual(fetched.header("ETag"), "\"1\"")
        XCTAssertEqual(canonicalJSON(try fetched.json()), canonicalJSON(interaction))

        let second = try XCTUnwrap(
            try sales.interaction(other, channel: "email", at: "2026-05-21T00:00:00Z", ["direction": "inbound"])["id"] as? Int)
        let third = try XCTUnwrap(try sales.interaction(customer, channel: "sms", at: "2026-05-19T00:00:00Z")["id"] as? Int)
        XCTAssertEqual(try sales.list("/v1/interactions").salesIDs, [id, second, third])
        XCTAssertEqual(try sales.list("/v1/interactions", [("customer_id", "\(customer)")]).salesIDs, [id, third])
        XCTAssertEqual(try sales.list("/v1/interactions", [("channel", "email,sms")]).salesIDs, [second, third])
        XCTAssertEqual(try sales.list("/v1/interactions", [("sort", "-occurred_at")]).salesIDs, [second, id, third])

        let patched = try sales.send(
            "PATCH", "/v1/interactions/\(id)", json: ["subject": "Kick-off 2", "opportunity_id": NSNull()], headers: [("If-Match", "\"1\"")]
        )
        XCTAssertEqual(patched.status, 200, patched.text)
        let after = try patched.json()
        XCTAssertEqual(after["subject"] as? String, "Kick-off 2")
        XCTAssertTrue(after["opportunity_id"] is NSNull)
        XCTAssertEqual(after["channel"] as? String, "meeting")
        XCTAssertEqual(after["version"] as? Int, 2)
        XCTAssertEqual(patched.header("ETag"), "\"2\"")

        try sales.expect(204, "DELETE", "/v1/interactions/\(id)")
        XCTAssertEqual(try sales.send("GET", "/v1/interactions/\(id)").status, 404)
        XCTAssertEqual(try sales.list("/v1/interactions").salesIDs, [second, third])
    }

    func testValidation() throws {
        let customer = try sales.customer("Validated")
        let valid: [String: Any] = ["customer_id": customer, "channel": "call", "occurred_at": "2026-05-01T00:00:00Z"]
        func check(_ changes: [String: Any], _ fields: Set<String>, line: UInt = #line) throws {
            var body = valid
            for (key, value) in changes { body[key] = value }
            let reply = try sales.send("POST", "/v1/interactions", json: body)
            XCTAssertEqual(reply.status, 422, "\(changes): \(reply.text)", line: line)
            XCTAssertEqual(Set(reply.problemFields), fields, "\(changes): \(reply.text)", line: line)
        }
        let missing = try sales.send("POST", "/v1/interactions", json: [String: Any]())
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual(Set(missing.problemFields), ["customer_id", "channel", "occurred_at"])
        try check(["channel": "fax"], ["channel"])
        try check(["channel": "CALL"], ["channel"])
        try check(["direction": "sideways"], ["direction"])
        try check(["occurred_at": "soon"], ["occurred_at"])
        try check(["duration_seconds": -1], ["duration_seconds"])
        try check(["customer_id": 4242], ["customer_id"])
        try check(["opportunity_id": 4242], ["opportunity_id"])
        try check(["ticket_id": 4242], ["ticket_id"])
        try check(["opportunity_id": 4242, "ticket_id": 4243, "customer_id": 4244], ["customer_id", "opportunity_id", "ticket_id"])
        try check(["channel": "fax", "direction": "up", "duration_seconds": -5], ["channel", "direction", "duration_seconds"])
        try check(["created_at": "2026-01-01T00:00:00Z"], ["created_at"])
        for channel in InteractionSchema.channels {
            XCTAssertEqual(try sales.interaction(customer, channel: channel, at: "2026-05-01T00:00:00Z")["channel"] as? String, channel)
        }
        for direction in ["inbound", "outbound"] {
            XCTAssertEqual(
                try sales.interaction(customer, at: "2026-05-01T00:00:00Z", ["direction": direction])["direction"] as? String, direction)
        }
        // A deleted opportunity is not a valid reference either.
        let opportunity = try XCTUnwrap(try sales.opportunity(customer, name: "Soon gone")["id"] as? Int)
        try sales.expect(204, "DELETE", "/v1/opportunities/\(opportunity)")
        try check(["opportunity_id": opportunity], ["opportunity_id"])
        XCTAssertEqual(try sales.list("/v1/interactions").count, InteractionSchema.channels.count + 2)
    }

    func testTicketReferenceIsAccepted() throws {
        let customer = try sales.customer("Ticketed")
        let ticket = try sales.send("POST", "/v1/tickets", json: ["customer_id": customer, "subject": "Broken"])
        guard ticket.status == 201 else { throw XCTSkip("tickets are not available: \(ticket.status)") }
        let ticketID = try XCTUnwrap(try ticket.json()["id"] as? Int)
        XCTAssertEqual(try sales.interaction(customer, at: "2026-05-01T00:00:00Z", ["ticket_id": ticketID])["ticket_id"] as? Int, ticketID)
    }

    func testLinksMustBeTheSameCustomers() throws {
        let customer = try sales.customer("Caller")
        let other = try sales.customer("Someone else")
        let ticket = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/tickets", json: ["customer_id": other, "subject": "Theirs"])["id"] as? Int)
        let deal = try XCTUnwrap(try sales.opportunity(other, name: "Their deal")["id"] as? Int)
        let body: [String: Any] = [
            "customer_id": customer, "channel": "call", "occurred_at": "2026-05-01T00:00:00Z", "ticket_id": ticket, "opportunity_id": deal,
        ]
        let refused = try sales.send("POST", "/v1/interactions", json: body)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(Set(refused.problemFields), ["ticket_id", "opportunity_id"])
        XCTAssertEqual(try sales.list("/v1/interactions").count, 0)

        // Moving a linked interaction to another customer is refused the same way; a further
        // link to its own customer's record is fine.
        let own = try XCTUnwrap(try sales.interaction(other, at: "2026-05-01T00:00:00Z", ["ticket_id": ticket])["id"] as? Int)
        let moved = try sales.send("PATCH", "/v1/interactions/\(own)", json: ["customer_id": customer])
        XCTAssertEqual(moved.status, 422, moved.text)
        XCTAssertEqual(moved.problemFields, ["ticket_id"])
        try sales.expect(200, "PATCH", "/v1/interactions/\(own)", json: ["opportunity_id": deal])
    }

    func testALinkedTicketOrOpportunityDoesNotMoveToAnotherCustomerAlone() throws {
        let customer = try sales.customer("Linked")
        let other = try sales.customer("Elsewhere")
        let ticket = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "Ours"])["id"] as? Int)
        let deal = try XCTUnwrap(try sales.opportunity(customer, name: "Our deal")["id"] as? Int)
        let call = try XCTUnwrap(try sales.interaction(customer, at: "2026-05-01T00:00:00Z", ["opportunity_id": deal])["id"] as? Int)
        try sales.expect(201, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": "complaint", "ticket_id": ticket])

        // Either move would leave the call or the complaint linking to another customer's record.
        for path in ["/v1/tickets/\(ticket)", "/v1/opportunities/\(deal)"] {
            let refused = try sales.send("PATCH", path, json: ["customer_id": other])
            XCTAssertEqual(refused.status, 409, refused.text)
            XCTAssertEqual(refused.problemFields, ["customer_id"], path)
            XCTAssertEqual(try sales.expect(200, "GET", path)["customer_id"] as? Int, customer, path)
            XCTAssertEqual(try sales.expect(200, "GET", path)["version"] as? Int, 1, path)
        }
        // A change that keeps the customer is not a move; once unlinked, the opportunity moves.
        try sales.expect(200, "PATCH", "/v1/tickets/\(ticket)", json: ["customer_id": customer, "subject": "Still ours"])
        try sales.expect(200, "PATCH", "/v1/interactions/\(call)", json: ["opportunity_id": NSNull()])
        XCTAssertEqual(
            try sales.expect(200, "PATCH", "/v1/opportunities/\(deal)", json: ["customer_id": other])["customer_id"] as? Int, other)

        // A merge moves both sides together.
        let merged = try sales.send("POST", "/v1/customers/\(other)/merge", json: ["from": [customer]])
        XCTAssertEqual(merged.status, 200, merged.text)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/tickets/\(ticket)")["customer_id"] as? Int, other)
        let complaints = try sales.list("/v1/feedback?ticket_id=\(ticket)")
        XCTAssertEqual(complaints.compactMap { $0["customer_id"] as? Int }, [other])
    }

    func testRoles() throws {
        let customer = try sales.customer("Roles")
        let existing = try XCTUnwrap(try sales.interaction(customer, at: "2026-05-01T00:00:00Z")["id"] as? Int)
        let body: [String: Any] = ["customer_id": customer, "channel": "chat", "occurred_at": "2026-05-02T00:00:00Z"]
        for role in ["support", "sales"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            let id = try XCTUnwrap(try client.expect(201, "POST", "/v1/interactions", json: body)["id"] as? Int, role)
            XCTAssertEqual(try client.expect(200, "PATCH", "/v1/interactions/\(id)", json: ["subject": role])["subject"] as? String, role)
            try client.expect(204, "DELETE", "/v1/interactions/\(id)")
        }
        for role in ["marketing", "viewer"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            XCTAssertEqual(try client.send("POST", "/v1/interactions", json: body).status, 403, role)
            XCTAssertEqual(try client.send("PATCH", "/v1/interactions/\(existing)", json: ["subject": "x"]).status, 403, role)
            XCTAssertEqual(try client.send("DELETE", "/v1/interactions/\(existing)").status, 403, role)
            XCTAssertEqual(try client.send("GET", "/v1/interactions/\(existing)").status, 200, role)
            XCTAssertEqual(try client.list("/v1/interactions").salesIDs, [existing], role)
        }
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/interactions/\(existing)")["version"] as? Int, 1)
    }
}
