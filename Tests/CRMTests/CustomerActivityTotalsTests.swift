import Foundation
import SQLite
import XCTest

@testable import CRM

/// The `customer_activity_totals` triggers (migrations 0035 and 0039), which a customer's order
/// metrics, CSAT average and open tickets are read from: after any mix of inserts, updates of every counted column (moving
/// rows between customers as a merge does), soft deletes, restores and hard deletes, each
/// customer's sums equal the same sums recomputed from its rows; and the migration fills them from
/// the rows a database already had.
final class CustomerActivityTotalsTests: TemporaryDatabaseTestCase {
    private static let at = "2026-05-01T00:00:00.000Z"

    /// Per customer with anything counted: paid orders, their amount, CSAT answers, their sum.
    private static let recomputed = """
        SELECT c.id,
            (SELECT count(*) FROM orders WHERE customer_id = c.id AND status = 'paid' AND deleted_at IS NULL),
            (SELECT coalesce(sum(amount), 0) FROM orders WHERE customer_id = c.id AND status = 'paid' AND deleted_at IS NULL),
            (SELECT count(*) FROM feedback WHERE customer_id = c.id AND kind = 'csat' AND score IS NOT NULL AND deleted_at IS NULL),
            (SELECT coalesce(sum(score), 0) FROM feedback
                WHERE customer_id = c.id AND kind = 'csat' AND score IS NOT NULL AND deleted_at IS NULL),
            (SELECT count(*) FROM tickets WHERE customer_id = c.id AND status NOT IN ('solved', 'closed') AND deleted_at IS NULL)
        FROM customers c ORDER BY c.id
        """

    private static let kept = """
        SELECT c.id, coalesce(t.paid_orders, 0), coalesce(t.paid_amount, 0), coalesce(t.csat_answers, 0), coalesce(t.csat_sum, 0),
            coalesce(t.open_tickets, 0)
        FROM customers c LEFT JOIN customer_activity_totals t ON t.customer_id = c.id ORDER BY c.id
        """

    private static func rows(_ rows: [SQLite.Row]) -> [String] {
        rows.map { row in (0..<6).map { row.int64($0).map(String.init) ?? "-" }.joined(separator: "|") }
    }

    private static func addCustomers(_ run: (String, [SQLValue]) throws -> Void) throws {
        for id in 1...3 {
            try run(
                """
                INSERT INTO customers (id, type, name, lifecycle_stage, tier, created_at, updated_at)
                VALUES (?, 'person', 'C', 'lead', 'standard', ?, ?)
                """, [.integer(Int64(id)), .text(at), .text(at)])
        }
    }

    func testTotalsFollowEveryKindOfWrite() throws {
        let (kept, recomputed) = try database.writeAndWait { connection -> ([String], [String]) in
            try Self.addCustomers { try connection.run($0, $1) }
            var random = SeedRandom(seed: 35)
            let statuses = ["paid", "refunded", "cancelled"]
            let ticketStatuses = TicketSchema.statuses
            let kinds = ["csat", "nps", "complaint"]
            let scores: [SQLValue] = [.null, .integer(1), .integer(4), .integer(5)]
            let deleted: SQLValue = .text("2026-06-01T00:00:00.000Z")
            for id in 1...50 {
                try connection.run(
                    """
                    INSERT INTO orders (id, customer_id, amount, currency, status, ordered_at, created_at, updated_at, deleted_at)
                    VALUES (?, ?, ?, 'CNY', ?, ?, ?, ?, ?)
                    """,
                    [
                        .integer(Int64(id)), .integer(Int64(random.int(1...3))), .integer(Int64(random.int(0...50_000))),
                        .text(random.pick(statuses)), .text(Self.at), .text(Self.at), .text(Self.at), random.chance(10) ? deleted : .null,
                    ])
                try connection.run(
                    """
                    INSERT INTO tickets (id, customer_id, subject, status, first_response_due_at, resolution_due_at, created_at, updated_at,
                        deleted_at)
                    VALUES (?1, ?2, 'T', ?3, ?4, ?4, ?4, ?4, ?5)
                    """,
                    [
                        .integer(Int64(id)), .integer(Int64(random.int(1...3))), .text(random.pick(ticketStatuses)), .text(Self.at),
                        random.chance(10) ? deleted : .null,
                    ])
                try connection.run(
                    """
                    INSERT INTO feedback (id, customer_id, kind, score, created_at, updated_at, deleted_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .integer(Int64(id)), .integer(Int64(random.int(1...3))), .text(random.pick(kinds)), random.pick(scores),
                        .text(Self.at), .text(Self.at), random.chance(10) ? deleted : .null,
                    ])
            }
            for _ in 0..<500 {
                let id = SQLValue.integer(Int64(random.int(1...50)))
                let customer = SQLValue.integer(Int64(random.int(1...3)))
                switch random.int(0...15) {
                case 12: try connection.run("UPDATE tickets SET status = ? WHERE id = ?", [.text(random.pick(ticketStatuses)), id])
                case 13: try connection.run("UPDATE tickets SET customer_id = ? WHERE id = ?", [customer, id])
                case 14: try connection.run("UPDATE tickets SET deleted_at = ? WHERE id = ?", [deleted, id])
                case 15: try connection.run("UPDATE tickets SET deleted_at = NULL, priority = 'high' WHERE id = ?", [id])
                case 0: try connection.run("UPDATE orders SET status = ? WHERE id = ?", [.text(random.pick(statuses)), id])
                case 1: try connection.run("UPDATE orders SET amount = ? WHERE id = ?", [.integer(Int64(random.int(0...50_000))), id])
                case 2: try connection.run("UPDATE orders SET customer_id = ? WHERE id = ?", [customer, id])
                case 3: try connection.run("UPDATE orders SET deleted_at = ? WHERE id = ?", [deleted, id])
                case 4: try connection.run("UPDATE orders SET deleted_at = NULL WHERE id = ?", [id])
                case 5: try connection.run("UPDATE orders SET status = status, amount = amount, channel = 'web' WHERE id = ?", [id])
                case 6: try connection.run("UPDATE feedback SET kind = ? WHERE id = ?", [.text(random.pick(kinds)), id])
                case 7: try connection.run("UPDATE feedback SET score = ? WHERE id = ?", [random.pick(scores), id])
                case 8: try connection.run("UPDATE feedback SET customer_id = ? WHERE id = ?", [customer, id])
                case 9: try connection.run("UPDATE feedback SET deleted_at = ? WHERE id = ?", [deleted, id])
                case 10: try connection.run("UPDATE feedback SET deleted_at = NULL WHERE id = ?", [id])
                default: try connection.run("UPDATE feedback SET score = score, comment = 'again' WHERE id = ?", [id])
                }
            }
            try connection.run("DELETE FROM orders WHERE id IN (3, 4, 5, 6)")
            try connection.run("DELETE FROM feedback WHERE id IN (3, 4, 5, 6)")
            try connection.run("DELETE FROM tickets WHERE id IN (3, 4, 5, 6)")
            return (Self.rows(try connection.query(Self.kept)), Self.rows(try connection.query(Self.recomputed)))
        }
        XCTAssertEqual(kept, recomputed)
        XCTAssertTrue(kept.contains { !$0.hasSuffix("|0|0|0|0|0") }, "the writes left something counted")
    }

    func testTheMigrationFillsTheTotalsFromTheRowsADatabaseHad() throws {
        let path = directory.appendingPathComponent("older.sqlite").path
        let connection = try SQLite.Connection(path: path)
        let migrations = try Schema.migrations()
        _ = try Migrator(migrations: migrations.filter { $0.version < 35 }).migrate(connection)
        try Self.addCustomers { _ = try connection.run($0, $1) }
        for (customer, amount, status, deletedAt) in [
            (1, 1_000, "paid", nil), (1, 2_500, "paid", nil), (1, 700, "refunded", nil), (2, 900, "paid", Self.at), (2, 300, "paid", nil),
        ] as [(Int64, Int64, String, String?)] {
            _ = try connection.run(
                """
                INSERT INTO orders (customer_id, amount, currency, status, ordered_at, created_at, updated_at, deleted_at)
                VALUES (?, ?, 'CNY', ?, ?, ?, ?, ?)
                """,
                [
                    .integer(customer), .integer(amount), .text(status), .text(Self.at), .text(Self.at), .text(Self.at),
                    deletedAt.map(SQLValue.text) ?? .null,
                ])
        }
        for (customer, kind, score) in [(2, "csat", 4), (2, "csat", 5), (3, "csat", 3), (3, "nps", 9)] as [(Int64, String, Int64)] {
            _ = try connection.run(
                "INSERT INTO feedback (customer_id, kind, score, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                [.integer(customer), .text(kind), .integer(score), .text(Self.at), .text(Self.at)])
        }
        for (customer, status) in [(1, "open"), (1, "solved"), (3, "pending"), (3, "new"), (3, "closed")] as [(Int64, String)] {
            _ = try connection.run(
                """
                INSERT INTO tickets (customer_id, subject, status, first_response_due_at, resolution_due_at, created_at, updated_at)
                VALUES (?, 'T', ?, ?3, ?3, ?3, ?3)
                """, [.integer(customer), .text(status), .text(Self.at)])
        }
        XCTAssertEqual(try Migrator(migrations: migrations).migrate(connection), migrations.map(\.version).filter { $0 >= 35 })
        let kept = try connection.query(Self.kept).map { row in (0..<6).map { String(row.int64($0) ?? -1) }.joined(separator: "|") }
        XCTAssertEqual(kept, ["1|2|3500|0|0|1", "2|1|300|2|9|0", "3|0|0|1|3|2"])
    }
}
