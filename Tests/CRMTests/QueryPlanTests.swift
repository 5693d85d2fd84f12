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

    /// A customer's metrics refresh, run on every write to its activity, seeks: no read walks
    /// the customer's rows (an index keyed by the customer alone, a `NOT IN`, a `max()` over a
    /// filtered range) or sorts them.
    func testAMetricsRefreshSeeksAndSortsNothing() throws {
        typealias Read = CustomerMetricsStore.Read
        let expected: [(String, String)] = [
            (Read.totals, "customer_activity_totals USING INTEGER PRIMARY KEY (rowid=?)"),
            (Read.firstOrder, "orders_by_customer (customer_id=? AND status=?)"),
            (Read.lastOrder, "orders_by_customer (customer_id=? AND status=?)"),
            (Read.recentPaidOrders, "orders_by_customer (customer_id=? AND status=? AND ordered_at>?)"),
            (Read.lastInteraction, "interactions_by_customer (customer_id=?)"),
            (Read.openOpportunity, "opportunities_by_customer (customer_id=? AND is_closed=?)"),
            (Read.latestNPS, "feedback_by_customer (customer_id=? AND kind=?)"),
        ]
        for (sql, index) in expected {
            let plan = try plan(sql.replacingOccurrences(of: "?", with: "1"))
            XCTAssertTrue(plan.contains(index), "\(sql): \(plan)")
            XCTAssertFalse(plan.contains("TEMP B-TREE"), "\(sql): \(plan)")
        }
    }

    /// A customer's own timeline reads each kind through its `(customer_id, time, id)` index, newest
    /// first, from the cursor on: only the page's candidates are sorted, never the customer's records.
    func testATimelinePageSeeksEachKindInItsIndexOrder() throws {
        for after in [nil, "order", "ticket"] as [String?] {
            let union = TimelineStore.ownUnion(dialect: .sqlite, afterKind: after, limit: 21)
            let sql = "SELECT * FROM (\(union)) ORDER BY occurred_at DESC, kind DESC, entry DESC LIMIT 21"
            let plan = try plan(
                sql.replacingOccurrences(of: "?1", with: "1").replacingOccurrences(of: "?2", with: "'2026-05-01'")
                    .replacingOccurrences(of: "?3", with: "7"))
            for index in [
                "orders_by_customer_time", "interactions_by_customer", "opportunity_stage_history_by_customer", "tickets_by_customer_time",
                "feedback_by_customer_time", "tasks_by_customer_time",
            ] {
                XCTAssertTrue(plan.contains(index), "\(index) after \(after ?? "nothing"): \(plan)")
            }
            XCTAssertEqual(plan.components(separatedBy: "TEMP B-TREE").count - 1, 1, "only the page is sorted: \(plan)")
        }
    }

    func testTicketsOfAStatusAreReadInIdOrder() throws {
        let breached = TicketService.breachedCondition(true, now: .now()).sql.replacingOccurrences(of: "?", with: "''")
        let plan = try plan(
            "SELECT r.* FROM tickets r WHERE r.deleted_at IS NULL AND r.status = 'open' AND \(breached) ORDER BY r.id DESC LIMIT 21")
        XCTAssertTrue(plan.contains("tickets_by_status"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }

    /// A customer page filtered on an indexed column and sorted by another key first walks the
    /// sort's index, testing the filter on each row, and sorts nothing.
    func testAFilteredPageSortedByAnotherKeyWalksTheSortsIndex() throws {
        var request = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listField("created_at")))
        request.descending = true
        request.filters = [ListFilter(field: try XCTUnwrap(CustomerSchema.listField("tier")), op: .eq, values: [.string("standard")])]
        let walk = ListQuery(select: "c.id", from: "customers c", alias: "c", request: request, walkingSort: true, dialect: .sqlite)
        let part = try XCTUnwrap(walk.parts.first)
        let plan = try database.read { connection in
            try connection.query("EXPLAIN QUERY PLAN " + part.sql, part.bindings + [.integer(51)]).compactMap { $0.string("detail") }
        }.joined(separator: "; ")
        XCTAssertTrue(plan.contains("customers_by_created"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }

    /// Opportunities by amount, a missing one first: read through the index of the same expression.
    func testOpportunitiesByAmountAreReadInIndexOrder() throws {
        var request = ListRequest(sortField: try XCTUnwrap(OpportunitySchema.listFields.first { $0.name == "amount" }))
        for after in [nil, (key: JSONValue.int(-1), id: Int64(3))] as [(key: JSONValue, id: Int64)?] {
            request.after = after
            let query = ListQuery(select: "r.*", from: "opportunities r", alias: "r", request: request, dialect: .sqlite)
            for part in query.parts {
                let plan = try database.read { connection in
                    try connection.query("EXPLAIN QUERY PLAN " + part.sql, part.bindings + [.integer(51)]).compactMap {
                        $0.string("detail")
                    }
                }.joined(separator: "; ")
                XCTAssertTrue(plan.contains("opportunities_by_amount"), plan)
                XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
            }
        }
    }

    /// A page after a cursor seeks its place through the sort's index, on the cursor's key and
    /// its id, never walking the rows before it: by `-metrics.last_order_at`, an expression, the
    /// rows sharing `''` (every customer without an order) were walked from the first, page
    /// after page.
    func testAPageAfterACursorSeeksItsPlaceInTheSortsIndex() throws {
        for (sort, index) in [("metrics.last_order_at", "customers_by_last_order"), ("metrics.total_spent", "customers_by_total_spent")] {
            for descending in [false, true] {
                var request = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listField(sort)))
                request.descending = descending
                request.after = (sort == "metrics.total_spent" ? .int(0) : .string(""), 1234)
                let query = try XCTUnwrap(CustomerStore.listQuery(request, dialect: .sqlite))
                XCTAssertEqual(query.parts.count, 2)
                for part in query.parts {
                    let plan = try database.read { connection in
                        try connection.query("EXPLAIN QUERY PLAN " + part.sql, part.bindings + [.integer(51)]).compactMap {
                            $0.string("detail")
                        }
                    }.joined(separator: "; ")
                    XCTAssertTrue(plan.contains("SEARCH c USING INDEX \(index)"), "\(sort) \(descending): \(plan)")
                    XCTAssertFalse(plan.contains("TEMP B-TREE"), "\(sort) \(descending): \(plan)")
                }
                XCTAssertTrue(query.parts[0].sql.contains("c.id \(descending ? "<" : ">") ?"), query.parts[0].sql)
            }
        }
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
        return try database.read { connection in
            try query.parts.flatMap { part in
                try connection.query("EXPLAIN QUERY PLAN " + part.sql, part.bindings + [.integer(51)]).compactMap { $0.string("detail") }
            }
        }
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

/// `tag=` on the customer list: a bounded count through the tag index picks how the filter is
/// read (``CustomerStore/plannedTags(_:_:)``), and both ways list the same customers, page by page.
final class CustomerTagPlanTests: TemporaryDatabaseTestCase {
    /// Customers holding `vip` (more than the rare bound) and those holding `rare` too.
    private var vip: [Int64] = []
    private var rare: [Int64] = []

    override func setUpWithError() throws {
        CustomerStore.tagRarity.forgetAll()
        try super.setUpWithError()
        let now = Timestamp.now()
        (vip, rare) = try database.writeAndWait { connection in
            var vip: [Int64] = []
            var rare: [Int64] = []
            for index in 0...CustomerStore.rareTagRows {
                let tags = index % 1_000 == 7 ? #"["vip","rare"]"# : #"["vip"]"#
                let id = try CustomerStore.insert(
                    connection, values: ["type": "person", "name": .text("P\(index)"), "tags": .text(tags)], now: now)
                vip.append(id)
                if index % 1_000 == 7 { rare.append(id) }
            }
            _ = try CustomerStore.insert(connection, values: ["type": "person", "name": "Untagged"], now: now)
            return (vip, rare)
        }
    }

    private func request(_ tags: [String], sort: String = "id") throws -> ListRequest {
        let field = { (name: String) in try XCTUnwrap(CustomerSchema.listFields.first { $0.name == name }) }
        var request = ListRequest(sortField: try field(sort))
        request.filters = [ListFilter(field: try field("tag"), op: .eq, values: tags.map(JSONValue.string))]
        request.limit = 2
        return request
    }

    /// Every id the list yields, page after page.
    private func walk(_ start: ListRequest) throws -> [Int64] {
        var request = start
        var ids: [Int64] = []
        while true {
            let page = try database.read { try CustomerStore.list($0, request) }
            ids += page.items.compactMap { $0.int64("id") }
            guard let next = page.next else { return ids }
            request.after = next
        }
    }

    func testARareTagIsReadThroughTheIndexAndACommonOneRowByRow() throws {
        func plannedTemplate(_ tags: [String]) throws -> String {
            let planned = try database.read { try CustomerStore.plannedTags($0, try request(tags)) }
            guard case .membership(let template) = planned.filters[0].field.filtering else { return "" }
            return template
        }
        XCTAssertTrue(try plannedTemplate(["rare"]).hasPrefix("c.id IN"))
        XCTAssertTrue(try plannedTemplate(["nobody", "has", "these"]).hasPrefix("c.id IN"))
        XCTAssertTrue(try plannedTemplate(["vip"]).hasPrefix("EXISTS"))
        XCTAssertTrue(try plannedTemplate(["rare", "vip"]).hasPrefix("EXISTS"))
        // Remembered for a minute: the count is not made again for the same tags.
        XCTAssertEqual(CustomerStore.tagRarity.rare(["vip"]), false)
        XCTAssertEqual(CustomerStore.tagRarity.rare(["rare"]), true)
        XCTAssertNil(CustomerStore.tagRarity.rare(["rare"], now: .now + TagRarityMemo.lifetime))

        XCTAssertEqual(try walk(try request(["rare"])), rare)
        XCTAssertEqual(try walk(try request(["rare", "nobody"], sort: "name")), rare.sorted { "P\($0 - 1)" < "P\($1 - 1)" })
        var newest = try request(["vip"], sort: "created_at")
        newest.descending = true
        newest.limit = 200
        XCTAssertEqual(Set(try walk(newest)), Set(vip))
        XCTAssertEqual(try walk(try request(["nobody"])), [])
    }
}

/// A rule tree runs on a reader within a CPU budget (``CustomerStore/ruleTreeBudget``): past it a
/// page is a `422` `too_expensive` and a count is nil (a segment's `member_count` null), so no
/// tree holds a worker for minutes.
final class RuleTreeBudgetTests: TemporaryDatabaseTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        let now = Timestamp.now()
        try database.writeAndWait { connection in
            for index in 0..<2_000 {
                _ = try CustomerStore.insert(connection, values: ["type": "person", "name": .text("P\(index)")], now: now)
            }
        }
    }

    private func condition() throws -> ListCondition {
        let tree = try RuleTree.parse(
            try JSONParser.parse(
                Array(#"{"any":[{"field":"tags","op":"in","value":["a","b"]},{"field":"name","op":"contains","value":"zz"}]}"#.utf8)),
            catalog: .customers)
        return RuleConditionStore.condition(tree, dialect: .sqlite)
    }

    func testACountPastTheBudgetIsNilAndWithinItExact() throws {
        let rules = try condition()
        XCTAssertNil(try database.read { try CustomerStore.count($0, matching: rules, budget: .nanoseconds(1)) })
        XCTAssertEqual(try database.read { try CustomerStore.count($0, matching: rules) }, 0)
    }

    /// The counts of one answer (a page of segments) share one budget: once it is spent, the
    /// later ones are null without running.
    func testCountsOfOneAnswerShareOneBudget() throws {
        let rules = try condition()
        XCTAssertNil(try SharedRuleBudget.$cpuDeadline.withValue(0) { try database.read { try CustomerStore.count($0, matching: rules) } })
        XCTAssertEqual(try SharedRuleBudget.sharing { try database.read { try CustomerStore.count($0, matching: rules) } }, 0)
    }

    func testAPagePastTheBudgetIsTooExpensive() throws {
        let rules = try condition()
        var request = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listFields.first { $0.name == "name" }))
        request.limit = 10
        XCTAssertThrowsError(
            try database.read { try CustomerStore.renderList($0, request, rules: rules, budget: .nanoseconds(1)) { _ in } }
        ) { error in
            guard case CRMError.validation(let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.map(\.code), ["too_expensive"])
            XCTAssertEqual(issues.map(\.field), ["rules"])
        }
        XCTAssertNil(try database.read { try CustomerStore.renderList($0, request, rules: rules) { _ in } })
    }
}
