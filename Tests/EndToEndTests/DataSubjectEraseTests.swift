import Foundation
import XCTest

/// `POST /v1/customers/{id}/erase` `{"reason"}` (API.md §2, "data-subject requests"): the personal
/// fields of the customer and of its interactions, comments and feedback are cleared everywhere
/// the database holds them — rows, indexes, the search index, the feed, the audit log, idempotent
/// answers, the webhook outbox, the file's free space and its write-ahead log — while amounts,
/// dates and report totals stay; the customer leaves search, duplicates and segments; an erased
/// customer takes no further write.
final class DataSubjectEraseTests: DataSubjectTestCase {
    /// A customer with a marker in every personal field and in every place a copy of one can land.
    private struct Person {
        let id: Int
        let markers: [String]
        let interaction: Int
        let ticket: Int
        let feedback: Int
    }

    private func person(tag: String = "erasure-test") throws -> Person {
        let (name, local, title, city, key, value, external, subject, body, comment, answer, reason, oldTitle) = (
            marker(), marker(), marker(), marker(), marker(), marker(), marker(), marker(), marker(), marker(), marker(), marker(),
            marker()
        )
        let digits = (0..<8).map { _ in String(Int.random(in: 0...9)) }.joined()
        let phone = "+86 139 \(digits.prefix(4)) \(digits.suffix(4))"
        let fields: [String: Any] = [
            "type": "person", "name": name, "email": "\(local)@example.com", "phone": phone, "title": oldTitle, "city": city,
            "birthday": "1911-07-29", "attributes": [key: value], "external_id": external, "company": "Acme Erasure Ltd",
            "tags": [tag], "source": "web", "industry": "retail",
        ]
        let created = try sales.send("POST", "/v1/customers", json: fields, headers: [("Idempotency-Key", marker())])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(try created.json()["id"] as? Int)
        // A patch, so the audit log and the feed hold a value as before and after.
        try sales.expect(200, "PATCH", "/v1/customers/\(id)", json: ["title": title])
        // A search kept for replay: a page of customers, this one among them.
        let search = try sales.send(
            "POST", "/v1/customers/search", json: ["rules": ["field": "tags", "op": "contains", "value": tag]],
            headers: [("Idempotency-Key", marker())])
        XCTAssertEqual(search.status, 200, search.text)
        try sales.order(id, amount: 12_345, at: SalesTime.ago(days: 3))
        let interaction = try sales.send(
            "POST", "/v1/interactions",
            json: ["customer_id": id, "channel": "call", "occurred_at": SalesTime.ago(days: 2), "subject": subject, "body": body],
            headers: [("Idempotency-Key", marker())])
        XCTAssertEqual(interaction.status, 201, interaction.text)
        let ticket = try XCTUnwrap(try support.ticket(id, "Broken printer")["id"] as? Int)
        let written = try support.send(
            "POST", "/v1/tickets/\(ticket)/comments", json: ["author": name, "author_type": "customer", "body": comment],
            headers: [("Idempotency-Key", marker())])
        XCTAssertEqual(written.status, 201, written.text)
        try support.comment(ticket, body: "We are on it.")
        let feedback = try support.feedback(id, kind: "nps", score: 9, ["comment": answer])
        try sales.expect(201, "POST", "/v1/customers/\(id)/points", json: ["delta": 50, "reason": reason])
        return Person(
            id: id,
            markers: [
                name, local, phone, digits, title, oldTitle, city, "1911-07-29", key, value, external, subject, body, comment, answer,
                reason,
            ],
            interaction: try XCTUnwrap(try interaction.json()["id"] as? Int), ticket: ticket,
            feedback: try XCTUnwrap(feedback["id"] as? Int))
    }

    /// A webhook on every event (its deliveries point at feed entries) and automations whose
    /// webhook action copies the customer and its feedback into the outbox; the receiver is a
    /// port nothing listens on, so the deliveries stay pending.
    private func subscribe() throws {
        let url = "http://127.0.0.1:\(try WebhookReceiver.unusedPort())/hook"
        let webhook = try sales.expect(201, "POST", "/v1/webhooks", json: ["url": url, "events": ["*"]])
        let action: [String: Any] = ["type": "webhook", "webhook_id": try XCTUnwrap(webhook["id"] as? Int)]
        try sales.automation("customer.created", name: "Copy customers", actions: [action])
        try sales.automation("feedback.created", name: "Copy feedback", actions: [action])
    }

    // MARK: - Nothing left

    func testEraseLeavesNoErasedValueInTheDatabaseFileOrItsLog() throws {
        try subscribe()
        let someone = try person()
        _ = try sales.customer("Bystander")
        XCTAssertEqual(try markersFound(someone.markers), someone.markers, "every marker is stored before the erase")

        let erased = try erase(someone.id, reason: "GDPR art. 17 request")
        XCTAssertEqual(erased["name"] as? String, "erased")
        for field in ["email", "phone", "title", "city", "birthday", "external_id"] {
            XCTAssertTrue(erased[field] is NSNull, "\(field): \(erased[field] ?? "missing")")
        }
        XCTAssertEqual((erased["attributes"] as? [String: Any])?.count, 0)
        XCTAssertEqual(erased["erase_reason"] as? String, "GDPR art. 17 request")
        XCTAssertEqual(erased["erased_at"] as? String, SalesTime.ago(days: 0))
        XCTAssertEqual(erased["tags"] as? [String], ["erasure-test"])
        XCTAssertEqual(erased["company"] as? String, "Acme Erasure Ltd")

        // The erase itself checkpointed: nothing is left, without anyone's help.
        XCTAssertEqual(try markersFound(someone.markers), [])
        try checkpoint()
        XCTAssertEqual(try markersFound(someone.markers), [])

        // The related records read erased too.
        let interaction = try sales.expect(200, "GET", "/v1/interactions/\(someone.interaction)")
        XCTAssertTrue(interaction["subject"] is NSNull && interaction["body"] is NSNull, "\(interaction)")
        XCTAssertTrue(try support.expect(200, "GET", "/v1/feedback/\(someone.feedback)")["comment"] is NSNull)
        let comments = try support.list("/v1/tickets/\(someone.ticket)/comments")
        XCTAssertEqual(comments.map { $0["body"] as? String }, ["erased", "erased"])
        XCTAssertEqual(comments.map { $0["author"] as? String }, ["erased", "Agent Smith"])
        let points = try sales.list("/v1/customers/\(someone.id)/points")
        XCTAssertEqual(points.map { $0["reason"] as? String }, ["erased"])
        XCTAssertEqual(points.map { $0["delta"] as? Int }, [50])
    }

    func testErasesAtTheSameTimeEachLeaveNothing() throws {
        let people = try (0..<3).map { _ in try person() }
        let server = try XCTUnwrap(self.server)
        let statuses = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: people.count) { index in
            let status = try? SalesClient(server).send("POST", "/v1/customers/\(people[index].id)/erase", json: ["reason": "at once"])
                .status
            statuses.withLock { $0.append(status ?? 0) }
        }
        XCTAssertEqual(statuses.current, [200, 200, 200])
        XCTAssertEqual(try markersFound(people.flatMap(\.markers)), [])
        XCTAssertEqual(try feed().filter { $0["type"] as? String == "customer.erased" }.count, 3)
    }

    func testAReplayedCreateAnswersTheErasedCustomerAndCreatesNoOne() throws {
        // Sent as text, so both requests carry the same bytes (the key is bound to them).
        let fields = #"{"type":"person","name":"\#(marker())","email":"\#(marker())@example.com"}"#
        let key = [("Idempotency-Key", marker())]
        let created = try sales.send("POST", "/v1/customers", json: fields, headers: key)
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(try created.json()["id"] as? Int)
        try erase(id)
        let count = try sales.api.storedCustomerCount()

        let replay = try sales.send("POST", "/v1/customers", json: fields, headers: key)
        XCTAssertEqual(replay.status, 201, replay.text)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true", replay.text)
        let body = try replay.json()
        XCTAssertEqual(body["id"] as? Int, id)
        XCTAssertEqual(body["name"] as? String, "erased")
        XCTAssertTrue(body["email"] is NSNull)
        XCTAssertEqual(try sales.api.storedCustomerCount(), count)
    }

    /// A search's kept answer holds a page of customers, linked to none of them: the erase finds
    /// the pages that show the customer and rewrites its element, the others' are untouched
    /// (they had kept the erased values in clear; found by a black-box audit).
    func testAReplayedSearchShowsTheCustomerErased() throws {
        let someone = try person(tag: "replayed-search")
        let other = try sales.api.createPerson("Stays as is", ["tags": ["replayed-search"], "email": "stays@example.com"])
        let key = [("Idempotency-Key", marker())]
        // One text sent twice: a replay must repeat the request byte for byte.
        let body = #"{"rules":{"field":"tags","op":"contains","value":"replayed-search"},"sort":"id"}"#
        let first = try sales.send("POST", "/v1/customers/search", json: body, headers: key)
        XCTAssertEqual((try first.json()["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }, [someone.id, other])
        try sales.expect(200, "POST", "/v1/customers/\(someone.id)/erase", json: ["reason": "request"])
        let replay = try sales.send("POST", "/v1/customers/search", json: body, headers: key)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true", replay.text)
        let page = try XCTUnwrap(try replay.json()["data"] as? [[String: Any]])
        XCTAssertEqual(page.compactMap { $0["id"] as? Int }, [someone.id, other], "the page a replay repeats")
        XCTAssertEqual(page[0]["name"] as? String, "erased")
        XCTAssertTrue(page[0]["email"] is NSNull && page[0]["phone"] is NSNull && page[0]["external_id"] is NSNull)
        XCTAssertEqual((page[0]["attributes"] as? [String: Any])?.count, 0)
        XCTAssertEqual(page[1]["email"] as? String, "stays@example.com")
        XCTAssertEqual(try markersFound(someone.markers), [])
    }

    func testEraseReachesTheCustomersMergedIntoIt() throws {
        let (name, local, external, body) = (marker(), marker(), marker(), marker())
        let survivor = try sales.customer("Survivor")
        let merged = try sales.api.createPerson(name, ["email": "\(local)@example.com", "external_id": external])
        try sales.interaction(merged, at: SalesTime.ago(days: 1), ["body": body])
        let earlier = try sales.api.createPerson("Earlier", ["title": name])
        try sales.expect(200, "POST", "/v1/customers/\(merged)/merge", json: ["from": [earlier]])
        try sales.expect(200, "POST", "/v1/customers/\(survivor)/merge", json: ["from": [merged]])
        try sales.expect(200, "PATCH", "/v1/customers/\(survivor)", json: ["name": "Survivor", "email": NSNull(), "external_id": NSNull()])
        let markers = [name, local, external, body]
        XCTAssertEqual(try markersFound(markers), markers)

        try erase(survivor)

        XCTAssertEqual(try markersFound(markers), [], "the merged customers, their history and moved records")
        let tombstones = try sales.walk("/v1/customers", [("include_deleted", "true")], limit: 200).entries
        for id in [merged, earlier] {
            let tombstone = try XCTUnwrap(tombstones.first { $0["id"] as? Int == id })
            XCTAssertEqual(tombstone["name"] as? String, "erased")
            XCTAssertNotNil(tombstone["erased_at"] as? String)
        }
    }

    func testEraseRewritesEarlierFeedEntriesAndAddsOneErasedEntry() throws {
        let someone = try person()
        let before = try feed().filter { $0["type"] as? String != nil }
        try erase(someone.id)
        let after = try feed()
        XCTAssertEqual(after.count, before.count + 1, "one entry: customer.erased")
        let erasedEntries = after.filter { $0["type"] as? String == "customer.erased" }
        XCTAssertEqual(erasedEntries.count, 1)
        XCTAssertEqual(erasedEntries.first?["id"] as? Int, someone.id)
        let data = try XCTUnwrap(erasedEntries.first?["data"] as? [String: Any])
        XCTAssertEqual(data["name"] as? String, "erased")
        XCTAssertNotNil(data["erased_at"] as? String)
        // Every earlier entry of the customer and its interaction and feedback reads erased.
        for entry in after.dropLast() {
            guard let data = entry["data"] as? [String: Any] else { continue }
            switch entry["type"] as? String {
            case "customer.created", "customer.updated":
                guard entry["id"] as? Int == someone.id else { continue }
                XCTAssertEqual(data["name"] as? String, "erased")
                XCTAssertTrue(data["email"] is NSNull && data["title"] is NSNull && data["external_id"] is NSNull, "\(data)")
                XCTAssertEqual((data["attributes"] as? [String: Any])?.count, 0)
            case "interaction.created":
                XCTAssertTrue(data["subject"] is NSNull && data["body"] is NSNull, "\(data)")
            case "feedback.created":
                XCTAssertTrue(data["comment"] is NSNull, "\(data)")
            default:
                continue
            }
        }
        XCTAssertEqual(after.last?["type"] as? String, "customer.erased")
        // The audit log names who erased, when and why, and no erased value.
        let audit = try sales.list("/v1/audit-log", [("record_type", "customer"), ("record_id", String(someone.id))])
        let changes = try XCTUnwrap(audit.first?["changes"] as? [String: Any])
        XCTAssertEqual(Set(changes.keys), ["erased_at", "erase_reason"])
        let history = audit.compactMap { $0["changes"] as? [String: Any] }.compactMap { $0["title"] as? [String: Any] }
        XCTAssertFalse(history.isEmpty)
        for change in history {
            XCTAssertTrue(change["before"] is NSNull && change["after"] is NSNull, "\(change)")
        }
    }

    func testEraseKeepsReportTotalsAndOrderAmounts() throws {
        let someone = try person()
        let customersBefore = try sales.expect(200, "GET", "/v1/analytics/customers")
        let feedbackBefore = try sales.expect(200, "GET", "/v1/analytics/feedback")
        let metricsBefore = try sales.metrics(someone.id)
        let ordersBefore = try sales.list("/v1/orders", [("customer_id", String(someone.id))])

        try erase(someone.id)

        XCTAssertEqual(canonicalJSON(try sales.expect(200, "GET", "/v1/analytics/customers")), canonicalJSON(customersBefore))
        XCTAssertEqual(canonicalJSON(try sales.expect(200, "GET", "/v1/analytics/feedback")), canonicalJSON(feedbackBefore))
        let metrics = try sales.metrics(someone.id)
        XCTAssertEqual(metrics["total_spent"] as? Int, 12_345)
        XCTAssertEqual(canonicalJSON(metrics), canonicalJSON(metricsBefore))
        let orders = try sales.list("/v1/orders", [("customer_id", String(someone.id))])
        XCTAssertEqual(orders.map { $0["amount"] as? Int }, ordersBefore.map { $0["amount"] as? Int })
        XCTAssertEqual(orders.map { $0["ordered_at"] as? String }, ordersBefore.map { $0["ordered_at"] as? String })
        let customer = try sales.customerJSON(someone.id)
        XCTAssertEqual(customer["lifecycle_stage"] as? String, "customer")
        XCTAssertEqual(customer["source"] as? String, "web")
        XCTAssertEqual(customer["loyalty_points"] as? Int, 50)
    }

    // MARK: - Search, duplicates, segments

    func testErasedCustomerLeavesSearchDuplicatesAndSegments() throws {
        let name = marker()
        let phone = "+86 137 0000 \(Int.random(in: 1000...9999))"
        let first = try sales.api.createPerson(name, ["phone": phone, "company": "Twin Corp", "tags": ["erasure-test"]])
        let twin = try sales.api.createPerson(name, ["phone": phone, "company": "Twin Corp"])
        let third = try sales.api.createPerson("Other", ["company": "Twin Corp", "tags": ["erasure-test"]])
        let segment = try sales.expect(
            201, "POST", "/v1/segments",
            json: ["name": "Tagged", "rules": ["all": [["field": "tags", "op": "eq", "value": "erasure-test"]]]])
        let segmentID = try XCTUnwrap(segment["id"] as? Int)
        XCTAssertEqual(try sales.api.allIDs([("q", name)]).sorted(), [first, twin])
        let groups = try sales.list("/v1/customers/duplicates")
        XCTAssertEqual(Set(groups.compactMap { $0["reason"] as? String }), ["phone", "name_company"])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/segments/\(segmentID)")["member_count"] as? Int, 2)

        try erase(first)
        try erase(twin)

        XCTAssertEqual(try sales.api.allIDs([("q", name)]), [])
        XCTAssertEqual(try sales.api.allIDs([("q", "Twin")]), [third])
        XCTAssertEqual(try sales.list("/v1/customers/duplicates").count, 0, "two erased customers are no duplicates")
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/segments/\(segmentID)")["member_count"] as? Int, 1)
        XCTAssertEqual(try sales.walk("/v1/segments/\(segmentID)/customers", limit: 50).entries.compactMap { $0["id"] as? Int }, [third])
        let search = try sales.expect(
            200, "POST", "/v1/customers/search", json: ["rules": ["all": [["field": "company", "op": "eq", "value": "Twin Corp"]]]])
        XCTAssertEqual((search["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }, [third])
        // Still a customer: listed and read, by id.
        XCTAssertEqual(try sales.customerJSON(first)["name"] as? String, "erased")
    }

    // MARK: - Final

    func testEveryLaterWriteToAnErasedCustomerIsAConflict() throws {
        let id = try sales.customer("Final")
        let survivor = try sales.customer("Survivor")
        try erase(id)
        let version = try sales.customerJSON(id)["version"] as? Int

        for (method, target, body) in [
            ("PATCH", "/v1/customers/\(id)", ["title": "CEO"] as [String: Any]),
            ("POST", "/v1/customers/\(id)/erase", ["reason": "again"]),
            ("POST", "/v1/customers/\(id)/points", ["delta": 5, "reason": "bonus"]),
            ("POST", "/v1/customers/\(id)/merge", ["from": [survivor]]),
        ] {
            let reply = try sales.send(method, target, json: body)
            XCTAssertEqual(reply.status, 409, "\(method) \(target): \(reply.text)")
            XCTAssertEqual(reply.problemEntry("id")?["code"] as? String, "erased", reply.text)
        }
        let delete = try sales.send("DELETE", "/v1/customers/\(id)")
        XCTAssertEqual(delete.status, 409, delete.text)
        let merge = try sales.send("POST", "/v1/customers/\(survivor)/merge", json: ["from": [id]])
        XCTAssertEqual(merge.status, 409, merge.text)
        XCTAssertEqual(merge.problemEntry("from")?["code"] as? String, "erased", merge.text)

        // An import row naming it by id is refused alone; the others are written.
        let imported = try sales.api.send(
            "POST", "/v1/customers/import", json: "id,type,name\n\(id),person,Back\n,person,New\n", headers: [("Content-Type", "text/csv")])
        XCTAssertEqual(imported.status, 200, imported.text)
        let results = try XCTUnwrap(try imported.json()["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["status"] as? Int }, [409, 201])

        // Nothing new is recorded about the person.
        let interaction = try sales.send(
            "POST", "/v1/interactions", json: ["customer_id": id, "channel": "call", "occurred_at": SalesTime.ago(days: 1)])
        XCTAssertEqual(interaction.status, 422, interaction.text)
        XCTAssertEqual(interaction.problemEntry("customer_id")?["code"] as? String, "erased")

        XCTAssertEqual(try sales.customerJSON(id)["version"] as? Int, version, "nothing was written")
        XCTAssertEqual(try sales.customerJSON(id)["name"] as? String, "erased")
    }

    // MARK: - Refusals

    /// What erasure cleared on the customer's records stays cleared: writing personal text into
    /// an interaction or a feedback again, or a new comment on its ticket, is a `409` (found by a
    /// black-box audit: each was a 200). Writes that carry no personal text go on (a ticket's
    /// status, an interaction's subject cleared again).
    func testTheRecordsOfAnErasedCustomerTakeNoPersonalTextAgain() throws {
        let someone = try person()
        try erase(someone.id)
        let interaction = try sales.send(
            "PATCH", "/v1/interactions/\(someone.interaction)", json: ["subject": "home address", "body": "5 Road"])
        XCTAssertEqual(interaction.status, 409, interaction.text)
        XCTAssertEqual(interaction.problemFields.sorted(), ["body", "subject"])
        XCTAssertEqual(interaction.problemEntry("body")?["code"] as? String, "erased")
        let feedback = try support.send("PATCH", "/v1/feedback/\(someone.feedback)", json: ["comment": "phone 139"])
        XCTAssertEqual(feedback.status, 409, feedback.text)
        XCTAssertEqual(feedback.problemEntry("comment")?["code"] as? String, "erased")
        let comment = try support.send(
            "POST", "/v1/tickets/\(someone.ticket)/comments", json: ["author_type": "customer", "body": "my email w@x.cn"])
        XCTAssertEqual(comment.status, 409, comment.text)
        XCTAssertEqual(comment.problemEntry("ticket")?["code"] as? String, "erased")

        XCTAssertNil(try sales.expect(200, "GET", "/v1/interactions/\(someone.interaction)")["body"] as? String)
        XCTAssertNil(try support.expect(200, "GET", "/v1/feedback/\(someone.feedback)")["comment"] as? String)
        try sales.expect(200, "PATCH", "/v1/interactions/\(someone.interaction)", json: ["subject": NSNull(), "duration_seconds": 60])
        try support.expect(200, "PATCH", "/v1/feedback/\(someone.feedback)", json: ["status": "closed"])
        try support.expect(200, "PATCH", "/v1/tickets/\(someone.ticket)", json: ["status": "solved"])
    }

    func testOnlyAdminMayEraseAndARefusalChangesNothing() throws {
        let id = try sales.customer("Kept")
        for role in ["sales", "support", "marketing", "viewer"] {
            let client = try SalesClient.withNewKey(server, role: role).client
            let reply = try client.send("POST", "/v1/customers/\(id)/erase", json: ["reason": "not mine to ask"])
            XCTAssertEqual(reply.status, 403, "\(role): \(reply.text)")
            XCTAssertEqual(try client.send("GET", "/v1/customers/\(id)/data-export").status, 403, role)
        }
        let customer = try sales.customerJSON(id)
        XCTAssertEqual(customer["name"] as? String, "Kept")
        XCTAssertNil(customer["erased_at"])
        XCTAssertEqual(try feed().filter { $0["type"] as? String == "customer.erased" }.count, 0)
    }

    /// A deleted customer's row still holds the person's data (`include_deleted=true`, the feed):
    /// a data-subject request reaches it, export and erase alike.
    func testADeletedCustomerIsExportedAndErasedToo() throws {
        let deleted = try sales.person("Gone Person", ["email": "gone@example.com", "phone": "+86 138 0013 9999"])
        try sales.expect(204, "DELETE", "/v1/customers/\(deleted)")
        let export = try sales.expect(200, "GET", "/v1/customers/\(deleted)/data-export")
        let exported = try XCTUnwrap(export["customer"] as? [String: Any])
        XCTAssertEqual(exported["email"] as? String, "gone@example.com")
        XCTAssertNotNil(exported["deleted_at"] as? String)

        let erased = try sales.expect(200, "POST", "/v1/customers/\(deleted)/erase", json: ["reason": "asked by the person"])
        XCTAssertEqual(erased["name"] as? String, "erased")
        XCTAssertTrue(erased["email"] is NSNull)
        XCTAssertNotNil(erased["deleted_at"] as? String, "still deleted")
        XCTAssertNotNil(erased["erased_at"] as? String)
        let tombstones = try sales.walk("/v1/customers", [("include_deleted", "true")], limit: 50).entries
        let tombstone = try XCTUnwrap(tombstones.first { $0["id"] as? Int == deleted })
        XCTAssertEqual(tombstone["name"] as? String, "erased")
        let feed = try sales.changes(after: 0).entries.filter {
            ($0["id"] as? Int) == deleted && ($0["type"] as? String)?.hasPrefix("customer.") == true
        }
        XCTAssertFalse(feed.map { jsonText($0) }.joined().contains("gone@example.com"), "the feed keeps no copy")
        XCTAssertEqual(feed.last?["type"] as? String, "customer.erased")
        XCTAssertEqual(try sales.send("POST", "/v1/customers/\(deleted)/erase", json: ["reason": "again"]).status, 409)
    }

    func testUnknownCustomerIsNotFoundAndAReasonIsRequired() throws {
        let id = try sales.customer("Someone")
        XCTAssertEqual(try sales.send("POST", "/v1/customers/999999/erase", json: ["reason": "x"]).status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/999999/data-export").status, 404)
        for body in [[:], ["reason": "   "], ["reason": NSNull()], ["reason": 5]] as [[String: Any]] {
            let reply = try sales.send("POST", "/v1/customers/\(id)/erase", json: body)
            XCTAssertEqual(reply.status, 422, "\(body): \(reply.text)")
            XCTAssertNotNil(reply.problemEntry("reason"), reply.text)
        }
        let unknown = try sales.send("POST", "/v1/customers/\(id)/erase", json: ["reason": "x", "name": "y"])
        XCTAssertEqual(unknown.status, 422, unknown.text)
        XCTAssertEqual(unknown.problemEntry("name")?["code"] as? String, "unknown_field")
        XCTAssertEqual(try sales.send("POST", "/v1/customers/\(id)/erase?now=1", json: ["reason": "x"]).status, 400)
        XCTAssertEqual(try sales.customerJSON(id)["name"] as? String, "Someone", "nothing was erased")
    }
}
