import Foundation
import XCTest

@testable import CRM

/// `GET/POST /v1/customers/{id}/points` (API.md §2 "customers"): the loyalty ledger over a real
/// socket — entries and balances, newest-first pages, validation, `404`, the never-negative
/// balance under concurrent redemptions, roles, idempotency, and the feed and audit entries.
final class PointsTests: SupportTestCase {
    private func points(_ customer: Int) -> String { "/v1/customers/\(customer)/points" }

    /// `POST …/points` that must answer 201: the entry.
    @discardableResult
    private func entry(
        _ customer: Int, _ delta: Int, _ reason: String = "purchase", file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        try api.expect(201, "POST", points(customer), json: ["delta": delta, "reason": reason], file: file, line: line)
    }

    private func balance(_ customer: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Int? {
        try api.customerJSON(customer, file: file, line: line)["loyalty_points"] as? Int
    }

    private func version(_ customer: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Int? {
        try api.customerJSON(customer, file: file, line: line)["version"] as? Int
    }

    /// The ledger's entries newest first, all pages.
    private func ledger(_ customer: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try api.walk(points(customer), limit: 200, file: file, line: line).entries
    }

    // MARK: - Earn and redeem

    func testEarnAndRedeemAnswerTheEntryAndMoveTheBalance() throws {
        XCTAssertEqual(try balance(customer), 0)
        clock.advance(milliseconds: 1_500)
        let reply = try api.send("POST", points(customer), json: ["delta": 500, "reason": " 首单奖励 "])
        XCTAssertEqual(reply.status, 201, reply.text)
        XCTAssertEqual(reply.header("Content-Type"), "application/json; charset=utf-8")
        let earned = try reply.json()
        XCTAssertEqual(Set(earned.keys), ["id", "delta", "reason", "balance_after", "created_at"])
        XCTAssertGreaterThan(earned.supportID, 0)
        XCTAssertEqual(earned["delta"] as? Int, 500)
        XCTAssertEqual(earned["reason"] as? String, "首单奖励", "trimmed")
        XCTAssertEqual(earned["balance_after"] as? Int, 500)
        XCTAssertEqual(earned["created_at"] as? String, SupportTime.text(SupportTime.start, milliseconds: 1_500))
        let customerAfterEarn = try api.customerJSON(customer)
        XCTAssertEqual(customerAfterEarn["loyalty_points"] as? Int, 500)
        XCTAssertEqual(customerAfterEarn["version"] as? Int, 2, "an entry is a change of the customer")
        XCTAssertEqual(customerAfterEarn["updated_at"] as? String, earned["created_at"] as? String)

        let redeemed = try entry(customer, -120, "coffee voucher")
        XCTAssertEqual(redeemed["delta"] as? Int, -120)
        XCTAssertEqual(redeemed["balance_after"] as? Int, 380)
        XCTAssertGreaterThan(redeemed.supportID, earned.supportID)
        XCTAssertEqual(try balance(customer), 380)
        XCTAssertEqual(try entry(customer, -380, "all of it")["balance_after"] as? Int, 0, "down to exactly zero")
        XCTAssertEqual(try balance(customer), 0)
        XCTAssertEqual(try version(customer), 4)

        let listed = try api.list(points(customer))
        XCTAssertEqual(listed.count, 3)
        XCTAssertEqual(SupportSession.text(listed[1]), SupportSession.text(redeemed))
        XCTAssertEqual(SupportSession.text(listed[2]), SupportSession.text(earned))
    }

    // MARK: - Lists

    func testListIsNewestFirstWithLimitAndCursorWithoutRepeats() throws {
        let other = try api.customer("Other")
        var ids: [Int] = []
        var running = 0
        for index in 1...7 {
            clock.advance(milliseconds: 1_000)
            running += index * 10
            let created = try entry(customer, index * 10, "entry \(index)")
            XCTAssertEqual(created["balance_after"] as? Int, running)
            ids.append(created.supportID)
            if index % 2 == 0 { try entry(other, 1, "elsewhere") }
        }
        let all = try api.list(points(customer))
        XCTAssertEqual(all.map(\.supportID), ids.reversed())
        XCTAssertEqual(all.map { $0["reason"] as? String }, (1...7).reversed().map { "entry \($0)" })
        XCTAssertEqual(all.first?["balance_after"] as? Int, running)
        for limit in [1, 3, 7] {
            let walked = try api.walk(points(customer), limit: limit)
            XCTAssertEqual(walked.entries.map(\.supportID), ids.reversed(), "limit \(limit)")
            XCTAssertEqual(walked.pages, (7 + limit - 1) / limit, "limit \(limit)")
        }
        XCTAssertEqual(try api.listIDs(points(other)).count, 3)

        // A cursor is bound to its customer; junk and unknown parameters are 400s.
        let page = try api.expect(200, "GET", points(customer) + "?limit=2")
        let cursor = try XCTUnwrap(page["next_cursor"] as? String)
        XCTAssertEqual(try api.refuse(400, "GET", points(other) + "?cursor=\(cursor)"), ["cursor"])
        XCTAssertEqual(try api.refuse(400, "GET", points(customer) + "?cursor=garbage"), ["cursor"])
        try api.refuse(400, "GET", points(customer) + "?limit=0")
        try api.refuse(400, "GET", points(customer) + "?limit=201")
        try api.refuse(400, "GET", points(customer) + "?sort=-id")
        // Entries written after a page was read do not repeat on the next page.
        let next = try api.expect(200, "GET", points(customer) + "?limit=2&cursor=\(cursor)")
        try entry(customer, 5, "late")
        XCTAssertEqual((next["data"] as? [[String: Any]])?.map(\.supportID), Array(ids.reversed()[2..<4]))
        let after = try api.expect(200, "GET", points(customer) + "?limit=2&cursor=\(cursor)")
        XCTAssertEqual((after["data"] as? [[String: Any]])?.map(\.supportID), Array(ids.reversed()[2..<4]))
    }

    func testAnEmptyLedgerIsAnEmptyList() throws {
        let body = try api.expect(200, "GET", points(customer))
        XCTAssertEqual((body["data"] as? [Any])?.count, 0)
        XCTAssertEqual(body["has_more"] as? Bool, false)
        XCTAssertTrue(body["next_cursor"] is NSNull)
    }

    // MARK: - Errors

    func testValidationIs422NamingEachFieldAndWritesNothing() throws {
        let path = points(customer)
        try entry(customer, 50)
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["reason": "x"]), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 0, "reason": "x"]), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": NSNull(), "reason": "x"]), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: "{\"delta\":1.5,\"reason\":\"x\"}"), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: "{\"delta\":2.0,\"reason\":\"x\"}"), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": "5", "reason": "x"]), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: "{\"delta\":true,\"reason\":\"x\"}"), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 1_000_000_001, "reason": "x"]), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": -1_000_000_001, "reason": "x"]), ["delta"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 5]), ["reason"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 5, "reason": "   "]), ["reason"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 5, "reason": 7]), ["reason"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 5, "reason": "a\u{1}b"]), ["reason"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 5, "reason": String(repeating: "x", count: 201)]), ["reason"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 5, "reason": "x", "points": 5]), ["points"])
        XCTAssertEqual(try api.refuse(422, "POST", path, json: ["delta": 5, "reason": "x", "balance_after": 55]), ["balance_after"])
        XCTAssertEqual(
            Set(try api.refuse(422, "POST", path, json: ["delta": 0, "note": "n", "created_at": SupportTime.startText])),
            ["delta", "reason", "note", "created_at"])
        XCTAssertEqual(try api.send("POST", path, json: "{\"delta\":").status, 400, "not JSON")
        XCTAssertEqual(try api.send("POST", path, json: "[5]").status, 400, "not an object, like every other body")
        XCTAssertEqual(try api.send("POST", path + "?delta=5", json: ["delta": 5, "reason": "x"]).status, 400)
        XCTAssertEqual(try api.ledgerCount(customer), 1, "nothing was written")
        XCTAssertEqual(try balance(customer), 50)
        XCTAssertEqual(try version(customer), 2)
    }

    func testUnknownOrDeletedCustomerIs404() throws {
        try api.refuse(404, "POST", points(987_654), json: ["delta": 5, "reason": "x"])
        try api.refuse(404, "GET", points(987_654))
        try api.refuse(404, "GET", "/v1/customers/abc/points")
        try entry(customer, 5)
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(customer)").status, 204)
        try api.refuse(404, "POST", points(customer), json: ["delta": 5, "reason": "x"])
        try api.refuse(404, "GET", points(customer))
        XCTAssertEqual(try api.ledgerCount(customer), 1)
    }

    func testOverdrawIs409AndWritesNothing() throws {
        try entry(customer, 100)
        let before = try api.customerJSON(customer)
        let reply = try api.send("POST", points(customer), json: ["delta": -101, "reason": "too much"])
        XCTAssertEqual(reply.status, 409, reply.text)
        XCTAssertEqual(reply.header("Content-Type")?.hasPrefix("application/problem+json"), true)
        let problem = try reply.json()
        XCTAssertEqual(problem["status"] as? Int, 409)
        XCTAssertEqual(reply.problemFields, ["delta"])
        XCTAssertEqual(reply.problemEntry("delta")?["code"] as? String, "insufficient_balance")
        XCTAssertEqual(try api.ledgerCount(customer), 1)
        XCTAssertEqual(SupportSession.text(try api.customerJSON(customer)), SupportSession.text(before), "balance and version unchanged")

        let empty = try api.customer("Empty")
        try api.refuse(409, "POST", points(empty), json: ["delta": -1, "reason": "nothing to redeem"])
        XCTAssertEqual(try api.list(points(empty)).count, 0)
        XCTAssertEqual(try balance(empty), 0)
    }

    // MARK: - Concurrency

    /// Each of `deltas` from a connection of its own, all sent at once; the replies in order.
    private func concurrently(_ customer: Int, _ deltas: [Int]) throws -> [(status: Int, body: [String: Any])] {
        let outcomes = Outcomes(count: deltas.count)
        let ready = DispatchSemaphore(value: 0)
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let port = server.port
        let key = server.adminKey
        for (index, delta) in deltas.enumerated() {
            done.enter()
            Thread {
                defer { done.leave() }
                let client = try? RawClient(port: port, receiveTimeout: 30)
                ready.signal()
                start.wait()
                let reply = try? client?.request(
                    "POST", "/v1/customers/\(customer)/points", headers: [("Authorization", "Bearer \(key)")],
                    body: "{\"delta\":\(delta),\"reason\":\"redemption \(index)\"}")
                outcomes.set(index, status: reply?.status ?? -1, body: reply?.body ?? [])
            }
            .start()
        }
        for _ in deltas { ready.wait() }
        for _ in deltas { start.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        return try outcomes.values.map { status, body in
            (status, body.isEmpty ? [:] : try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]))
        }
    }

    func testConcurrentRedemptionsFromEightConnectionsNeverOverdraw() throws {
        try entry(customer, 500, "stocked up")
        let replies = try concurrently(customer, Array(repeating: -100, count: 8))
        XCTAssertEqual(replies.filter { $0.status == 201 }.count, 5, "exactly the affordable five: \(replies.map(\.status))")
        XCTAssertEqual(replies.filter { $0.status == 409 }.count, 3, "\(replies.map(\.status))")
        XCTAssertEqual(
            Set(replies.filter { $0.status == 201 }.compactMap { $0.body["balance_after"] as? Int }), [400, 300, 200, 100, 0],
            "each success saw the one before it")
        for reply in replies where reply.status == 409 {
            XCTAssertEqual((reply.body["errors"] as? [[String: Any]])?.first?["code"] as? String, "insufficient_balance")
        }
        XCTAssertEqual(try balance(customer), 0)
        try checkLedgerMatchesBalance(customer)

        // Amounts that do not divide the balance: four of 70 fit in 300, the rest are refused.
        try entry(customer, 300, "restock")
        let mixed = try concurrently(customer, Array(repeating: -70, count: 8))
        XCTAssertEqual(mixed.filter { $0.status == 201 }.count, 4, "\(mixed.map(\.status))")
        XCTAssertEqual(mixed.filter { $0.status == 409 }.count, 4, "\(mixed.map(\.status))")
        XCTAssertEqual(try balance(customer), 20)
        try checkLedgerMatchesBalance(customer)
    }

    /// The balance is never negative, equals the sum of the ledger's deltas and the newest
    /// entry's `balance_after`, and every entry's `balance_after` is its predecessor's plus its delta.
    private func checkLedgerMatchesBalance(_ customer: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let entries = try ledger(customer, file: file, line: line).reversed()
        let balance = try XCTUnwrap(try balance(customer, file: file, line: line), file: file, line: line)
        XCTAssertGreaterThanOrEqual(balance, 0, file: file, line: line)
        XCTAssertEqual(entries.compactMap { $0["delta"] as? Int }.reduce(0, +), balance, file: file, line: line)
        XCTAssertEqual(entries.last?["balance_after"] as? Int, balance, file: file, line: line)
        var running = 0
        for entry in entries {
            running += entry["delta"] as? Int ?? 0
            XCTAssertEqual(entry["balance_after"] as? Int, running, file: file, line: line)
            XCTAssertGreaterThanOrEqual(running, 0, file: file, line: line)
        }
    }

    // MARK: - Roles, idempotency, feed and audit

    func testWritingRolesMayAddEntriesViewerMayNotAndEveryRoleReads() throws {
        try entry(customer, 10)
        for role in ["sales", "support", "marketing"] {
            let session = try SupportSession.role(server, role)
            let created = try session.expect(201, "POST", points(customer), json: ["delta": 1, "reason": "\(role) bonus"])
            XCTAssertEqual(created["reason"] as? String, "\(role) bonus")
            XCTAssertEqual(try session.list(points(customer)).first?.supportID, created.supportID, role)
        }
        let viewer = try SupportSession.role(server, "viewer")
        try viewer.refuse(403, "POST", points(customer), json: ["delta": 1, "reason": "viewer bonus"])
        try viewer.refuse(403, "POST", points(customer), json: ["delta": -1000, "reason": "forbidden before validated"])
        XCTAssertEqual(try viewer.list(points(customer)).count, 4)
        XCTAssertEqual(try balance(customer), 13)
        let anonymous = try server.client().request("GET", points(customer))
        XCTAssertEqual(anonymous.status, 401)
    }

    func testIdempotencyKeyReplaysTheEntryAndWritesOnce() throws {
        try entry(customer, 100)
        let body = SupportSession.text(["delta": -30, "reason": "once"])
        let first = try api.send("POST", points(customer), json: body, headers: [("Idempotency-Key", "redeem-once")])
        XCTAssertEqual(first.status, 201, first.text)
        let replay = try api.send("POST", points(customer), json: body, headers: [("Idempotency-Key", "redeem-once")])
        XCTAssertEqual(replay.status, 201, replay.text)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(replay.text, first.text)
        let changed = try api.send(
            "POST", points(customer), json: ["delta": -31, "reason": "once"], headers: [("Idempotency-Key", "redeem-once")])
        XCTAssertEqual(changed.status, 422, changed.text)
        XCTAssertEqual(try api.ledgerCount(customer), 2)
        XCTAssertEqual(try balance(customer), 70)
    }

    func testEachEntryIsACustomerUpdateInTheFeedAndTheAuditLog() throws {
        let created = try entry(customer, 250, "welcome")
        clock.advance(milliseconds: 2_000)
        try entry(customer, -50, "redeemed")
        let feed = try api.expect(200, "GET", "/v1/changes?types=customer")
        let entries = (feed["data"] as? [[String: Any]] ?? []).filter { $0["id"] as? Int == customer }
        XCTAssertEqual(entries.map { $0["type"] as? String }, ["customer.created", "customer.updated", "customer.updated"])
        let last = try XCTUnwrap(entries.last?["data"] as? [String: Any])
        XCTAssertEqual(last["loyalty_points"] as? Int, 200)
        XCTAssertEqual(last["version"] as? Int, 3)
        XCTAssertEqual(entries.last?["occurred_at"] as? String, SupportTime.text(SupportTime.start, milliseconds: 2_000))
        XCTAssertEqual((entries[1]["data"] as? [String: Any])?["loyalty_points"] as? Int, created["balance_after"] as? Int)

        let audit = try api.list("/v1/audit-log", [("record_type", "customer"), ("record_id", String(customer))])
        XCTAssertEqual(audit.map { $0["action"] as? String }, ["update", "update", "create"])
        XCTAssertEqual(
            SupportSession.text(audit[0]["changes"] ?? NSNull()), SupportSession.text(["loyalty_points": ["before": 250, "after": 200]]))
        XCTAssertEqual(
            SupportSession.text(audit[1]["changes"] ?? NSNull()), SupportSession.text(["loyalty_points": ["before": 0, "after": 250]]))
    }
}

extension SupportSession {
    /// Ledger rows of `customer` as stored (the API lists only live customers' ledgers).
    func ledgerCount(_ customer: Int) throws -> Int {
        try server.application.database.read {
            try $0.queryOne("SELECT count(*) FROM loyalty_ledger WHERE customer_id = ?", [.integer(Int64(customer))])?.int(0)
        } ?? -1
    }
}

/// Replies collected from several threads, each into its own slot.
private final class Outcomes: @unchecked Sendable {
    // @unchecked Sendable: `slots` is only touched under `lock`.
    private let lock = NSLock()
    private var slots: [(status: Int, body: [UInt8])]

    init(count: Int) { slots = Array(repeating: (-1, []), count: count) }

    func set(_ index: Int, status: Int, body: [UInt8]) { lock.withLock { slots[index] = (status, body) } }
    var values: [(status: Int, body: [UInt8])] { lock.withLock { slots } }
}
