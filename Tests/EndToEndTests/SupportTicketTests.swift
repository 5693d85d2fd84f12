import CRM
import Foundation
import XCTest

/// Tickets over a real socket: create/read/update/delete, validation, filters and `q`
/// (API.md §2 "tickets").
final class SupportTicketTests: SupportTestCase {
    override var createsCustomer: Bool { false }

    func testCreateAppliesDefaultsAndReturnsSLA() throws {
        let customer = try api.customer("Ada")
        let reply = try api.send("POST", "/v1/tickets", json: ["customer_id": customer, "subject": "Cannot log in"])
        XCTAssertEqual(reply.status, 201, reply.text)
        let ticket = try reply.json()
        let id = try XCTUnwrap(ticket["id"] as? Int)
        XCTAssertGreaterThan(id, 0)
        XCTAssertEqual(reply.header("Location"), "/v1/tickets/\(id)")
        XCTAssertEqual(reply.header("ETag"), "\"1\"")
        XCTAssertEqual(ticket["customer_id"] as? Int, customer)
        XCTAssertEqual(ticket["subject"] as? String, "Cannot log in")
        XCTAssertEqual(ticket["status"] as? String, "new")
        XCTAssertEqual(ticket["priority"] as? String, "normal")
        XCTAssertEqual(ticket["version"] as? Int, 1)
        XCTAssertEqual(ticket["created_at"] as? String, SupportTime.startText)
        XCTAssertTrue(ticket.supportIsNull("first_response_at"), "\(ticket)")
        XCTAssertTrue(ticket.supportIsNull("solved_at"), "\(ticket)")
        XCTAssertTrue(ticket.supportIsNull("closed_at"), "\(ticket)")
        let sla = try XCTUnwrap(ticket["sla"] as? [String: Any], "\(ticket)")
        XCTAssertEqual(Set(sla.keys), ["first_response_due_at", "resolution_due_at", "first_response_breached", "resolution_breached"])
        XCTAssertEqual(sla["first_response_due_at"] as? String, SupportTime.text(SupportTime.start, minutes: 480))
        XCTAssertEqual(sla["resolution_due_at"] as? String, SupportTime.text(SupportTime.start, minutes: 4320))
        XCTAssertEqual(sla["first_response_breached"] as? Bool, false)
        XCTAssertEqual(sla["resolution_breached"] as? Bool, false)
    }

    func testCreateKeepsEveryWritableField() throws {
        let customer = try api.customer()
        let ticket = try api.ticket(
            customer, "VPN drops",
            [
                "description": "Every 10 minutes", "status": "open", "priority": "high", "type": "incident", "channel": "email",
                "assignee": "alice", "tags": ["vpn", "network"],
            ])
        XCTAssertEqual(ticket["description"] as? String, "Every 10 minutes")
        XCTAssertEqual(ticket["status"] as? String, "open")
        XCTAssertEqual(ticket["priority"] as? String, "high")
        XCTAssertEqual(ticket["type"] as? String, "incident")
        XCTAssertEqual(ticket["channel"] as? String, "email")
        XCTAssertEqual(ticket["assignee"] as? String, "alice")
        XCTAssertEqual(ticket["tags"] as? [String], ["vpn", "network"])
        let fetched = try api.getTicket(ticket.supportID)
        XCTAssertEqual(SupportSession.text(fetched), SupportSession.text(ticket))
    }

    func testGetPatchDelete() throws {
        let customer = try api.customer()
        let id = try api.ticket(customer).supportID
        let get = try api.send("GET", "/v1/tickets/\(id)")
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.header("ETag"), "\"1\"")
        XCTAssertEqual(try api.send("GET", "/v1/tickets/\(id)", headers: [("If-None-Match", "\"1\"")]).status, 304)

        clock.advance(milliseconds: 5_000)
        let patched = try api.patchTicket(id, ["assignee": "bob", "subject": "Printer on fire, again", "type": "problem"])
        XCTAssertEqual(patched["assignee"] as? String, "bob")
        XCTAssertEqual(patched["subject"] as? String, "Printer on fire, again")
        XCTAssertEqual(patched["type"] as? String, "problem")
        XCTAssertEqual(patched["version"] as? Int, 2)
        XCTAssertEqual(patched["updated_at"] as? String, SupportTime.text(SupportTime.start, milliseconds: 5_000))
        XCTAssertEqual(patched["created_at"] as? String, SupportTime.startText)
        // null clears an optional field.
        let cleared = try api.patchTicket(id, ["assignee": NSNull()])
        XCTAssertTrue(cleared.supportIsNull("assignee"), "\(cleared)")
        // If-Match with a stale version is 412.
        let stale = try api.send("PATCH", "/v1/tickets/\(id)", json: ["assignee": "carol"], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(stale.status, 412, stale.text)
        XCTAssertEqual(try api.getTicket(id)["assignee"] as? NSNull, NSNull())

        XCTAssertEqual(try api.send("DELETE", "/v1/tickets/\(id)").status, 204)
        try api.refuse(404, "GET", "/v1/tickets/\(id)")
        try api.refuse(404, "PATCH", "/v1/tickets/\(id)", json: ["assignee": "x"])
        try api.refuse(404, "DELETE", "/v1/tickets/\(id)")
        XCTAssertEqual(try api.listIDs("/v1/tickets"), [])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("include_deleted", "true")]), [id])
        try api.refuse(404, "GET", "/v1/tickets/999999")
    }

    func testListReturnsEveryTicketInIDOrder() throws {
        let customer = try api.customer()
        var ids: [Int] = []
        for index in 0..<5 { ids.append(try api.ticket(customer, "Ticket \(index)").supportID) }
        XCTAssertEqual(try api.listIDs("/v1/tickets"), ids)
        let walked = try api.walk("/v1/tickets", limit: 2)
        XCTAssertEqual(walked.entries.map(\.supportID), ids)
        XCTAssertEqual(walked.pages, 3)
        // Every entry carries its sla object.
        for entry in walked.entries { XCTAssertNotNil(entry["sla"] as? [String: Any], "\(entry)") }
    }

    func testMissingRequiredFieldsAre422NamingBoth() throws {
        let fields = try api.refuse(422, "POST", "/v1/tickets", json: ["priority": "high"])
        XCTAssertEqual(Set(fields), ["subject", "customer_id"])
        let customer = try api.customer()
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "   "]), ["subject"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": NSNull()]), ["subject"])
        XCTAssertEqual(try api.listIDs("/v1/tickets"), [])
    }

    func testBadEnumsAre422() throws {
        let customer = try api.customer()
        for (field, value) in [("status", "waiting"), ("priority", "critical"), ("type", "bug")] {
            let fields = try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "x", field: value])
            XCTAssertEqual(fields, [field], "\(field)=\(value)")
        }
        let all = try api.refuse(
            422, "POST", "/v1/tickets",
            json: ["customer_id": customer, "subject": "x", "status": "waiting", "priority": "critical", "type": "bug"])
        XCTAssertEqual(Set(all), ["status", "priority", "type"])
        let id = try api.ticket(customer).supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tickets/\(id)", json: ["priority": "critical"]), ["priority"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tickets/\(id)", json: ["status": "waiting"]), ["status"])
        let after = try api.getTicket(id)
        XCTAssertEqual(after["priority"] as? String, "normal")
        XCTAssertEqual(after["version"] as? Int, 1)
    }

    func testUnknownOrDeletedCustomerIs422() throws {
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": 424242, "subject": "x"]), ["customer_id"])
        let customer = try api.customer()
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(customer)").status, 204)
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "x"]), ["customer_id"])
        XCTAssertEqual(try api.listIDs("/v1/tickets"), [])
    }

    func testCreatingAsSolvedOrClosedIs422() throws {
        let customer = try api.customer()
        for status in ["solved", "closed"] {
            let fields = try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "x", "status": status])
            XCTAssertEqual(fields, ["status"], status)
        }
        for status in ["new", "open", "pending", "on_hold"] {
            XCTAssertEqual(try api.ticket(customer, "as \(status)", ["status": status])["status"] as? String, status)
        }
    }

    func testUnknownAndServerOwnedFieldsAre422() throws {
        let customer = try api.customer()
        let unknown = try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "x", "urgency": 3])
        XCTAssertEqual(unknown, ["urgency"])
        for field in ["id", "first_response_at", "solved_at", "closed_at", "sla", "version", "created_at"] {
            let value: Any =
                field == "sla" ? ["first_response_breached": false] : (field == "id" || field == "version" ? 7 : SupportTime.startText)
            let fields = try api.refuse(422, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "x", field: value])
            XCTAssertEqual(fields, [field], field)
        }
        let id = try api.ticket(customer).supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tickets/\(id)", json: ["solved_at": SupportTime.startText]), ["solved_at"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tickets/\(id)", json: ["sla": ["resolution_breached": true]]), ["sla"])
        XCTAssertEqual(try api.getTicket(id)["version"] as? Int, 1)
    }

    func testFiltersByStatusPriorityAndAssignee() throws {
        let customer = try api.customer()
        let newLow = try api.ticket(customer, "a", ["priority": "low", "assignee": "alice"]).supportID
        let open = try api.ticket(customer, "b", ["status": "open", "priority": "urgent", "assignee": "bob"]).supportID
        let pending = try api.ticket(customer, "c", ["status": "pending", "priority": "urgent", "assignee": "alice"]).supportID
        let hold = try api.ticket(customer, "d", ["status": "on_hold", "priority": "high"]).supportID
        let solved = try api.ticket(customer, "e", ["status": "open", "assignee": "alice"]).supportID
        try api.patchTicket(solved, ["status": "solved"])

        XCTAssertEqual(try api.listIDs("/v1/tickets", [("status", "open,pending")]), [open, pending])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("status", "open")]), [open])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("status", "solved")]), [solved])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("status", "new,on_hold")]), [newLow, hold])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("priority", "urgent")]), [open, pending])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("priority", "low,high")]), [newLow, hold])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("assignee", "alice")]), [newLow, pending, solved])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("assignee", "alice"), ("status", "open,pending,solved")]), [pending, solved])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("customer_id", String(customer)), ("priority", "high")]), [hold])
        // Bad values and unknown filters are 400s naming them.
        let badStatus = try api.send("GET", "/v1/tickets?status=waiting")
        XCTAssertEqual(badStatus.status, 400, badStatus.text)
        XCTAssertEqual(try api.send("GET", "/v1/tickets?priority=critical").status, 400)
        XCTAssertEqual(try api.send("GET", "/v1/tickets?urgency=3").status, 400)
    }

    func testSearchOnSubject() throws {
        let customer = try api.customer()
        let printer = try api.ticket(customer, "Printer jams on page two").supportID
        let laser = try api.ticket(customer, "Laser PRINTER toner").supportID
        _ = try api.ticket(customer, "Invoice missing", ["description": "the printer invoice"])
        let percent = try api.ticket(customer, "Refund 100% now").supportID
        _ = try api.ticket(customer, "Refund 1000 now")

        XCTAssertEqual(try api.listIDs("/v1/tickets", [("q", "printer")]), [printer, laser])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("q", "toner")]), [laser])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("q", "100%")]), [percent])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("q", "no such words")]), [])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("q", "printer"), ("status", "new")]), [printer, laser])
    }
}
