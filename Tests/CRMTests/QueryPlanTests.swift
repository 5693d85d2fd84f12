import Foundation
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
