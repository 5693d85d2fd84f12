import Foundation
import SQLite
import XCTest

@testable import CRM

/// The `customer_counts` triggers (migration 0015): after any mix of inserts, updates of every
/// counted column, soft deletes, restores and hard deletes, the kept counts equal a grouped count
/// of the live customers.
final class CustomerCountsTests: TemporaryDatabaseTestCase {
    private static func kept(_ connection: StoreConnection) throws -> [String] {
        try connection.query(
            "SELECT lifecycle_stage, tier, source, industry, rfm_r, rfm_f, count FROM customer_counts WHERE count > 0 ORDER BY 1, 2, 3, 4, 5, 6"
        ).map { row in (0..<7).map { row.string($0) ?? row.int64($0).map(String.init) ?? "-" }.joined(separator: "|") }
    }

    private static func grouped(_ connection: StoreConnection) throws -> [String] {
        try connection.query(
            """
            SELECT lifecycle_stage, tier, coalesce(source, ''), coalesce(industry, ''), coalesce(rfm_r, 0), coalesce(rfm_f, 0), count(*)
            FROM customers WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
            """
        ).map { row in (0..<7).map { row.string($0) ?? row.int64($0).map(String.init) ?? "-" }.joined(separator: "|") }
    }

    func testCountsFollowEveryKindOfWrite() throws {
        let (kept, grouped) = try database.writeAndWait { connection -> ([String], [String]) in
            var random = SeedRandom(seed: 7)
            let stages = CustomerSchema.lifecycleStages
            let tiers = CustomerSchema.tiers
            let sources: [SQLValue] = [.null, .text("web"), .text("ads")]
            let industries: [SQLValue] = [.null, .text("retail"), .text("tech")]
            let scores: [SQLValue] = [.null, .integer(1), .integer(5)]
            for id in 1...60 {
                try connection.run(
                    """
                    INSERT INTO customers (id, type, name, source, industry, lifecycle_stage, tier, rfm_r, rfm_f, created_at, updated_at, deleted_at)
                    VALUES (?, 'person', ?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ?)
                    """,
                    [
                        .integer(Int64(id)), .text("C\(id)"), random.pick(sources), random.pick(industries), .text(random.pick(stages)),
                        .text(random.pick(tiers)), random.pick(scores), random.pick(scores),
                        random.chance(10) ? .text("2026-02-01T00:00:00.000Z") : .null,
                    ])
            }
            for _ in 0..<300 {
                let id = SQLValue.integer(Int64(random.int(1...60)))
                switch random.int(0...7) {
                case 0: try connection.run("UPDATE customers SET lifecycle_stage = ? WHERE id = ?", [.text(random.pick(stages)), id])
                case 1: try connection.run("UPDATE customers SET tier = ? WHERE id = ?", [.text(random.pick(tiers)), id])
                case 2:
                    try connection.run(
                        "UPDATE customers SET source = ?, industry = ? WHERE id = ?", [random.pick(sources), random.pick(industries), id])
                case 3:
                    try connection.run(
                        "UPDATE customers SET rfm_r = ?, rfm_f = ? WHERE id = ?", [random.pick(scores), random.pick(scores), id])
                case 4: try connection.run("UPDATE customers SET deleted_at = '2026-03-01T00:00:00.000Z' WHERE id = ?", [id])
                case 5: try connection.run("UPDATE customers SET deleted_at = NULL WHERE id = ?", [id])
                case 6: try connection.run("UPDATE customers SET name = 'renamed' WHERE id = ?", [id])
                default: try connection.run("UPDATE customers SET tier = tier, rfm_r = rfm_r WHERE id = ?", [id])
                }
            }
            try connection.run("DELETE FROM customers WHERE id IN (3, 4, 5)")
            return (try Self.kept(connection), try Self.grouped(connection))
        }
        XCTAssertFalse(grouped.isEmpty)
        XCTAssertEqual(kept, grouped)
    }
}
