import Foundation
import SQLite
import XCTest

@testable import CRM

/// `crm-server seed` gives every insight feature something to show (README "Command line"):
/// tasks in customers' timelines, loyalty balances that are their ledgers' sums, duplicates the
/// duplicates endpoint finds, feedback over many months, an opportunity funnel, ticket times,
/// custom fields with values that fit them.
/// Each test seeds a fresh server's database of its own.
final class SeedInsightTests: CustomerTestCase {
    private let customers = 2000

    override func setUpWithError() throws {
        try TestDatabase.requireSQLite("the bulk seeder writes the SQLite file directly")
        try super.setUpWithError()
        try CustomerSeeder().seed(server.application.database.writer!, count: customers)
    }

    private func query(_ sql: String) throws -> [Row] {
        try server.application.database.read { try $0.query(sql) }
    }

    private func number(_ sql: String) throws -> Int {
        try query(sql).first?.int(0) ?? -1
    }

    private func expect200(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let reply = try api.send("GET", target)
        XCTAssertEqual(reply.status, 200, "\(target): \(reply.text)", file: file, line: line)
        return try reply.json()
    }

    func testSeededTasksAreOpenOrDoneAroundTodayAndShowInTimelines() throws {
        let tasks = try number("SELECT count(*) FROM tasks")
        XCTAssertGreaterThan(tasks, customers / 5, "about 0.3 tasks per customer")
        XCTAssertLessThan(tasks, customers / 2)
        let statuses = try query("SELECT status, count(*) FROM tasks GROUP BY status").map { ($0.string(0) ?? "", $0.int(1) ?? 0) }
        XCTAssertEqual(Set(statuses.map(\.0)), ["open", "done", "cancelled"])
        XCTAssertEqual(try number("SELECT count(*) FROM tasks WHERE source != 'manual' OR customer_id IS NULL"), 0)
        XCTAssertEqual(
            try number("SELECT count(*) FROM tasks WHERE assignee NOT IN ('陈静', '李强', '王磊', 'Emma Clark', 'Noah Hall', '刘洋')"), 0)
        let now = Timestamp.now().rfc3339
        XCTAssertGreaterThan(try number("SELECT count(*) FROM tasks WHERE status = 'open' AND due_at < '\(now)'"), 0, "some are overdue")
        XCTAssertGreaterThan(try number("SELECT count(*) FROM tasks WHERE status = 'open' AND due_at > '\(now)'"), 0, "some are coming up")
        XCTAssertEqual(try number("SELECT count(*) FROM tasks WHERE created_at > '\(now)' OR updated_at < created_at"), 0)

        // The API lists them, and each shows in its customer's timeline.
        let open = try expect200("/v1/tasks?status=open&sort=due_at&limit=5")
        let first = try XCTUnwrap((open["data"] as? [[String: Any]])?.first)
        let task = try XCTUnwrap(first["id"] as? Int)
        let customer = try XCTUnwrap(first["customer_id"] as? Int)
        let timeline = try expect200("/v1/customers/\(customer)/timeline?limit=100")
        let entries = timeline["data"] as? [[String: Any]] ?? []
        XCTAssertTrue(entries.contains { $0["kind"] as? String == "task" && $0["id"] as? Int == task }, "\(entries)")
    }

    func testSeededLoyaltyBalancesAreTheirLedgersSumsAndNeverNegative() throws {
        XCTAssertEqual(
            try number(
                """
                SELECT count(*) FROM customers c
                WHERE c.loyalty_points != coalesce((SELECT sum(delta) FROM loyalty_ledger l WHERE l.customer_id = c.id), 0)
                   OR c.loyalty_points != coalesce(
                        (SELECT balance_after FROM loyalty_ledger l WHERE l.customer_id = c.id ORDER BY id DESC LIMIT 1), 0)
                   OR c.loyalty_points < 0
                """), 0)
        // Each entry's balance is the running sum up to it, in id order (never below zero).
        XCTAssertEqual(
            try number(
                """
                SELECT count(*) FROM loyalty_ledger l
                WHERE l.balance_after != (SELECT sum(delta) FROM loyalty_ledger p WHERE p.customer_id = l.customer_id AND p.id <= l.id)
                   OR l.balance_after < 0
                """), 0)
        XCTAssertGreaterThan(try number("SELECT count(*) FROM customers WHERE loyalty_points > 0"), customers / 3)
        XCTAssertGreaterThan(try number("SELECT count(*) FROM loyalty_ledger WHERE delta < 0"), 10, "some points were redeemed")

        // The API agrees: the newest entry's balance is the customer's.
        let id = try number("SELECT customer_id FROM loyalty_ledger WHERE delta < 0 LIMIT 1")
        let points = try expect200("/v1/customers/\(id)/points?limit=1")
        let newest = try XCTUnwrap((points["data"] as? [[String: Any]])?.first)
        let balance = try expect200("/v1/customers/\(id)")["loyalty_points"] as? Int
        XCTAssertEqual(newest["balance_after"] as? Int, balance)
    }

    func testDuplicatesEndpointFindsTheSeededDuplicatesAndTheyMerge() throws {
        var groups: [[String: Any]] = []
        var cursor: String?
        repeat {
            let page = try expect200("/v1/customers/duplicates?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
            groups += page["data"] as? [[String: Any]] ?? []
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        let reasons = Dictionary(grouping: groups) { $0["reason"] as? String ?? "?" }
        // About one customer in 200 copies an earlier one, by phone or by name and company; few
        // others share either by chance.
        XCTAssertGreaterThanOrEqual(reasons["phone"]?.count ?? 0, 2, "\(reasons.keys)")
        XCTAssertGreaterThanOrEqual(reasons["name_company"]?.count ?? 0, 2, "\(reasons.keys)")
        XCTAssertGreaterThan(groups.count, customers / 400)
        XCTAssertLessThan(groups.count, customers / 50)
        let group = try XCTUnwrap(reasons["name_company"]?.first)
        let ids = (group["customers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        XCTAssertGreaterThanOrEqual(ids.count, 2)
        // A planted duplicate is a record of its own (another email), and merges into the first.
        let merged = try api.send("POST", "/v1/customers/\(ids[0])/merge", json: ["from": Array(ids.dropFirst())])
        XCTAssertEqual(merged.status, 200, merged.text)
        XCTAssertEqual(try number("SELECT count(*) FROM customers WHERE merged_into = \(ids[0])"), ids.count - 1)
    }

    func testSeededFieldsAreDefinedHeldBySomeAndFilterable() throws {
        let defined = try expect200("/v1/fields?limit=50")["data"] as? [[String: Any]] ?? []
        let keys = ["contract_renewal", "employee_count", "nps_consent", "preferred_channel", "vip_level"]
        XCTAssertEqual(defined.compactMap { $0["key"] as? String }.sorted(), keys)
        for key in keys {
            XCTAssertEqual(try expect200("/v1/fields/\(key)")["violations"] as? Int, 0, "every seeded value of \(key) fits")
            let held = try number("SELECT count(*) FROM customers WHERE json_extract(attributes, '$.\(key)') IS NOT NULL")
            XCTAssertGreaterThan(held, customers / 20, key)
            XCTAssertLessThan(held, customers * 9 / 10, "not every customer has \(key)")
        }
        XCTAssertEqual(try number("SELECT count(*) FROM sqlite_master WHERE name LIKE 'customers_by_attribute_%'"), keys.count)
        XCTAssertEqual(
            try number("SELECT count(*) FROM customers WHERE type = 'person' AND json_extract(attributes, '$.employee_count') IS NOT NULL"),
            0, "head counts are companies'")

        // Typed filters and rule leaves find them.
        let gold = try expect200("/v1/customers?attributes.vip_level=gold&limit=5")["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(gold.count, 5)
        XCTAssertTrue(gold.allSatisfy { ($0["attributes"] as? [String: Any])?["vip_level"] as? String == "gold" }, "\(gold)")
        let large = try expect200("/v1/customers?attributes.employee_count[gte]=1000&limit=5")["data"] as? [[String: Any]] ?? []
        XCTAssertFalse(large.isEmpty)
        XCTAssertTrue(large.allSatisfy { $0["company_size"] as? String == "1000+" }, "\(large)")
        let search = try api.send(
            "POST", "/v1/customers/search",
            json: ["rules": ["all": [["field": "attributes.preferred_channel", "op": "eq", "value": "wechat"]]], "limit": 5])
        XCTAssertEqual(search.status, 200, search.text)
        XCTAssertEqual((try search.json()["data"] as? [[String: Any]])?.count, 5)

        // Seeding more keeps the definitions as they are.
        try CustomerSeeder().seed(server.application.database.writer!, count: 10)
        XCTAssertEqual(try number("SELECT count(*) FROM custom_fields"), keys.count)
    }

    func testFeedbackSpansMonthsAndTheOtherReportsHaveShape() throws {
        let report = try expect200("/v1/analytics/feedback")
        let months = report["by_month"] as? [[String: Any]] ?? []
        XCTAssertGreaterThanOrEqual(months.count, 15, "feedback over the last 18 months: \(months.map { $0["month"] ?? "?" })")
        XCTAssertGreaterThan(months.filter { ($0["count"] as? Int ?? 0) > 0 && $0["nps"] != nil }.count, 10)
        let kinds = report["by_kind"] as? [String: Any] ?? [:]
        XCTAssertTrue(["nps", "csat", "ces", "complaint", "suggestion"].allSatisfy { kinds[$0] != nil }, "\(kinds)")

        // Opportunities move through the pipeline: every stage entered, fewer at each later one.
        let entered = Dictionary(
            uniqueKeysWithValues: try query("SELECT to_stage, count(DISTINCT opportunity_id) FROM opportunity_stage_history GROUP BY 1")
                .map { ($0.string(0) ?? "", $0.int(1) ?? 0) })
        let stages = ["qualification", "needs_analysis", "proposal", "negotiation"]
        XCTAssertEqual(entered[stages[0]], try number("SELECT count(*) FROM opportunities"), "every one starts qualified")
        for (earlier, later) in zip(stages, stages.dropFirst()) {
            XCTAssertLessThan(entered[later] ?? 0, entered[earlier] ?? 0, "\(entered)")
            XCTAssertGreaterThan(entered[later] ?? 0, 0, "\(entered)")
        }
        XCTAssertGreaterThan(entered["won"] ?? 0, 0)
        XCTAssertGreaterThan(entered["lost"] ?? 0, 0)
        XCTAssertEqual(
            try number(
                """
                SELECT count(*) FROM opportunities o
                WHERE o.stage != (SELECT to_stage FROM opportunity_stage_history h WHERE h.opportunity_id = o.id ORDER BY id DESC LIMIT 1)
                   OR o.stage_entered_at != (SELECT max(changed_at) FROM opportunity_stage_history h WHERE h.opportunity_id = o.id)
                """), 0, "the history ends where the opportunity stands")

        // Tickets were answered and solved after they were opened, in minutes to days.
        let tickets = try expect200("/v1/analytics/tickets")
        XCTAssertGreaterThan(tickets["median_first_response_minutes"] as? Double ?? 0, 0, "\(tickets)")
        XCTAssertGreaterThan(tickets["median_resolution_minutes"] as? Double ?? 0, 0, "\(tickets)")
        XCTAssertEqual(
            try number("SELECT count(*) FROM tickets WHERE first_response_at < created_at OR solved_at < first_response_at"), 0)
    }
}
