import Foundation
import JSON
import SQLite
import XCTest

@testable import CRM

private let customers = CustomerService(baseCurrency: "CNY")
private let ledger = LoyaltyLedger(customers: customers)
private let t0 = Timestamp(rfc3339: "2026-11-23T08:00:00.000Z")!

/// LoyaltyLedger on the writer: body rules, the never-negative balance, the customer's
/// `loyalty_points`, version, change feed and audit entry moving with each entry in one
/// transaction, and newest-first pages.
final class LoyaltyLedgerTests: XCTestCase {
    private var directory: URL!
    private var database: Database!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-points-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try Database.open(
            path: directory.appendingPathComponent("crm.sqlite").path, synchronous: .normal, maximumReaders: 2)
    }

    override func tearDown() {
        database?.close()
        database = nil
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Helpers

    private func customer(_ name: String = "Li Lei") throws -> Int64 {
        let body = try XCTUnwrap(try JSONParser.parse("{\"type\":\"person\",\"name\":\"\(name)\"}").objectValue)
        let changes = try RecordInput.parse(body, schema: CustomerSchema.schema, mode: .create)
        return try database.writeAndWait { try customers.createRecord($0, changes, actor: 1, now: t0) }.id
    }

    private func parse(_ json: String) throws -> LoyaltyLedger.Input {
        try LoyaltyLedger.parse(try XCTUnwrap(try JSONParser.parse(Array(json.utf8), exactNumbers: true).objectValue))
    }

    /// The `field:code` pairs of the validation error `json` gets.
    private func issues(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try parse(json)
            XCTFail("\(json) was accepted", file: file, line: line)
        } catch CRMError.validation(let issues) {
            return issues.map { "\($0.field):\($0.code)" }
        } catch {
            XCTFail("\(json): \(error)", file: file, line: line)
        }
        return []
    }

    @discardableResult
    private func add(_ customerID: Int64, _ delta: Int64, _ reason: String = "purchase", seconds: Int64 = 60, actor: Int64? = 7) throws
        -> LoyaltyEntry
    {
        let input = LoyaltyLedger.Input(delta: delta, reason: reason)
        return try database.writeAndWait {
            try ledger.add($0, customerID: customerID, input, actor: actor, now: t0.adding(seconds: seconds))
        }
    }

    private func customerRow(_ id: Int64) throws -> Row {
        try XCTUnwrap(try database.read { try $0.queryOne("SELECT * FROM customers WHERE id = ?", [.integer(id)]) })
    }

    private func count(_ table: String) throws -> Int {
        try database.read { try $0.queryOne("SELECT count(*) FROM \(table)")?.int(0) ?? -1 }
    }

    /// Every entry of the customer's ledger, newest first, walking pages of `limit`.
    private func walk(_ customerID: Int64, limit: Int) throws -> [JSONObject] {
        var all: [JSONObject] = []
        var before: Int64?
        while true {
            let page = try XCTUnwrap(try database.read { try ledger.page($0, customerID: customerID, beforeID: before, limit: limit) })
            all += try page.map { try XCTUnwrap(try JSONParser.parse($0.json).objectValue) }
            guard page.count == limit, let last = page.last else { return all }
            before = last.id
        }
    }

    // MARK: Body

    func testAValidBodyIsTrimmedAndKept() throws {
        XCTAssertEqual(try parse("{\"delta\":250,\"reason\":\"  order #1001 \"}"), LoyaltyLedger.Input(delta: 250, reason: "order #1001"))
        XCTAssertEqual(try parse("{\"delta\":-1000000000,\"reason\":\"兑换礼品\"}"), LoyaltyLedger.Input(delta: -1_000_000_000, reason: "兑换礼品"))
        XCTAssertEqual(try parse("{\"reason\":\"x\",\"delta\":1000000000}").delta, 1_000_000_000)
    }

    func testDeltaMustBeANonZeroBoundedInteger() {
        XCTAssertEqual(issues("{\"reason\":\"x\"}"), ["delta:required"])
        XCTAssertEqual(issues("{\"delta\":null,\"reason\":\"x\"}"), ["delta:required"])
        XCTAssertEqual(issues("{\"delta\":0,\"reason\":\"x\"}"), ["delta:out_of_range"])
        XCTAssertEqual(issues("{\"delta\":1000000001,\"reason\":\"x\"}"), ["delta:out_of_range"])
        XCTAssertEqual(issues("{\"delta\":-1000000001,\"reason\":\"x\"}"), ["delta:out_of_range"])
        for value in ["1.5", "1.0", "1e2", "\"5\"", "true", "[5]", "{}"] {
            XCTAssertEqual(issues("{\"delta\":\(value),\"reason\":\"x\"}"), ["delta:invalid_type"], value)
        }
    }

    func testReasonIsRequiredShortPlainText() {
        XCTAssertEqual(issues("{\"delta\":5}"), ["reason:required"])
        XCTAssertEqual(issues("{\"delta\":5,\"reason\":null}"), ["reason:required"])
        XCTAssertEqual(issues("{\"delta\":5,\"reason\":\"   \"}"), ["reason:required"])
        XCTAssertEqual(issues("{\"delta\":5,\"reason\":42}"), ["reason:invalid_type"])
        XCTAssertEqual(issues("{\"delta\":5,\"reason\":\"a\\u0000b\"}"), ["reason:invalid_characters"])
        XCTAssertEqual(issues("{\"delta\":5,\"reason\":\"\(String(repeating: "积", count: 201))\"}"), ["reason:too_long"])
        XCTAssertNoThrow(try parse("{\"delta\":5,\"reason\":\"\(String(repeating: "积", count: 200))\"}"))
    }

    func testEveryInvalidAndUnknownFieldIsReportedAtOnce() {
        XCTAssertEqual(
            Set(issues("{\"delta\":0,\"points\":5,\"balance_after\":9,\"id\":1}")),
            ["delta:out_of_range", "reason:required", "points:unknown_field", "balance_after:read_only", "id:read_only"])
    }

    // MARK: Balance

    func testEarningAndRedeemingMoveTheBalance() throws {
        let id = try customer()
        let earned = try add(id, 500, "welcome bonus", seconds: 1)
        XCTAssertEqual(earned.delta, 500)
        XCTAssertEqual(earned.balanceAfter, 500)
        XCTAssertEqual(earned.reason, "welcome bonus")
        XCTAssertEqual(earned.createdAt, t0.adding(seconds: 1).rfc3339)
        XCTAssertEqual(earned.customerID, id)
        let redeemed = try add(id, -120, "coffee", seconds: 2)
        XCTAssertEqual(redeemed.balanceAfter, 380)
        XCTAssertGreaterThan(redeemed.id, earned.id)
        let spentAll = try add(id, -380, "everything", seconds: 3)
        XCTAssertEqual(spentAll.balanceAfter, 0, "a balance may reach zero exactly")

        let row = try customerRow(id)
        XCTAssertEqual(row.int64("loyalty_points"), 0)
        XCTAssertEqual(row.int64("version"), 4, "each entry bumps the customer's version")
        XCTAssertEqual(row.string("updated_at"), t0.adding(seconds: 3).rfc3339)

        let rendered = try XCTUnwrap(try JSONParser.parse(redeemed.rendered.json).objectValue)
        XCTAssertEqual(
            JSONValue.object(rendered),
            ["id": .int(redeemed.id), "delta": -120, "reason": "coffee", "balance_after": 380, "created_at": .string(redeemed.createdAt)])
    }

    func testOverdrawingIsAConflictAndWritesNothing() throws {
        let id = try customer()
        try add(id, 100)
        let feed = try count("changes")
        let audit = try count("audit_log")
        let version = try customerRow(id).int64("version")
        XCTAssertThrowsError(try add(id, -101)) { error in
            guard case CRMError.conflict(_, let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.map(\.field), ["delta"])
            XCTAssertEqual(issues.map(\.code), ["insufficient_balance"])
            XCTAssertTrue(issues[0].message.contains("100"), issues[0].message)
        }
        XCTAssertEqual(try count("loyalty_ledger"), 1)
        XCTAssertEqual(try count("changes"), feed)
        XCTAssertEqual(try count("audit_log"), audit)
        XCTAssertEqual(try customerRow(id).int64("loyalty_points"), 100)
        XCTAssertEqual(try customerRow(id).int64("version"), version)

        let fresh = try customer("Han Meimei")
        XCTAssertThrowsError(try add(fresh, -1)) { error in
            guard case CRMError.conflict = error else { return XCTFail("\(error)") }
        }
    }

    func testABalanceThatWouldOverflowIsAConflict() throws {
        let id = try customer()
        _ = try database.writeAndWait {
            try $0.run("UPDATE customers SET loyalty_points = ? WHERE id = ?", [.integer(.max - 10), .integer(id)])
        }
        XCTAssertThrowsError(try add(id, 11)) { error in
            guard case CRMError.conflict(_, let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.map(\.code), ["out_of_range"])
        }
        XCTAssertEqual(try add(id, 10).balanceAfter, .max)
    }

    func testUnknownOrDeletedCustomerIsNotFound() throws {
        XCTAssertThrowsError(try add(987_654, 5)) { error in
            guard case CRMError.notFound = error else { return XCTFail("\(error)") }
        }
        XCTAssertNil(try database.read { try ledger.page($0, customerID: 987_654, beforeID: nil, limit: 10) })
        let id = try customer()
        try add(id, 5)
        try database.writeAndWait { try customers.delete($0, id: id, ifMatch: nil, actor: 1, now: t0.adding(seconds: 90)) }
        XCTAssertThrowsError(try add(id, 5)) { error in
            guard case CRMError.notFound = error else { return XCTFail("\(error)") }
        }
        XCTAssertNil(try database.read { try ledger.page($0, customerID: id, beforeID: nil, limit: 10) })
        XCTAssertEqual(try count("loyalty_ledger"), 1)
    }

    // MARK: Feed and audit

    func testEachEntryLogsCustomerUpdatedAndAuditsTheBalance() throws {
        let id = try customer()
        try add(id, 300, seconds: 10, actor: 42)
        try add(id, -50, seconds: 20, actor: 43)

        let feed = try database.read {
            try $0.query("SELECT type, record_id, occurred_at, data FROM changes WHERE record_type = 'customer' ORDER BY seq")
        }
        XCTAssertEqual(feed.map { $0.string("type") }, ["customer.created", "customer.updated", "customer.updated"])
        XCTAssertEqual(feed.map { $0.int64("record_id") }, [id, id, id])
        XCTAssertEqual(feed[2].string("occurred_at"), t0.adding(seconds: 20).rfc3339)
        let data = try XCTUnwrap(try JSONParser.parse(feed[2].string("data") ?? "").objectValue)
        XCTAssertEqual(data["loyalty_points"], 250)
        XCTAssertEqual(data["version"], 3)

        let audit = try database.read {
            try $0.query("SELECT key_id, action, changes FROM audit_log WHERE record_type = 'customer' ORDER BY id")
        }
        XCTAssertEqual(audit.map { $0.string("action") }, ["create", "update", "update"])
        XCTAssertEqual(audit.map { $0.int64("key_id") }, [1, 42, 43])
        XCTAssertEqual(try JSONParser.parse(audit[1].string("changes") ?? ""), ["loyalty_points": ["before": 0, "after": 300]])
        XCTAssertEqual(try JSONParser.parse(audit[2].string("changes") ?? ""), ["loyalty_points": ["before": 300, "after": 250]])

        let stored = try database.read { try $0.query("SELECT key_id FROM loyalty_ledger ORDER BY id") }
        XCTAssertEqual(stored.map { $0.int64("key_id") }, [42, 43])
    }

    // MARK: Pages

    func testPagesAreNewestFirstWithoutRepeats() throws {
        let id = try customer()
        let other = try customer("Other")
        var expected: [Int64] = []
        for index in 1...7 {
            expected.append(try add(id, Int64(index * 10), "entry \(index)", seconds: Int64(index)).id)
            if index % 3 == 0 { try add(other, 1, "elsewhere") }
        }
        for limit in [1, 2, 3, 7, 50] {
            let entries = try walk(id, limit: limit)
            XCTAssertEqual(entries.map { $0["id"]?.intValue ?? -1 }, expected.reversed(), "limit \(limit)")
        }
        let first = try walk(id, limit: 50)[0]
        XCTAssertEqual(first["balance_after"], .int((1...7).reduce(0) { $0 + Int64($1 * 10) }))
        XCTAssertEqual(first["reason"], "entry 7")
        XCTAssertEqual(try walk(other, limit: 50).count, 2)
        let empty = try customer("Empty")
        XCTAssertEqual(try database.read { try ledger.page($0, customerID: empty, beforeID: nil, limit: 5) }?.count, 0)
    }
}
