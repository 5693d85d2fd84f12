import Foundation
import XCTest

/// `GET /v1/customers/{id}/data-export` (API.md §2, "data-subject requests"; admin only): one JSON
/// document with the customer and every record about them, streamed.
final class DataSubjectExportTests: DataSubjectTestCase {
    private func export(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> (
        document: [String: Any], reply: RawClient.Reply
    ) {
        let reply = try sales.send("GET", "/v1/customers/\(id)/data-export")
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        guard reply.status == 200 else { throw RawClient.ClientError("export answered \(reply.status)") }
        return (try reply.json(), reply)
    }

    private func ids(_ document: [String: Any], _ section: String) -> [Int] {
        (document[section] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }

    func testExportHoldsTheCustomerAndEveryKindOfRecordAboutThem() throws {
        let id = try sales.api.createPerson("Li Na", ["email": "li.na@example.com", "tags": ["vip"]])
        let other = try sales.customer("Someone else")
        let order = try XCTUnwrap(try sales.order(id, amount: 990, at: SalesTime.ago(days: 4))["id"] as? Int)
        let deletedOrder = try XCTUnwrap(try sales.order(id, amount: 10, at: SalesTime.ago(days: 4))["id"] as? Int)
        try sales.expect(204, "DELETE", "/v1/orders/\(deletedOrder)")
        try sales.order(other, amount: 500, at: SalesTime.ago(days: 4))
        let interaction = try XCTUnwrap(
            try sales.interaction(id, at: SalesTime.ago(days: 2), ["subject": "Call", "body": "Asked about prices"])["id"] as? Int)
        let opportunity = try XCTUnwrap(try sales.opportunity(id, name: "Renewal")["id"] as? Int)
        let ticket = try XCTUnwrap(try support.ticket(id, "Broken")["id"] as? Int)
        let comment = try XCTUnwrap(try support.comment(ticket, body: "Looking into it")["id"] as? Int)
        let feedback = try XCTUnwrap(try support.feedback(id, kind: "csat", score: 5, ["comment": "Great"])["id"] as? Int)
        let task = try XCTUnwrap(try sales.expect(201, "POST", "/v1/tasks", json: ["title": "Follow up", "customer_id": id])["id"] as? Int)
        let entry = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers/\(id)/points", json: ["delta": 20, "reason": "welcome"])["id"] as? Int)
        try sales.expect(200, "PATCH", "/v1/customers/\(id)", json: ["title": "Buyer"])

        let (document, reply) = try export(id)
        XCTAssertEqual(reply.header("Content-Type"), "application/json; charset=utf-8")
        XCTAssertEqual(reply.header("Transfer-Encoding")?.lowercased(), "chunked")
        XCTAssertEqual(
            Set(document.keys),
            [
                "exported_at", "customer", "merged_customers", "orders", "interactions", "opportunities", "tickets", "ticket_comments",
                "feedback", "tasks", "points", "audit_log",
            ])
        let customer = try XCTUnwrap(document["customer"] as? [String: Any])
        XCTAssertEqual(customer["id"] as? Int, id)
        XCTAssertEqual(customer["email"] as? String, "li.na@example.com")
        XCTAssertEqual(customer["title"] as? String, "Buyer")
        XCTAssertEqual(ids(document, "merged_customers"), [])
        XCTAssertEqual(ids(document, "orders"), [order, deletedOrder], "deleted records are data held about them too")
        XCTAssertEqual(ids(document, "interactions"), [interaction])
        XCTAssertEqual((document["interactions"] as? [[String: Any]])?.first?["body"] as? String, "Asked about prices")
        XCTAssertEqual(ids(document, "opportunities"), [opportunity])
        XCTAssertEqual(ids(document, "tickets"), [ticket])
        XCTAssertEqual(ids(document, "ticket_comments"), [comment])
        let comments = document["ticket_comments"] as? [[String: Any]]
        XCTAssertEqual(comments?.first?["body"] as? String, "Looking into it")
        XCTAssertEqual(comments?.first?["ticket_id"] as? Int, ticket)
        XCTAssertEqual(ids(document, "feedback"), [feedback])
        XCTAssertEqual(ids(document, "tasks"), [task])
        XCTAssertEqual(ids(document, "points"), [entry])
        XCTAssertEqual((document["points"] as? [[String: Any]])?.first?["reason"] as? String, "welcome")
        // Audit entries of the customer and of its records, oldest first, none of the other customer's.
        let audit = document["audit_log"] as? [[String: Any]] ?? []
        let named = Set(audit.map { "\($0["record_type"] as? String ?? "?"):\($0["record_id"] as? Int ?? 0)" })
        XCTAssertEqual(
            named,
            [
                "customer:\(id)", "order:\(order)", "order:\(deletedOrder)", "interaction:\(interaction)", "opportunity:\(opportunity)",
                "ticket:\(ticket)", "feedback:\(feedback)", "task:\(task)",
            ])
        let auditIDs = audit.compactMap { $0["id"] as? Int }
        XCTAssertEqual(auditIDs, auditIDs.sorted())
    }

    /// The customers merged into this one were the same person: their deleted rows, their
    /// loyalty entries and audit entries are in the export (an erase erases them with it).
    func testExportHoldsTheCustomersMergedIntoIt() throws {
        let survivor = try sales.api.createPerson("Li Na", ["email": "li.na@example.com"])
        let first = try sales.api.createPerson("Li Na (old)", ["email": "old@example.com"])
        let second = try sales.api.createPerson("Na Li", ["email": "na.li@example.com"])
        try sales.expect(201, "POST", "/v1/customers/\(second)/points", json: ["delta": 7, "reason": "old points"])
        try sales.expect(200, "POST", "/v1/customers/\(first)/merge", json: ["from": [second]])
        try sales.expect(200, "POST", "/v1/customers/\(survivor)/merge", json: ["from": [first]])
        let unrelated = try sales.customer("Someone else")

        let document = try export(survivor).document
        XCTAssertEqual(ids(document, "merged_customers"), [first, second], "directly and through another")
        let merged = document["merged_customers"] as? [[String: Any]] ?? []
        XCTAssertEqual(merged.map { $0["email"] as? String }, ["old@example.com", "na.li@example.com"])
        XCTAssertEqual(merged.map { $0["merged_into"] as? Int }, [survivor, first])
        let reasons = (document["points"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        XCTAssertTrue(reasons.contains("old points"), "\(reasons)")
        let audited = Set(
            (document["audit_log"] as? [[String: Any]] ?? []).filter { $0["record_type"] as? String == "customer" }
                .compactMap { $0["record_id"] as? Int })
        XCTAssertEqual(audited, [survivor, first, second])
        XCTAssertFalse(audited.contains(unrelated))
        // Each merged customer's own export is its own.
        XCTAssertEqual(ids(try export(second).document, "merged_customers"), [])
    }

    func testExportOfAnErasedCustomerHoldsOnlyWhatTheEraseLeft() throws {
        let id = try sales.api.createPerson("Wang Fang", ["email": "wang@example.com"])
        try sales.interaction(id, at: SalesTime.ago(days: 1), ["body": "private"])
        try erase(id)
        let document = try export(id).document
        let customer = try XCTUnwrap(document["customer"] as? [String: Any])
        XCTAssertEqual(customer["name"] as? String, "erased")
        XCTAssertNotNil(customer["erased_at"] as? String)
        XCTAssertTrue((document["interactions"] as? [[String: Any]])?.first?["body"] is NSNull)
        XCTAssertFalse(String(decoding: try sales.send("GET", "/v1/customers/\(id)/data-export").body, as: UTF8.self).contains("wang@"))
    }

    func testALargeExportStreamsEveryPage() throws {
        let id = try sales.customer("Busy")
        // More records than one page of the export reads (500), written straight to the table.
        try sales.api.sql(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1203)
            INSERT INTO interactions (customer_id, channel, subject, occurred_at, created_at, updated_at)
            SELECT \(id), 'call', 'Call ' || i, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM n
            """)
        let document = try export(id).document
        let interactions = document["interactions"] as? [[String: Any]] ?? []
        XCTAssertEqual(interactions.count, 1203)
        XCTAssertEqual(interactions.last?["subject"] as? String, "Call 1203")
        XCTAssertEqual(ids(document, "interactions"), ids(document, "interactions").sorted())
    }

    func testHeadAnswersTheHeadersOnly() throws {
        let id = try sales.customer("Head")
        let reply = try sales.send("HEAD", "/v1/customers/\(id)/data-export")
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.body.isEmpty)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(id)/data-export?format=csv").status, 400)
    }
}
