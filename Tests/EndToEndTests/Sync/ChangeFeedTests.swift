import Foundation
import XCTest

/// `GET /v1/changes` (API.md §2, "changes"): every write of business data once, in commit order,
/// with the record as the write answered it; `types`; paging; parameters; who may read it.
final class ChangeFeedTests: CustomerTestCase {
    /// One write the test made and what the feed must say about it.
    struct Write {
        let type: String
        let id: Int
        /// The response's record, or nil for a delete (the entry's `data` is then null).
        let data: [String: Any]?
    }

    /// Creates, updates and deletes a record of every resource that has all three, through the
    /// API and one after the other; what each write answered, in order.
    private func writeEveryResource() throws -> [Write] {
        var writes: [Write] = []
        func record(_ type: String, _ body: [String: Any]) throws -> Int {
            let id = try XCTUnwrap(body["id"] as? Int, "\(type): \(body)")
            writes.append(Write(type: type, id: id, data: body))
            return id
        }
        func lifecycle(_ resource: String, _ path: String, create: [String: Any], patch: [String: Any]) throws {
            let id = try record("\(resource).created", try api.created(path, create))
            _ = try record("\(resource).updated", try api.expecting(200, "PATCH", "\(path)/\(id)", json: patch))
            try api.expecting(204, "DELETE", "\(path)/\(id)")
            writes.append(Write(type: "\(resource).deleted", id: id, data: nil))
        }

        let customer = try record("customer.created", try api.created("/v1/customers", ["type": "person", "name": "Ada Lovelace"]))
        _ = try record("customer.updated", try api.expecting(200, "PATCH", "/v1/customers/\(customer)", json: ["title": "CTO"]))
        try lifecycle(
            "order", "/v1/orders",
            create: ["customer_id": customer, "amount": 12990, "currency": "CNY", "ordered_at": "2026-01-02T03:04:05.000Z"],
            patch: ["channel": "web"])
        try lifecycle(
            "interaction", "/v1/interactions",
            create: ["customer_id": customer, "channel": "call", "occurred_at": "2026-01-03T10:00:00.000Z"],
            patch: ["subject": "Renewal call"])
        try lifecycle(
            "opportunity", "/v1/opportunities", create: ["customer_id": customer, "name": "Big deal", "amount": 50000],
            patch: ["amount": 60000])
        try lifecycle(
            "ticket", "/v1/tickets", create: ["customer_id": customer, "subject": "Printer on fire"], patch: ["priority": "high"])
        try lifecycle(
            "feedback", "/v1/feedback", create: ["customer_id": customer, "kind": "nps", "score": 9], patch: ["status": "acknowledged"])
        try lifecycle(
            "customer", "/v1/customers", create: ["type": "company", "name": "Analytical Engines Ltd"], patch: ["industry": "tech"])
        return writes
    }

    func testEveryWriteAppearsExactlyOnceInCommitOrderWithTheRecordAsAnswered() throws {
        let writes = try writeEveryResource()
        let feed = try api.wholeFeed()

        // Gap-free and strictly increasing from the first seq.
        let seqs = feed.compactMap { $0["seq"] as? Int }
        XCTAssertEqual(seqs.count, feed.count)
        XCTAssertEqual(seqs, Array(1..<(1 + seqs.count)), "seqs are 1, 2, 3, … with no gap")

        var matchedSeqs: [Int] = []
        var matchedIndexes: Set<Int> = []
        for write in writes {
            let expected = canonicalJSON(write.data)
            let matches = feed.indices.filter { index in
                let entry = feed[index]
                return entry["type"] as? String == write.type && entry["id"] as? Int == write.id
                    && canonicalJSON(entry["data"]) == expected
            }
            XCTAssertEqual(matches.count, 1, "\(write.type) \(write.id) appears \(matches.count) times with the record it answered")
            if let index = matches.first {
                matchedSeqs.append(seqs[index])
                matchedIndexes.insert(index)
                let entry = feed[index]
                XCTAssertNotNil((entry["occurred_at"] as? String).flatMap(rfc3339Milliseconds), "\(entry)")
                if write.data == nil { XCTAssertTrue(entry["data"] is NSNull, "a delete's data is null: \(entry)") }
            }
        }
        XCTAssertEqual(matchedSeqs, matchedSeqs.sorted(), "the writes appear in the order they were made")
        XCTAssertEqual(Set(matchedSeqs).count, writes.count)

        // Whatever else is there follows from those writes: the customer's derived fields
        // (metrics, lifecycle) and the opportunity's stage changes, never a duplicate.
        for index in feed.indices where !matchedIndexes.contains(index) {
            let type = feed[index]["type"] as? String ?? ""
            XCTAssertTrue(["customer.updated", "opportunity.stage_changed"].contains(type), "unexpected entry \(feed[index])")
        }
        let types = Set(feed.compactMap { $0["type"] as? String })
        for resource in ["customer", "order", "interaction", "opportunity", "ticket", "feedback"] {
            for action in ["created", "updated", "deleted"] {
                XCTAssertTrue(types.contains("\(resource).\(action)"), "\(resource).\(action) is in the feed")
            }
        }
        // A deleted customer's entries keep the record as each change left it.
        let company = try XCTUnwrap(writes.last?.id)
        let companyEntries = feed.filter { $0["id"] as? Int == company && ($0["type"] as? String ?? "").hasPrefix("customer.") }
        XCTAssertEqual(companyEntries.compactMap { $0["type"] as? String }, ["customer.created", "customer.updated", "customer.deleted"])
        XCTAssertEqual((companyEntries[1]["data"] as? [String: Any])?["industry"] as? String, "tech")
    }

    func testTypesKeepsOnlyTheNamedResourcesInTheSameOrder() throws {
        _ = try writeEveryResource()
        let all = try api.wholeFeed()
        func resource(_ entry: [String: Any]) -> String { String((entry["type"] as? String ?? "").split(separator: ".").first ?? "") }
        for types in [["customer"], ["order", "ticket"], ["opportunity"], ["feedback", "interaction", "customer"], ["pipeline"]] {
            let filtered = try api.wholeFeed(limit: 3, [("types", types.joined(separator: ","))])
            let expected = all.filter { types.contains(resource($0)) }
            XCTAssertEqual(
                filtered.compactMap { $0["seq"] as? Int }, expected.compactMap { $0["seq"] as? Int },
                "types=\(types.joined(separator: ","))")
            XCTAssertEqual(canonicalJSON(filtered), canonicalJSON(expected))
        }
        // Naming a type twice changes nothing.
        XCTAssertEqual(
            try api.wholeFeed([("types", "ticket,ticket")]).compactMap { $0["seq"] as? Int },
            all.filter { resource($0) == "ticket" }.compactMap { $0["seq"] as? Int })
    }

    func testPagingWithLimitAndNextAfterVisitsEveryEntryExactlyOnce() throws {
        _ = try writeEveryResource()
        let all = try api.wholeFeed()
        let seqs = all.compactMap { $0["seq"] as? Int }
        XCTAssertGreaterThanOrEqual(seqs.count, 30)
        for limit in [1, 2, 7, seqs.count - 1, seqs.count, seqs.count + 1] {
            let walked = try api.wholeFeed(limit: limit)
            XCTAssertEqual(walked.compactMap { $0["seq"] as? Int }, seqs, "limit \(limit)")
            XCTAssertEqual(canonicalJSON(walked), canonicalJSON(all), "limit \(limit)")
        }
        // The default limit is 50: a first page without limit holds min(50, all) entries.
        let first = try api.feed()
        XCTAssertEqual(first.seqs, Array(seqs.prefix(50)))
        XCTAssertEqual(first.hasMore, seqs.count > 50)

        // Starting in the middle continues right after it; past the end is a position this feed
        // never gave (another database's, or one from before a restore): a 400 naming `after`,
        // not an empty page that would keep it and skip every change up to it.
        let middle = seqs[seqs.count / 2]
        XCTAssertEqual(try api.wholeFeed(after: middle).compactMap { $0["seq"] as? Int }, Array(seqs.drop { $0 <= middle }))
        for past in [seqs.last! + 1, seqs.last! + 100] {
            let end = try api.send("GET", "/v1/changes" + queryString([("after", String(past)), ("types", "ticket")]))
            XCTAssertEqual(end.status, 400, end.text)
            XCTAssertEqual(end.problemEntry("after")?["code"] as? String, "invalid_value", end.text)
            XCTAssertEqual(try api.send("GET", "/v1/changes" + queryString([("after", String(past)), ("wait", "5")])).status, 400)
        }
        let last = try api.feed([("after", String(seqs.last!))])
        XCTAssertTrue(last.entries.isEmpty)
        XCTAssertEqual(last.nextAfter, seqs.last!)
        XCTAssertFalse(last.hasMore)

        // A page is exactly full at the end: has_more is false there, not true-then-empty.
        let exact = try api.feed([("after", String(seqs[seqs.count - 3])), ("limit", "3")])
        XCTAssertEqual(exact.seqs, Array(seqs.suffix(2)))
        XCTAssertFalse(exact.hasMore)
        let full = try api.feed([("after", String(seqs[seqs.count - 3])), ("limit", "2")])
        XCTAssertEqual(full.seqs, Array(seqs.suffix(2)))
        XCTAssertFalse(full.hasMore, "nothing follows the last entry")
    }

    func testBadParametersAre400sNamingTheParameter() throws {
        let cases: [(String, String)] = [
            ("after", "-1"), ("after", "abc"), ("after", "1.5"), ("after", ""), ("after", "99999999999999999999"), ("after", "+1"),
            ("limit", "0"), ("limit", "201"), ("limit", "-3"), ("limit", "ten"),
            ("types", "foo"), ("types", ""), ("types", "customer,"), ("types", "customers"), ("types", "webhook"), ("types", "api_key"),
            ("wait", "31"), ("wait", "-1"), ("wait", "abc"), ("wait", "30.5"), ("wait", "1e1"), ("wait", ""),
        ]
        for (name, value) in cases {
            let reply = try api.send("GET", "/v1/changes" + queryString([(name, value)]))
            XCTAssertEqual(reply.status, 400, "\(name)=\(value): \(reply.text)")
            XCTAssertEqual(reply.header("Content-Type")?.hasPrefix("application/problem+json"), true, "\(name)=\(value)")
            XCTAssertEqual(reply.problemFields.first, name, "\(name)=\(value): \(reply.text)")
        }
        let unknown = try api.send("GET", "/v1/changes?since=3")
        XCTAssertEqual(unknown.status, 400, unknown.text)
        XCTAssertEqual(unknown.problemFields.first, "since", unknown.text)

        // The edges that are fine.
        for query in [
            [("after", "0")], [("limit", "1")], [("limit", "200")], [("wait", "0")], [("wait", "0.05")],
            [("types", "customer,order,interaction,opportunity,pipeline,ticket,feedback")],
        ] {
            XCTAssertEqual(try api.send("GET", "/v1/changes" + queryString(query)).status, 200, "\(query)")
        }
    }

    func testWithoutAKeyOrWithAnUnknownKeyIs401() throws {
        let missing = try api.send("GET", "/v1/changes", authorized: false)
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.header("WWW-Authenticate")?.hasPrefix("Bearer"), true)
        let unknown = try api.send("GET", "/v1/changes?wait=5", headers: [("Authorization", "Bearer crm_not_a_key")], authorized: false)
        XCTAssertEqual(unknown.status, 401)
    }

    func testEveryRoleMayReadTheFeedButOnlyWritersWrite() throws {
        let customer = try api.createPerson("Grace Hopper")
        for role in ["admin", "sales", "support", "marketing", "viewer"] {
            let session = try APISession(server, key: try server.key(role: role))
            let page = try session.feed([("types", "customer")])
            XCTAssertEqual(page.entries.first?["id"] as? Int, customer, role)
            XCTAssertEqual(page.entries.first?["type"] as? String, "customer.created", role)
            // And a long poll that finds something answers at once for every role too.
            XCTAssertEqual(try session.feed([("wait", "5")]).entries.isEmpty, false, role)
        }
        XCTAssertEqual(try APISession(server, key: try server.key(role: "viewer")).send("POST", "/v1/changes").status, 405)
    }

    func testUpsertsBatchesImportsAndPipelinesAppearOncePerRecord() throws {
        let start = try api.wholeFeed().count
        XCTAssertEqual(try api.send("PUT", "/v1/customers/by-external-id/ext-1", json: ["type": "person", "name": "Ext"]).status, 201)
        XCTAssertEqual(try api.send("PUT", "/v1/customers/by-external-id/ext-1", json: ["type": "person", "name": "Ext two"]).status, 200)
        let existing = try api.createPerson("Existing", ["email": "existing@example.com"])
        let batch = try api.expecting(
            200, "POST", "/v1/customers/batch",
            json: [
                "upsert_by": "email",
                "records": [
                    ["type": "person", "name": "Batch new", "email": "new@example.com"], ["type": "robot", "name": "Refused"],
                    ["type": "person", "name": "Existing renamed", "email": "existing@example.com"],
                ],
            ])
        let results = try XCTUnwrap(batch["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["status"] as? Int }, [201, 422, 200])
        let imported = try api.send(
            "POST", "/v1/customers/import", json: "type,name\nperson,Imported one\nperson,Imported two\n",
            headers: [("Content-Type", "text/csv")])
        XCTAssertEqual(imported.status, 200, imported.text)
        let importedIDs = (try imported.json()["results"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        XCTAssertEqual(importedIDs.count, 2)
        let pipeline = try api.created(
            "/v1/pipelines",
            [
                "name": "Renewals",
                "stages": [
                    ["key": "open", "name": "Open", "probability": 10],
                    ["key": "won", "name": "Won", "probability": 100, "closed": true, "won": true],
                ],
            ])
        let pipelineID = try XCTUnwrap(pipeline["id"] as? Int)

        let entries = Array(try api.wholeFeed().dropFirst(start))
        let described = entries.map { "\($0["type"] as? String ?? "?") \($0["id"] as? Int ?? 0)" }
        let batchNew = try XCTUnwrap(results[0]["id"] as? Int)
        let external = try XCTUnwrap(entries.first?["id"] as? Int)
        XCTAssertEqual(
            described,
            [
                "customer.created \(external)", "customer.updated \(external)", "customer.created \(existing)",
                "customer.created \(batchNew)",
                "customer.updated \(existing)", "customer.created \(importedIDs[0])", "customer.created \(importedIDs[1])",
                "pipeline.created \(pipelineID)",
            ])
        // Each record's last entry is the record as it is now.
        for id in [external, existing, batchNew] + importedIDs {
            let last = try XCTUnwrap(entries.last { $0["id"] as? Int == id && ($0["type"] as? String ?? "").hasPrefix("customer.") })
            XCTAssertEqual(canonicalJSON(last["data"]), canonicalJSON(try api.expecting(200, "GET", "/v1/customers/\(id)")))
        }
        XCTAssertEqual(canonicalJSON(entries.last?["data"]), canonicalJSON(pipeline))
        XCTAssertEqual(try api.feed([("types", "pipeline"), ("after", String(start))]).entries.count, 1)
    }

    /// A stage change is the opportunity's `opportunity.updated` entry and, right after it, an
    /// `opportunity.stage_changed` one with the same record; other changes, and the creation,
    /// have none.
    func testAStageChangeFollowsItsOpportunityUpdate() throws {
        let customer = try api.createPerson("Deal maker")
        let deal = try api.created("/v1/opportunities", ["customer_id": customer, "name": "Deal"])
        let id = try XCTUnwrap(deal["id"] as? Int)
        let start = try api.wholeFeed().count
        let moved = try api.expecting(200, "PATCH", "/v1/opportunities/\(id)", json: ["stage": "lost", "lost_reason": "price"])
        try api.expecting(200, "PATCH", "/v1/opportunities/\(id)", json: ["amount": 5000])
        let entries = Array(try api.wholeFeed().dropFirst(start))
        let opportunityEntries = entries.compactMap { entry -> String? in
            guard let type = entry["type"] as? String, type.hasPrefix("opportunity.") else { return nil }
            return type
        }
        XCTAssertEqual(opportunityEntries, ["opportunity.updated", "opportunity.stage_changed", "opportunity.updated"])
        let updated = try XCTUnwrap(entries.firstIndex { $0["type"] as? String == "opportunity.updated" })
        XCTAssertEqual(entries[updated + 1]["type"] as? String, "opportunity.stage_changed", "right after it")
        XCTAssertEqual(canonicalJSON(entries[updated + 1]["data"]), canonicalJSON(moved))
    }

    func testNoOpPatchesAndIdempotentReplaysAddNothingToTheFeedOrTheAuditLog() throws {
        let body: [String: Any] = ["type": "person", "name": "Once only", "tags": ["vip"]]
        let first = try api.send("POST", "/v1/customers", json: body, headers: [("Idempotency-Key", "create-once-1")])
        XCTAssertEqual(first.status, 201, first.text)
        let id = try XCTUnwrap(try first.json()["id"] as? Int)
        let order = try api.created(
            "/v1/orders", ["customer_id": id, "amount": 100, "currency": "CNY", "ordered_at": "2026-01-01T00:00:00.000Z"])
        let feed = try api.wholeFeed()
        let audit = try api.expecting(200, "GET", "/v1/audit-log?limit=200")["data"] as? [[String: Any]] ?? []

        let replay = try api.send("POST", "/v1/customers", json: body, headers: [("Idempotency-Key", "create-once-1")])
        XCTAssertEqual(replay.status, 201, replay.text)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        try api.expecting(200, "PATCH", "/v1/customers/\(id)", json: ["name": "Once only", "tags": ["vip"]])
        try api.expecting(200, "PATCH", "/v1/customers/\(id)", json: [String: Any]())
        try api.expecting(200, "PATCH", "/v1/orders/\(order["id"] as? Int ?? 0)", json: ["amount": 100])

        XCTAssertEqual(canonicalJSON(try api.wholeFeed()), canonicalJSON(feed), "nothing changed, nothing in the feed")
        let auditAfter = try api.expecting(200, "GET", "/v1/audit-log?limit=200")["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(canonicalJSON(auditAfter), canonicalJSON(audit), "nothing changed, nothing audited")
    }

    func testKeysAndWebhooksStayOutOfTheFeed() throws {
        let before = try api.wholeFeed()
        _ = try server.keyWithID(role: "sales")
        let list = try api.expecting(200, "GET", "/v1/api-keys")
        let keyID = try XCTUnwrap((list["data"] as? [[String: Any]])?.last?["id"] as? Int)
        try api.expecting(204, "DELETE", "/v1/api-keys/\(keyID)")
        // Webhooks to a public-looking address (never contacted: nothing subscribes to a change).
        let webhook = try api.created("/v1/webhooks", ["url": "https://hooks.example.com/crm", "events": ["ticket.created"]])
        let webhookID = try XCTUnwrap(webhook["id"] as? Int)
        try api.expecting(200, "PATCH", "/v1/webhooks/\(webhookID)", json: ["enabled": false])
        try api.expecting(204, "DELETE", "/v1/webhooks/\(webhookID)")
        XCTAssertEqual(canonicalJSON(try api.wholeFeed()), canonicalJSON(before))
        XCTAssertTrue(before.isEmpty, "\(before)")
    }
}

/// The timestamp if `text` is RFC 3339 UTC with milliseconds (`2026-11-23T08:15:30.123Z`).
func rfc3339Milliseconds(_ text: String) -> String? {
    text.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil ? text : nil
}
