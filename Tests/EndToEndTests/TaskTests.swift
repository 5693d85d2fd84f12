import CRM
import Foundation
import JSON
import XCTest

/// Tasks (API.md §2 "tasks"): follow-ups and reminders with defaults, a read-only `source`, due
/// times in UTC, the list filters, roles, the customer's timeline and the change feed.
final class TaskTests: SupportTestCase {

    /// `POST /v1/tasks` that must answer 201: the task.
    @discardableResult
    private func task(
        _ title: String, _ extra: [String: Any] = [:], session: SupportSession? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        var fields: [String: Any] = ["title": title]
        for (key, value) in extra { fields[key] = value }
        return try (session ?? api).expect(201, "POST", "/v1/tasks", json: fields, file: file, line: line)
    }

    func testCreateDefaultsRoundTripUpdateAndDelete() throws {
        let reply = try api.send("POST", "/v1/tasks", json: ["title": "  Call back about the invoice  ", "customer_id": customer])
        XCTAssertEqual(reply.status, 201, reply.text)
        let created = try reply.json()
        let id = created.supportID
        XCTAssertEqual(reply.header("Location"), "/v1/tasks/\(id)")
        XCTAssertEqual(reply.header("ETag"), "\"1\"")
        XCTAssertEqual(
            Set(created.keys),
            [
                "id", "title", "customer_id", "due_at", "assignee", "kind", "status", "source", "created_at", "updated_at", "deleted_at",
                "version",
            ])
        XCTAssertEqual(created["title"] as? String, "Call back about the invoice")
        XCTAssertEqual(created["customer_id"] as? Int, customer)
        XCTAssertEqual(created["kind"] as? String, "follow_up")
        XCTAssertEqual(created["status"] as? String, "open")
        XCTAssertEqual(created["source"] as? String, "manual")
        XCTAssertTrue(created.supportIsNull("due_at"))
        XCTAssertTrue(created.supportIsNull("assignee"))
        XCTAssertTrue(created.supportIsNull("deleted_at"))
        XCTAssertEqual(created["created_at"] as? String, SupportTime.startText)
        XCTAssertEqual(created["version"] as? Int, 1)
        XCTAssertEqual(SupportSession.text(try api.expect(200, "GET", "/v1/tasks/\(id)")), SupportSession.text(created))
        XCTAssertEqual(try api.listIDs("/v1/tasks"), [id])

        // `null` on create means the default too.
        let explicit = try task("Defaults", ["kind": NSNull(), "status": NSNull(), "customer_id": NSNull()])
        XCTAssertEqual(explicit["kind"] as? String, "follow_up")
        XCTAssertEqual(explicit["status"] as? String, "open")
        XCTAssertTrue(explicit.supportIsNull("customer_id"))

        let patched = try api.expect(
            200, "PATCH", "/v1/tasks/\(id)", json: ["status": "done", "assignee": "王芳", "kind": "renewal", "customer_id": NSNull()])
        XCTAssertEqual(patched["status"] as? String, "done")
        XCTAssertEqual(patched["assignee"] as? String, "王芳")
        XCTAssertEqual(patched["kind"] as? String, "renewal")
        XCTAssertTrue(patched.supportIsNull("customer_id"))
        XCTAssertEqual(patched["source"] as? String, "manual")
        XCTAssertEqual(patched["version"] as? Int, 2)
        // Kind and status cannot be cleared; the title neither.
        XCTAssertEqual(
            Set(try api.refuse(422, "PATCH", "/v1/tasks/\(id)", json: ["kind": NSNull(), "status": NSNull()])), ["kind", "status"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tasks/\(id)", json: ["title": ""]), ["title"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tasks/\(id)", json: ["title": NSNull()]), ["title"])
        // A patch that changes nothing keeps the version.
        XCTAssertEqual(try api.expect(200, "PATCH", "/v1/tasks/\(id)", json: ["status": "done"])["version"] as? Int, 2)
        // A done task may be reopened.
        XCTAssertEqual(try api.expect(200, "PATCH", "/v1/tasks/\(id)", json: ["status": "open"])["status"] as? String, "open")

        XCTAssertEqual(try api.send("DELETE", "/v1/tasks/\(id)").status, 204)
        try api.refuse(404, "GET", "/v1/tasks/\(id)")
        try api.refuse(404, "PATCH", "/v1/tasks/\(id)", json: ["status": "done"])
        try api.refuse(404, "DELETE", "/v1/tasks/\(id)")
        XCTAssertEqual(try api.listIDs("/v1/tasks"), [explicit.supportID])
        let tombstones = try api.list("/v1/tasks", [("include_deleted", "true"), ("id", String(id))])
        XCTAssertEqual(tombstones.map(\.supportID), [id])
        XCTAssertFalse(tombstones.first?.supportIsNull("deleted_at") ?? true)
    }

    func testSourceIsReadOnly() throws {
        for source in ["manual", "automation:1", NSNull()] as [Any] {
            XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "source": source]), ["source"], "\(source)")
        }
        let id = try task("Mine").supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tasks/\(id)", json: ["source": "automation:3"]), ["source"])
        // The internal flag that carries an automation's source is no field either.
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "__source": "automation:1"]), ["__source"])
        XCTAssertEqual(try api.expect(200, "GET", "/v1/tasks/\(id)")["source"] as? String, "manual")
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "version": 3, "id": 9]).sorted(), ["id", "version"])
    }

    func testAnAutomationNamesItselfAsTheSource() throws {
        let database = server.application.database
        let tasks = TaskService.make()
        let now = SupportTime.start
        let body: JSONObject = ["title": .string("Birthday call"), "kind": .string("care"), "customer_id": .int(Int64(customer))]
        let changes = try tasks.parse(body, mode: .create)
        let stored = try database.writeAndWait { connection in
            try TaskService.create(tasks, connection, changes, source: .automation(7), actor: nil, now: now)
        }
        let id = stored.id
        let task = try api.expect(200, "GET", "/v1/tasks/\(id)")
        XCTAssertEqual(task["source"] as? String, "automation:7")
        XCTAssertEqual(task["status"] as? String, "open")
        XCTAssertEqual(task["kind"] as? String, "care")
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("source", "automation:7")]), [Int(id)])
        XCTAssertEqual(TaskSource.manual.text, "manual")
    }

    func testDueAtIsNormalisedToUTC() throws {
        let created = try task("Renewal call", ["due_at": "2026-06-10T09:30:00+08:00"])
        XCTAssertEqual(created["due_at"] as? String, "2026-06-10T01:30:00.000Z")
        let id = created.supportID
        let patched = try api.expect(200, "PATCH", "/v1/tasks/\(id)", json: ["due_at": "2026-06-09T23:15:00.5-02:00"])
        XCTAssertEqual(patched["due_at"] as? String, "2026-06-10T01:15:00.500Z")
        XCTAssertTrue(try api.expect(200, "PATCH", "/v1/tasks/\(id)", json: ["due_at": NSNull()]).supportIsNull("due_at"))
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "due_at": "tomorrow"]), ["due_at"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "due_at": "2026-06-10"]), ["due_at"])
    }

    func testInvalidInputIs422NamingEveryField() throws {
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["kind": "care"]), ["title"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "   "]), ["title"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": NSNull()]), ["title"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": String(repeating: "任", count: 501)]), ["title"])
        try task(String(repeating: "任", count: 500))
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "kind": "chore"]), ["kind"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "status": "closed"]), ["status"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "customer_id": 999_999]), ["customer_id"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "customer_id": "1"]), ["customer_id"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "priority": "high"]), ["priority"])
        XCTAssertEqual(
            Set(try api.refuse(422, "POST", "/v1/tasks", json: ["kind": "chore", "status": "closed", "customer_id": 0, "assignee": 5])),
            ["title", "kind", "status", "customer_id", "assignee"])
        // A deleted customer is as good as unknown, on create and on update.
        let gone = try api.customer("Gone")
        let id = try task("Visit", ["customer_id": gone]).supportID
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(gone)").status, 204)
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/tasks", json: ["title": "x", "customer_id": gone]), ["customer_id"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tasks/\(id)", json: ["customer_id": gone]), ["customer_id"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tasks/\(id)", json: ["status": "finished"]), ["status"])
    }

    func testIfMatchGuardsUpdatesAndDeletes() throws {
        let id = try task("Guarded").supportID
        let path = "/v1/tasks/\(id)"
        XCTAssertEqual(try api.send("GET", path, headers: [("If-None-Match", "\"1\"")]).status, 304)
        XCTAssertEqual(try api.send("PATCH", path, json: ["status": "done"], headers: [("If-Match", "\"2\"")]).status, 412)
        XCTAssertEqual(try api.send("DELETE", path, headers: [("If-Match", "\"2\"")]).status, 412)
        XCTAssertEqual(try api.expect(200, "GET", path)["status"] as? String, "open")
        let ok = try api.send("PATCH", path, json: ["status": "done"], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertEqual(ok.header("ETag"), "\"2\"")
        XCTAssertEqual(try api.send("DELETE", path, headers: [("If-Match", "\"1\"")]).status, 412)
        XCTAssertEqual(try api.send("DELETE", path, headers: [("If-Match", "\"2\"")]).status, 204)
        try api.refuse(404, "GET", path)
    }

    func testFiltersAndSorts() throws {
        let other = try api.customer("Other")
        let day = 24 * 60 * SupportTime.minute
        func due(_ days: Int64) -> String { SupportTime.text(SupportTime.start, milliseconds: days * day) }
        let a = try task("A", ["assignee": "alice", "due_at": due(3), "customer_id": customer]).supportID
        let b = try task("B", ["assignee": "alice", "due_at": due(1), "status": "done"]).supportID
        let c = try task("C", ["assignee": "bob", "due_at": due(2), "customer_id": other, "kind": "care"]).supportID
        let d = try task("D", ["assignee": "alice", "customer_id": customer]).supportID
        let e = try task("E", ["assignee": "alice", "due_at": due(2), "status": "cancelled", "customer_id": customer]).supportID
        let f = try task("F", ["assignee": "alice", "due_at": due(2)]).supportID

        XCTAssertEqual(try api.listIDs("/v1/tasks"), [a, b, c, d, e, f])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("assignee", "alice")]), [a, b, d, e, f])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("assignee", "bob,carol")]), [c])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("status", "open")]), [a, c, d, f])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("status", "done,cancelled")]), [b, e])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("status[ne]", "open")]), [b, e])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("customer_id", String(customer))]), [a, d, e])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("customer_id", String(other))]), [c])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("kind", "care")]), [c])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("due_at", due(2))]), [c, e, f])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("due_at[gt]", due(2))]), [a])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("due_at[gte]", due(2))]), [a, c, e, f])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("due_at[lt]", due(2))]), [b])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("due_at[lte]", due(2))]), [b, c, e, f])
        // Any offset, or a date meaning its midnight UTC.
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("due_at[lte]", "2026-06-03T08:00:00+08:00")]), [b, c, e, f])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("due_at[lt]", "2026-06-03")]), [b])

        // "My open tasks by due date", one at a time; tasks without a due date come first.
        let mine = [("assignee", "alice"), ("status", "open"), ("sort", "due_at")]
        XCTAssertEqual(try api.listIDs("/v1/tasks", mine), [d, f, a])
        var walked: [Int] = []
        var cursor: String?
        repeat {
            let page = try api.expect(
                200, "GET", "/v1/tasks" + SupportSession.query(mine + [("limit", "1")] + (cursor.map { [("cursor", $0)] } ?? [])))
            walked += (page["data"] as? [[String: Any]] ?? []).map(\.supportID)
            cursor = page["next_cursor"] as? String
        } while cursor != nil && walked.count < 10
        XCTAssertEqual(walked, [d, f, a])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("sort", "-due_at")]), [a, f, e, c, b, d])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("sort", "due_at"), ("due_at[gte]", due(2))]), [c, e, f, a])
        XCTAssertEqual(try api.listIDs("/v1/tasks", [("sort", "-created_at")]), [f, e, d, c, b, a])

        // Unknown filters and bad values are a 400 naming them.
        try api.refuse(400, "GET", "/v1/tasks?status=pending")
        try api.refuse(400, "GET", "/v1/tasks?due_at[gt]=soon")
        try api.refuse(400, "GET", "/v1/tasks?customer_id=abc")
        try api.refuse(400, "GET", "/v1/tasks?title=A")
        try api.refuse(400, "GET", "/v1/tasks?sort=title")
        try api.refuse(400, "GET", "/v1/tasks?priority=high")
    }

    func testRoles() throws {
        let seeded = try task("Seeded", ["customer_id": customer]).supportID
        for role in ["sales", "support", "marketing"] {
            let session = try SupportSession.role(server, role)
            let id = try task("By \(role)", ["customer_id": customer], session: session).supportID
            XCTAssertEqual(try session.expect(200, "PATCH", "/v1/tasks/\(id)", json: ["status": "done"])["status"] as? String, "done")
            XCTAssertEqual(try session.send("DELETE", "/v1/tasks/\(id)").status, 204, role)
            try session.expect(200, "GET", "/v1/tasks/\(seeded)")
        }
        let viewer = try SupportSession.role(server, "viewer")
        try viewer.refuse(403, "POST", "/v1/tasks", json: ["title": "Nope"])
        try viewer.refuse(403, "PATCH", "/v1/tasks/\(seeded)", json: ["status": "done"])
        try viewer.refuse(403, "DELETE", "/v1/tasks/\(seeded)")
        for role in ["admin", "sales", "support", "marketing", "viewer"] {
            let session = role == "admin" ? api! : try SupportSession.role(server, role)
            XCTAssertEqual(try session.listIDs("/v1/tasks"), [seeded], role)
            XCTAssertEqual(try session.expect(200, "GET", "/v1/tasks/\(seeded)")["status"] as? String, "open", role)
            try session.expect(200, "GET", "/v1/customers/\(customer)/timeline")
        }
        try SupportSession(server, key: "crm_1_not-a-key").refuse(401, "GET", "/v1/tasks")
    }

    func testTasksAppearInTheTimelineAmongOtherKinds() throws {
        let ticket = try api.ticket(customer, "Broken zipper").supportID
        clock.advance(milliseconds: SupportTime.minute)
        // Due in a week, but it stands in the timeline when it was created.
        let first = try task("Call back", ["customer_id": customer, "due_at": "2026-06-08T09:00:00Z"]).supportID
        clock.advance(milliseconds: SupportTime.minute)
        let feedback = try api.feedback(customer, kind: "nps", score: 9).supportID
        let second = try task("Send the catalogue", ["customer_id": customer]).supportID
        clock.advance(milliseconds: SupportTime.minute)
        let done = try task("Check the address", ["customer_id": customer, "status": "done", "kind": "data_review"]).supportID
        try task("Not this customer's", ["customer_id": try api.customer("Other")])
        try task("Nobody's")
        let gone = try task("Deleted", ["customer_id": customer]).supportID
        XCTAssertEqual(try api.send("DELETE", "/v1/tasks/\(gone)").status, 204)

        let path = "/v1/customers/\(customer)/timeline"
        let entries = try api.list(path)
        XCTAssertEqual(entries.map { $0["kind"] as? String }, ["task", "task", "feedback", "task", "ticket"], "\(entries)")
        XCTAssertEqual(entries.map(\.supportID), [done, second, feedback, first, ticket])
        XCTAssertEqual(
            entries.map { $0["occurred_at"] as? String },
            [3, 2, 2, 1, 0].map { SupportTime.text(SupportTime.start, minutes: $0) })
        XCTAssertEqual(entries[0]["summary"] as? String, "Task \"Check the address\" (done)")
        XCTAssertEqual(entries[1]["summary"] as? String, "Task \"Send the catalogue\" (open)")
        XCTAssertEqual(entries[3]["summary"] as? String, "Task \"Call back\" (open, due 2026-06-08T09:00:00.000Z)")
        XCTAssertEqual(try api.walk(path, limit: 2).entries.map(\.supportID), [done, second, feedback, first, ticket])

        // A status change shows in the summary; moving the task to nobody takes it out.
        try api.expect(200, "PATCH", "/v1/tasks/\(first)", json: ["status": "cancelled"])
        XCTAssertEqual(try api.list(path)[3]["summary"] as? String, "Task \"Call back\" (cancelled, due 2026-06-08T09:00:00.000Z)")
        try api.expect(200, "PATCH", "/v1/tasks/\(second)", json: ["customer_id": NSNull()])
        XCTAssertEqual(try api.list(path).map(\.supportID), [done, feedback, first, ticket])
    }

    func testChangeFeedAndWebhooksKnowTasks() throws {
        let id = try task("Feed me", ["customer_id": customer]).supportID
        try api.expect(200, "PATCH", "/v1/tasks/\(id)", json: ["status": "done"])
        try api.expect(204, "DELETE", "/v1/tasks/\(id)")
        let feed = try api.expect(200, "GET", "/v1/changes?types=task")
        let entries = feed["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.map { $0["type"] as? String }, ["task.created", "task.updated", "task.deleted"], "\(feed)")
        XCTAssertEqual(entries.map { $0["id"] as? Int }, [id, id, id])
        let data = try XCTUnwrap(entries.first?["data"] as? [String: Any])
        XCTAssertEqual(data["title"] as? String, "Feed me")
        XCTAssertEqual(data["source"] as? String, "manual")
        XCTAssertTrue(entries.last?["data"] is NSNull)
        // Other types leave tasks out.
        let tickets = try api.expect(200, "GET", "/v1/changes?types=ticket")["data"] as? [[String: Any]] ?? []
        XCTAssertTrue(tickets.isEmpty, "\(tickets)")

        let hook = try api.expect(
            201, "POST", "/v1/webhooks",
            json: ["url": "https://hooks.example.com/crm", "events": ["task.created", "task.updated", "task.deleted"]])
        XCTAssertEqual(hook["events"] as? [String], ["task.created", "task.updated", "task.deleted"])
        XCTAssertEqual(
            try api.refuse(422, "POST", "/v1/webhooks", json: ["url": "https://hooks.example.com/crm", "events": ["task.done"]]), ["events"]
        )
    }
}
