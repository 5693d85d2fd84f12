import Foundation
import SQLite
import XCTest

@testable import CRM

/// A customer's timeline read kind by kind through its indexes (migration 0038) pages exactly as
/// the whole union sorted would: from every cursor, with every page size, over entries that share
/// their time across kinds and within one, and leaving out deleted records and other customers'.
final class TimelineStoreTests: TemporaryDatabaseTestCase {
    private static func key(_ row: Row) -> String {
        "\(row.string("occurred_at") ?? "")|\(row.string("kind") ?? "")|\(row.int64("entry") ?? 0)"
    }

    func testEveryCursorAndPageSizeGivesTheSortedUnionsNextEntries() throws {
        let times = ["2026-05-01T00:00:00.000Z", "2026-05-02T00:00:00.000Z", "2026-05-03T00:00:00.000Z"]
        try database.writeAndWait { connection in
            for id in 1...2 {
                try connection.run(
                    """
                    INSERT INTO customers (id, type, name, lifecycle_stage, tier, created_at, updated_at)
                    VALUES (?, 'person', 'C', 'lead', 'standard', ?, ?)
                    """, [.integer(Int64(id)), .text(times[0]), .text(times[0])])
            }
            try connection.run(
                """
                INSERT INTO opportunities (id, customer_id, name, pipeline_id, stage, is_closed, stage_entered_at, created_at, updated_at)
                VALUES (1, 1, 'Deal', 1, 'qualification', 0, ?1, ?1, ?1)
                """, [.text(times[0])])
            var random = SeedRandom(seed: 38)
            for id in 1...12 {
                let customer = SQLValue.integer(random.chance(20) ? 2 : 1)
                let deleted: SQLValue = random.chance(15) ? .text(times[2]) : .null
                let time = SQLValue.text(random.pick(times))
                let row = SQLValue.integer(Int64(id))
                try connection.run(
                    """
                    INSERT INTO orders (id, customer_id, amount, currency, status, ordered_at, created_at, updated_at, deleted_at)
                    VALUES (?1, ?2, 100, 'CNY', 'paid', ?3, ?3, ?3, ?4)
                    """, [row, customer, time, deleted])
                try connection.run(
                    """
                    INSERT INTO interactions (id, customer_id, channel, occurred_at, created_at, updated_at, deleted_at)
                    VALUES (?1, ?2, 'call', ?3, ?3, ?3, ?4)
                    """, [row, customer, .text(random.pick(times)), deleted])
                try connection.run(
                    """
                    INSERT INTO tickets (id, customer_id, subject, first_response_due_at, resolution_due_at, created_at, updated_at, deleted_at)
                    VALUES (?1, ?2, 'T', ?3, ?3, ?3, ?3, ?4)
                    """, [row, customer, .text(random.pick(times)), deleted])
                try connection.run(
                    "INSERT INTO feedback (id, customer_id, kind, score, created_at, updated_at, deleted_at) VALUES (?1, ?2, 'nps', 9, ?3, ?3, ?4)",
                    [row, customer, .text(random.pick(times)), deleted])
                try connection.run(
                    "INSERT INTO tasks (id, customer_id, title, status, created_at, updated_at, deleted_at) VALUES (?1, ?2, 'Call', 'open', ?3, ?3, ?4)",
                    [row, customer, .text(random.pick(times)), deleted])
                try connection.run(
                    "INSERT INTO opportunity_stage_history (id, opportunity_id, customer_id, to_stage, changed_at) VALUES (?1, 1, ?2, 'proposal', ?3)",
                    [row, customer, .text(random.pick(times))])
            }
        }
        try database.read { connection in
            // The whole timeline, as the company-with-contacts query (which reads everything and
            // sorts it) gives it for a customer with no contacts.
            let full = try TimelineStore.rows(connection, customerID: 1, includeContacts: true, after: nil, limit: 1_000).map(Self.key)
            XCTAssertGreaterThan(full.count, 40)
            XCTAssertEqual(try TimelineStore.rows(connection, customerID: 1, after: nil, limit: 1_000).map(Self.key), full)
            for limit in [1, 2, 5] {
                XCTAssertEqual(
                    try TimelineStore.rows(connection, customerID: 1, after: nil, limit: limit).map(Self.key), Array(full.prefix(limit)))
                for (index, position) in full.enumerated() {
                    let parts = position.split(separator: "|")
                    let after = (occurredAt: String(parts[0]), kind: String(parts[1]), entry: Int64(parts[2])!)
                    let page = try TimelineStore.rows(connection, customerID: 1, after: after, limit: limit).map(Self.key)
                    XCTAssertEqual(page, Array(full.dropFirst(index + 1).prefix(limit)), "after \(position), limit \(limit)")
                }
            }
        }
    }
}
