import CRM
import Foundation
import XCTest

/// `GET /v1/audit-log` (API.md §2, "audit-log", admin only): who changed what, when, newest
/// first, with filters and a keyset cursor; refused writes leave nothing; no secret ever.
final class AuditLogTests: XCTestCase {
    static let start = "2026-06-01T09:00:00.000Z"

    var server: TestServer!
    var clock: CRMClock!
    var admin: APISession!

    override func setUpWithError() throws {
        clock = CRMClock(fixedAt: Timestamp(rfc3339: Self.start)!)
        server = try TestServer(clock: clock)
        admin = try APISession(server)
    }

    override func tearDown() { server?.stop() }

    /// The server's time moved on by `seconds`; the new time as the server prints it.
    @discardableResult
    private func advance(seconds: Int64) -> String {
        clock.advance(milliseconds: seconds * 1000)
        return clock.now().rfc3339
    }

    /// The entries of one audit-log request (admin).
    private func entries(_ query: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let body = try admin.expecting(200, "GET", "/v1/audit-log" + queryString(query), file: file, line: line)
        return try XCTUnwrap(body["data"] as? [[String: Any]], file: file, line: line)
    }

    /// Every entry, walking pages of `limit` with the cursor.
    private func walk(_ query: [(String, String)] = [], limit: Int, file: StaticString = #filePath, line: UInt = #line) throws
        -> [[String: Any]]
    {
        var all: [[String: Any]] = []
        var cursor: String?
        for _ in 0..<1000 {
            let body = try admin.expecting(
                200, "GET", "/v1/audit-log" + queryString(query + [("limit", String(limit))] + (cursor.map { [("cursor", $0)] } ?? [])),
                file: file, line: line)
            let data = body["data"] as? [[String: Any]] ?? []
            XCTAssertLessThanOrEqual(data.count, limit, file: file, line: line)
            all += data
            cursor = body["next_cursor"] as? String
            XCTAssertEqual(body["has_more"] as? Bool, cursor != nil, file: file, line: line)
            if cursor == nil { return all }
        }
        throw RawClient.ClientError("the audit log does not end")
    }

    private func ids(_ entries: [[String: Any]]) -> [Int] { entries.compactMap { $0["id"] as? Int } }

    /// The bootstrap admin key's id.
    private func adminKeyID() throws -> Int {
        let keys = try XCTUnwrap(try admin.expecting(200, "GET", "/v1/api-keys")["data"] as? [[String: Any]])
        return try XCTUnwrap(keys.first { $0["role"] as? String == "admin" }?["id"] as? Int)
    }

    func testAnUpdateByASalesKeyNamesTheKeyAndOnlyTheChangedField() throws {
        let created = try admin.created("/v1/customers", ["type": "person", "name": "Ada Lovelace", "title": "Engineer", "city": "London"])
        let customer = try XCTUnwrap(created["id"] as? Int)
        let sales = try server.keyWithID(role: "sales", name: "rep laptop")
        let rep = try APISession(server, key: sales.secret)
        let updatedAt = advance(seconds: 60)
        try rep.expecting(200, "PATCH", "/v1/customers/\(customer)", json: ["title": "CTO"])

        let log = try entries([("record_type", "customer"), ("record_id", String(customer))])
        XCTAssertEqual(log.compactMap { $0["action"] as? String }, ["update", "create"], "newest first")
        let update = log[0]
        XCTAssertEqual(update["key_id"] as? Int, sales.id)
        XCTAssertEqual(update["record_type"] as? String, "customer")
        XCTAssertEqual(update["record_id"] as? Int, customer)
        XCTAssertEqual(update["occurred_at"] as? String, updatedAt)
        XCTAssertEqual(
            canonicalJSON(update["changes"]), canonicalJSON(["title": ["before": "Engineer", "after": "CTO"]]),
            "only the field the PATCH changed")
        XCTAssertEqual(Set(update.keys), ["id", "key_id", "action", "record_type", "record_id", "changes", "occurred_at"])

        let create = log[1]
        XCTAssertEqual(create["key_id"] as? Int, try adminKeyID())
        XCTAssertEqual(create["occurred_at"] as? String, Self.start)
        let createChanges = try XCTUnwrap(create["changes"] as? [String: [String: Any]])
        for (field, value) in [("name", "Ada Lovelace"), ("title", "Engineer"), ("city", "London")] {
            XCTAssertTrue(createChanges[field]?["before"] is NSNull, "\(field): \(createChanges)")
            XCTAssertEqual(createChanges[field]?["after"] as? String, value, "\(field): \(createChanges)")
        }
        XCTAssertNil(createChanges["email"], "fields left empty are not listed")

        // A delete by the same key, newest again; the delete names the key too.
        advance(seconds: 60)
        try rep.expecting(204, "DELETE", "/v1/customers/\(customer)")
        let latest = try XCTUnwrap(try entries([("record_id", String(customer)), ("record_type", "customer")]).first)
        XCTAssertEqual(latest["action"] as? String, "delete")
        XCTAssertEqual(latest["key_id"] as? Int, sales.id)
        // What a delete changes: the tombstone's mark (its changes were empty).
        let deleted = try XCTUnwrap((latest["changes"] as? [String: [String: Any]])?["deleted_at"], "\(latest)")
        XCTAssertTrue(deleted["before"] is NSNull)
        XCTAssertNotNil(deleted["after"] as? String)
        XCTAssertEqual((latest["changes"] as? [String: Any])?.count, 1)
    }

    func testARefusedWriteLeavesNoEntry() throws {
        let customer = try admin.createPerson("Grace Hopper", ["email": "grace@example.com"])
        let viewer = try APISession(server, key: try server.key(role: "viewer"))
        let before = try entries([("limit", "200")])

        let refused: [(APISession, String, String, Any?, [(String, String)], Int)] = [
            (admin, "PATCH", "/v1/customers/\(customer)", ["email": "not an email"], [], 422),
            (admin, "PATCH", "/v1/customers/\(customer)", ["title": "Admiral", "type": "robot"], [], 422),
            (admin, "POST", "/v1/customers", ["type": "person"], [], 422),
            (admin, "POST", "/v1/customers", ["type": "person", "name": "Copy", "email": "GRACE@example.com"], [], 409),
            (admin, "PATCH", "/v1/customers/\(customer)", ["title": "Admiral"], [("If-Match", "\"9\"")], 412),
            (admin, "DELETE", "/v1/customers/\(customer)", nil, [("If-Match", "\"9\"")], 412),
            (admin, "PATCH", "/v1/customers/\(customer + 100)", ["title": "Nobody"], [], 404),
            (admin, "POST", "/v1/tickets", ["customer_id": customer + 100, "subject": "Orphan"], [], 422),
            (viewer, "PATCH", "/v1/customers/\(customer)", ["title": "Admiral"], [], 403),
            (viewer, "POST", "/v1/customers", ["type": "person", "name": "Sneaky"], [], 403),
            (admin, "POST", "/v1/webhooks", ["url": "http://127.0.0.1/", "events": ["*"]], [], 422),
            (admin, "POST", "/v1/api-keys", ["name": "no role"], [], 422),
        ]
        for (session, method, path, body, headers, status) in refused {
            advance(seconds: 1)
            let reply = try session.send(method, path, json: body, headers: headers)
            XCTAssertEqual(reply.status, status, "\(method) \(path): \(reply.text)")
        }
        let after = try entries([("limit", "200")])
        XCTAssertEqual(ids(after), ids(before), "no entry for any refused write: \(after.prefix(max(0, after.count - before.count)))")
        XCTAssertEqual(after.first?["record_type"] as? String, "api_key", "the newest entry is still the viewer key's creation")
        XCTAssertEqual(try admin.expecting(200, "GET", "/v1/customers/\(customer)")["version"] as? Int, 1)
    }

    func testFiltersByRecordTypeRecordKeyAndTimeAndThePagesMeetExactly() throws {
        let sales = try server.keyWithID(role: "sales")
        let support = try server.keyWithID(role: "support")
        let rep = try APISession(server, key: sales.secret)
        let agent = try APISession(server, key: support.secret)
        var customers: [Int] = []
        var tickets: [Int] = []
        var times: [String] = []
        for index in 0..<4 {
            times.append(advance(seconds: 3600))
            let customer = try rep.createPerson("Customer \(index)")
            customers.append(customer)
            let ticket = try XCTUnwrap(
                try agent.created("/v1/tickets", ["customer_id": customer, "subject": "Issue \(index)"])["id"] as? Int)
            tickets.append(ticket)
            try agent.expecting(200, "PATCH", "/v1/customers/\(customer)", json: ["city": "City \(index)"])
        }
        advance(seconds: 3600)
        try rep.expecting(204, "DELETE", "/v1/customers/\(customers[0])")

        let all = try walk(limit: 200)
        let allIDs = ids(all)
        XCTAssertEqual(allIDs, allIDs.sorted(by: >), "newest first")
        XCTAssertEqual(Set(allIDs).count, allIDs.count)

        // record_type
        let ticketEntries = try walk([("record_type", "ticket")], limit: 200)
        XCTAssertEqual(Set(ticketEntries.compactMap { $0["record_id"] as? Int }), Set(tickets))
        XCTAssertTrue(ticketEntries.allSatisfy { $0["record_type"] as? String == "ticket" })
        XCTAssertEqual(ids(ticketEntries), ids(all.filter { $0["record_type"] as? String == "ticket" }))
        // record_id (with record_type: ids of different resources may coincide)
        let one = try walk([("record_type", "customer"), ("record_id", String(customers[2]))], limit: 200)
        XCTAssertEqual(one.compactMap { $0["action"] as? String }, ["update", "create"])
        XCTAssertEqual(Set(one.compactMap { $0["record_id"] as? Int }), [customers[2]])
        // key_id: each key's own writes
        let bySupport = try walk([("key_id", String(support.id))], limit: 200)
        XCTAssertEqual(bySupport.count, 8, "four tickets and four customer updates")
        XCTAssertTrue(bySupport.allSatisfy { $0["key_id"] as? Int == support.id })
        let bySales = try walk([("key_id", String(sales.id))], limit: 200)
        XCTAssertEqual(bySales.compactMap { $0["action"] as? String }, ["delete", "create", "create", "create", "create"])
        // action
        XCTAssertEqual(try walk([("action", "delete")], limit: 200).compactMap { $0["record_id"] as? Int }, [customers[0]])
        // occurred_at: the second and third hours only
        let window = try walk([("occurred_at[gte]", times[1]), ("occurred_at[lte]", times[2])], limit: 200)
        XCTAssertEqual(window.count, 6)
        XCTAssertTrue(window.allSatisfy { [times[1], times[2]].contains($0["occurred_at"] as? String ?? "") })
        XCTAssertEqual(try walk([("occurred_at[gt]", times[3])], limit: 200).count, 1, "only the delete")
        let early = try walk([("occurred_at[lt]", times[0])], limit: 200)
        XCTAssertEqual(early.compactMap { $0["record_type"] as? String }, ["api_key", "api_key", "api_key"], "the three keys' creations")
        XCTAssertTrue(early.last?["key_id"] is NSNull, "the bootstrap key was made by nobody's key: \(early)")
        // combined
        let combined = try walk(
            [("record_type", "customer"), ("key_id", String(support.id)), ("occurred_at[gte]", times[2])], limit: 200)
        XCTAssertEqual(Set(combined.compactMap { $0["record_id"] as? Int }), [customers[2], customers[3]])

        // Paging visits every entry once, in the same order, with and without filters.
        for limit in [1, 2, 5] {
            XCTAssertEqual(ids(try walk(limit: limit)), allIDs, "limit \(limit)")
            XCTAssertEqual(
                ids(try walk([("record_type", "customer")], limit: limit)), ids(all.filter { $0["record_type"] as? String == "customer" }))
        }
        // New entries while paging do not shift the pages (keyset, newest first: they are before).
        let firstPage = try admin.expecting(200, "GET", "/v1/audit-log?limit=3")
        let cursor = try XCTUnwrap(firstPage["next_cursor"] as? String)
        _ = try rep.createPerson("Written while paging")
        let next = try admin.expecting(200, "GET", "/v1/audit-log?limit=3&cursor=\(cursor)")
        XCTAssertEqual(ids(next["data"] as? [[String: Any]] ?? []), Array(allIDs[3..<6]))

        // A cursor belongs to its filters; bad filters are 400s naming them.
        let other = try admin.send("GET", "/v1/audit-log?limit=3&record_type=ticket&cursor=\(cursor)")
        XCTAssertEqual(other.status, 400, other.text)
        for (name, value) in [
            ("key_id", "abc"), ("record_id", "-1"), ("action", "explode"), ("occurred_at[gte]", "yesterday"), ("colour", "red"),
            ("limit", "0"), ("cursor", "garbage"),
        ] {
            let reply = try admin.send("GET", "/v1/audit-log" + queryString([(name, value)]))
            XCTAssertEqual(reply.status, 400, "\(name)=\(value): \(reply.text)")
            XCTAssertEqual(reply.problemFields.first, name, "\(name)=\(value): \(reply.text)")
        }
    }

    /// `record_type` takes the types the log can hold, exactly (lower case), each value of an
    /// any-of list checked: anything else is a `400` naming the parameter, like a bad `action`,
    /// never an empty page that looks like "nothing happened".
    func testRecordTypeIsOneOfTheAuditedTypes() throws {
        let customer = try admin.createPerson("Typed")
        let audited = [
            "api_key", "automation", "customer", "feedback", "field", "interaction", "opportunity", "order", "pipeline", "segment", "task",
            "ticket", "webhook",
        ]
        for type in audited {
            let reply = try admin.send("GET", "/v1/audit-log" + queryString([("record_type", type)]))
            XCTAssertEqual(reply.status, 200, "\(type): \(reply.text)")
        }
        let both = try entries([("record_type", "customer,api_key")])
        XCTAssertEqual(Set(both.compactMap { $0["record_type"] as? String }), ["customer", "api_key"])
        XCTAssertTrue(both.contains { $0["record_id"] as? Int == customer })
        XCTAssertEqual(try entries([("record_type[ne]", "api_key,customer")]).count, 0, "nothing else was written")

        for (name, value) in [
            ("record_type", "bogus"), ("record_type", "Customer"), ("record_type", "customers"), ("record_type", "sla_policy"),
            ("record_type", "customer,bogus"), ("record_type", "bogus,customer"), ("record_type", "customer,"), ("record_type", ""),
            ("record_type[ne]", "customer,bogus"), ("record_type[gt]", "bogus"), ("record_type[lte]", "CUSTOMER"),
        ] {
            let reply = try admin.send("GET", "/v1/audit-log" + queryString([(name, value)]))
            XCTAssertEqual(reply.status, 400, "\(name)=\(value): \(reply.text)")
            XCTAssertEqual(reply.problemFields, [name], "\(name)=\(value): \(reply.text)")
        }
    }

    func testOnlyAdminsReadTheAuditLog() throws {
        _ = try admin.createPerson("Someone")
        for role in ["sales", "support", "marketing", "viewer"] {
            let session = try APISession(server, key: try server.key(role: role))
            let reply = try session.send("GET", "/v1/audit-log")
            XCTAssertEqual(reply.status, 403, "\(role): \(reply.text)")
            XCTAssertFalse(reply.text.contains("Someone"))
            XCTAssertEqual(try session.send("GET", "/v1/audit-log?record_type=customer").status, 403, role)
        }
        XCTAssertEqual(try admin.send("GET", "/v1/audit-log", authorized: false).status, 401)
        XCTAssertEqual(try admin.send("GET", "/v1/audit-log").status, 200)
        XCTAssertEqual(try admin.send("POST", "/v1/audit-log", json: ["action": "create"]).status, 405)
    }

    func testKeysAndWebhooksAreAuditedWithoutAnySecret() throws {
        let adminID = try adminKeyID()
        let sales = try server.keyWithID(role: "sales", name: "field team")
        advance(seconds: 1)
        try admin.expecting(204, "DELETE", "/v1/api-keys/\(sales.id)")
        advance(seconds: 1)
        let webhook = try admin.created(
            "/v1/webhooks", ["url": "https://hooks.example.com/crm", "events": ["ticket.created"], "enabled": false])
        let webhookID = try XCTUnwrap(webhook["id"] as? Int)
        let webhookSecret = try XCTUnwrap(webhook["secret"] as? String)
        advance(seconds: 1)
        try admin.expecting(200, "PATCH", "/v1/webhooks/\(webhookID)", json: ["url": "https://hooks.example.com/crm/v2"])
        advance(seconds: 1)
        try admin.expecting(204, "DELETE", "/v1/webhooks/\(webhookID)")
        // A key created and used, so its entries carry its id.
        let support = try server.keyWithID(role: "support")
        _ = try APISession(server, key: support.secret).createPerson("Audited customer")

        let keyEntries = try entries([("record_type", "api_key"), ("record_id", String(sales.id))])
        XCTAssertEqual(keyEntries.compactMap { $0["action"] as? String }, ["delete", "create"])
        XCTAssertTrue(keyEntries.allSatisfy { $0["key_id"] as? Int == adminID }, "\(keyEntries)")
        let keyCreate = try XCTUnwrap(keyEntries.last?["changes"] as? [String: [String: Any]])
        XCTAssertEqual(keyCreate["name"]?["after"] as? String, "field team")
        XCTAssertEqual(keyCreate["role"]?["after"] as? String, "sales")

        let webhookEntries = try entries([("record_type", "webhook"), ("record_id", String(webhookID))])
        XCTAssertEqual(webhookEntries.compactMap { $0["action"] as? String }, ["delete", "update", "create"])
        XCTAssertEqual(
            canonicalJSON(webhookEntries[1]["changes"]),
            canonicalJSON(["url": ["before": "https://hooks.example.com/crm", "after": "https://hooks.example.com/crm/v2"]]))
        let webhookCreate = try XCTUnwrap(webhookEntries[2]["changes"] as? [String: [String: Any]])
        XCTAssertEqual(webhookCreate["url"]?["after"] as? String, "https://hooks.example.com/crm")
        XCTAssertEqual(webhookCreate["events"]?["after"] as? [String], ["ticket.created"])

        // Nothing anywhere in the log holds a secret, or even says the word.
        let text = try admin.send("GET", "/v1/audit-log?limit=200").text
        XCTAssertTrue(text.contains("field team"))
        for secret in [server.adminKey, sales.secret, support.secret, webhookSecret, String(webhookSecret.dropFirst("whsec_".count))] {
            XCTAssertFalse(text.contains(secret), "the audit log holds a secret")
        }
        XCTAssertFalse(text.lowercased().contains("secret"), text)
        XCTAssertFalse(text.contains("whsec_"), text)
        XCTAssertFalse(text.lowercased().contains("hash"), text)
    }
}
