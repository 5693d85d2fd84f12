import Foundation
import JSON
import SQLite
import XCTest

@testable import CRM

/// Lists that must be served in index order, not sorted per page: checked on the migrated
/// schema with EXPLAIN QUERY PLAN (speed itself is the benchmark's business).
final class QueryPlanTests: XCTestCase {
    private var directory: URL!
    private var database: Database!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-plans-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try Database.open(path: directory.appendingPathComponent("crm.sqlite").path, synchronous: .normal, maximumReaders: 1)
    }

    override func tearDown() {
        database?.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func plan(_ sql: String) throws -> String {
        try database.read { try $0.query("EXPLAIN QUERY PLAN " + sql).compactMap { $0.string("detail") } }.joined(separator: "; ")
    }

    func testTicketsOfAStatusAreReadInIdOrder() throws {
        let breached = TicketService.breachedCondition(true, now: .now()).sql.replacingOccurrences(of: "?", with: "''")
        let plan = try plan(
            "SELECT r.* FROM tickets r WHERE r.deleted_at IS NULL AND r.status = 'open' AND \(breached) ORDER BY r.id DESC LIMIT 21")
        XCTAssertTrue(plan.contains("tickets_by_status"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }
}

/// Task lists as the API builds them (ListQuery over TaskSchema's list fields).
final class TaskQueryPlanTests: XCTestCase {
    private var directory: URL!
    private var database: Database!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-plans-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try Database.open(path: directory.appendingPathComponent("crm.sqlite").path, synchronous: .normal, maximumReaders: 1)
    }

    override func tearDown() {
        database?.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func field(_ name: String) throws -> ListField {
        try XCTUnwrap(TaskSchema.listFields.first { $0.name == name })
    }

    /// The plan of the page after `(key, id)` of a task list.
    private func plan(_ filters: [(String, SQLValue)], sort: String) throws -> String {
        var request = ListRequest(sortField: try field(sort))
        request.filters = try filters.map { ListFilter(field: try field($0.0), op: .eq, values: [$0.1]) }
        request.after = (.string("2026-06-01T00:00:00.000Z"), 7)
        let query = ListQuery(select: "r.*", from: "tasks r", alias: "r", request: request, dialect: .sqlite)
        return try database.read { try $0.query("EXPLAIN QUERY PLAN " + query.sql, query.bindings).compactMap { $0.string("detail") } }
            .joined(separator: "; ")
    }

    func testMyOpenTasksByDueDateAreReadInIndexOrder() throws {
        let plan = try plan([("assignee", .text("alice")), ("status", .text("open"))], sort: "due_at")
        XCTAssertTrue(plan.contains("tasks_by_assignee"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }

    func testOpenTasksByDueDateAreReadInIndexOrder() throws {
        let plan = try plan([("status", .text("open"))], sort: "due_at")
        XCTAssertTrue(plan.contains("tasks_by_status"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }

    func testACustomersTasksByDueDateAreReadInIndexOrder() throws {
        let plan = try plan([("customer_id", .integer(42))], sort: "due_at")
        XCTAssertTrue(plan.contains("tasks_by_customer"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }
}
