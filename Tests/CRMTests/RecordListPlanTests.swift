import Foundation
import JSON
import SQLite
import XCTest

@testable import CRM

/// Record lists sorted by `created_at` or `updated_at` read their index in order (migration
/// 0033), and a page filtered on a broad column and sorted by another key walks the sort's index
/// first: both give exactly the rows and order the planner's plan gives.
final class RecordListPlanTests: TemporaryDatabaseTestCase {
    private static let tables: [(table: String, fields: [ListField])] = [
        ("orders", OrderSchema.listFields), ("interactions", InteractionSchema.listFields),
        ("opportunities", OpportunitySchema.listFields), ("tickets", TicketSchema.listFields),
        ("feedback", FeedbackSchema.listFields), ("tasks", TaskSchema.listFields),
    ]

    private func plan(_ query: ListQuery) throws -> String {
        try database.read { connection in
            try query.parts.flatMap { part in
                try connection.query("EXPLAIN QUERY PLAN " + part.sql, part.bindings + [.integer(51)]).compactMap { $0.string("detail") }
            }
        }.joined(separator: "; ")
    }

    func testRecordsByCreatedOrUpdatedAreReadInIndexOrder() throws {
        for (table, fields) in Self.tables {
            for sort in ["created_at", "updated_at"] {
                var request = ListRequest(sortField: try XCTUnwrap(fields.first { $0.name == sort }))
                for after in [nil, (key: JSONValue.string("2026-06-01T00:00:00.000Z"), id: Int64(7))] as [(key: JSONValue, id: Int64)?] {
                    request.after = after
                    for descending in [false, true] {
                        request.descending = descending
                        let plan = try plan(ListQuery(select: "r.*", from: "\(table) r", alias: "r", request: request, dialect: .sqlite))
                        let index = "\(table)_by_\(sort == "created_at" ? "created" : "updated")"
                        XCTAssertTrue(plan.contains(index), "\(table) by \(sort): \(plan)")
                        XCTAssertFalse(plan.contains("TEMP B-TREE"), "\(table) by \(sort): \(plan)")
                    }
                }
            }
        }
    }

    /// Orders of every status, their `updated_at` out of id order; a status one order in three
    /// holds, listed newest update first, page after page.
    func testAFilteredRecordPageSortedByAnotherKeyIsThePlannersPage() throws {
        let now = Timestamp.now()
        let expected: [Int64] = try database.writeAndWait { connection in
            let customer = try CustomerStore.insert(connection, values: ["type": "person", "name": "Buyer"], now: now)
            var refunded: [(updated: String, id: Int64)] = []
            for index in 0..<300 {
                let status = OrderSchema.statuses[index % 3]
                let updated = String(format: "2026-%02d-%02dT%02d:00:00.000Z", 1 + index * 7 % 12, 1 + index % 28, index % 24)
                let id = try connection.insert(
                    """
                    INSERT INTO orders (customer_id, amount, currency, status, ordered_at, created_at, updated_at)
                    VALUES (?, 100, 'EUR', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ?)
                    """, [.integer(customer), .text(status), .text(updated)])
                if status == "refunded" { refunded.append((updated, id)) }
            }
            return refunded.sorted { ($0.updated, $0.id) > ($1.updated, $1.id) }.map(\.id)
        }
        let field = { (name: String) in try XCTUnwrap(OrderSchema.listFields.first { $0.name == name }) }
        var request = ListRequest(sortField: try field("updated_at"))
        request.descending = true
        request.limit = 7
        request.filters = [ListFilter(field: try field("status"), op: .eq, values: [.string("refunded")])]
        let store = RecordStore(schema: OrderSchema.schema)
        var listed: [Int64] = []
        while true {
            let page = try database.read { try store.list($0, request) }
            listed += page.items.compactMap { $0.int64("id") }
            guard let next = page.next else { break }
            request.after = next
        }
        XCTAssertEqual(listed, expected)
    }

    /// "My open tasks by due date" is served in order by `tasks_by_assignee`, so it is not walked;
    /// open orders by newest update are sorted by the planner's plan, so they are.
    func testOnlyAPlanThatSortsIsWalkedFirst() throws {
        func sorts(
            _ fields: [ListField], _ table: String, _ filters: [(String, JSONValue)], sort: String,
            after: (key: JSONValue, id: Int64)? = nil
        ) throws -> Bool {
            var request = ListRequest(sortField: try XCTUnwrap(fields.first { $0.name == sort }))
            request.after = after
            request.filters = try filters.map { name, value in
                ListFilter(field: try XCTUnwrap(fields.first { $0.name == name }), op: .eq, values: [value])
            }
            request.descending = sort != "due_at"
            let query = ListQuery(select: "r.*", from: "\(table) r", alias: "r", request: request, dialect: .sqlite)
            return try database.read { try RecordStore.plannerSorts($0, query) }
        }
        XCTAssertFalse(try sorts(TaskSchema.listFields, "tasks", [("assignee", "alice"), ("status", "open")], sort: "due_at"))
        XCTAssertTrue(try sorts(OrderSchema.listFields, "orders", [("status", "paid")], sort: "updated_at"))
        // After a cursor the rows sharing its key are read in id order; the rest are what sorts.
        let cursor = (key: JSONValue.string("2026-06-01T00:00:00.000Z"), id: Int64(7))
        XCTAssertTrue(try sorts(OrderSchema.listFields, "orders", [("status", "paid")], sort: "updated_at", after: cursor))
        XCTAssertFalse(
            try sorts(TaskSchema.listFields, "tasks", [("assignee", "alice"), ("status", "open")], sort: "due_at", after: cursor))
    }
}
