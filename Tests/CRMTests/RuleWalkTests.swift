import Foundation
import JSON
import SQLite
import XCTest

@testable import CRM

/// A broad rule tree's page is found by walking customers in id order (the second bounded plan):
/// through the narrow `customers_rule_walk` index (migration 0034) when it holds every column the
/// tree tests, through the table otherwise, and either way the page is the planner's page.
final class RuleWalkTests: TemporaryDatabaseTestCase {
    private static let stages = ["lead", "customer", "repeat", "loyal", "at_risk"]

    override func setUpWithError() throws {
        try super.setUpWithError()
        let now = Timestamp.now()
        try database.writeAndWait { connection in
            for index in 0..<600 {
                let tags = index % 3 == 0 ? #"["VIP-gold","b2b"]"# : index % 3 == 1 ? #"["b2b"]"# : "[]"
                let values: [String: SQLValue] = [
                    "type": "person", "name": .text("P\(index)"), "tags": .text(tags), "industry": index % 2 == 0 ? "retail" : "energy",
                    "attributes": .text(#"{"plan":"\#(index % 4 == 0 ? "pro" : "free")"}"#),
                ]
                let id = try CustomerStore.insert(connection, values: values, now: now)
                try connection.run(
                    "UPDATE customers SET lifecycle_stage = ?, total_spent = ?, deleted_at = ?, erased_at = ? WHERE id = ?",
                    [
                        .text(Self.stages[index % 5]), .integer(Int64(index * 1_000)),
                        index % 50 == 13 ? .text(now.rfc3339) : .null, index % 70 == 23 ? .text(now.rfc3339) : .null, .integer(id),
                    ])
            }
        }
    }

    private func rules(_ json: String) throws -> ListCondition {
        let tree = try RuleTree.parse(try JSONParser.parse(Array(json.utf8)), catalog: .customers)
        return CustomerStore.matching(RuleConditionStore.condition(tree, dialect: .sqlite))
    }

    private func request(limit: Int) throws -> ListRequest {
        var request = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listField("id")))
        request.limit = limit
        return request
    }

    private func plan(_ query: ListQuery) throws -> String {
        try database.read { connection in
            try query.parts.flatMap { part in
                try connection.query("EXPLAIN QUERY PLAN " + part.sql, part.bindings + [.integer(51)]).compactMap { $0.string("detail") }
            }
        }.joined(separator: "; ")
    }

    /// Every id the walk yields for `rules`, page after page, and the same from the planner's plan.
    private func pages(_ rules: ListCondition, limit: Int) throws -> (walked: [Int64], planned: [Int64]) {
        var request = try request(limit: limit)
        var walked: [Int64] = []
        while true {
            let page = try database.read { connection in
                try CustomerStore.ruleWalk(connection, request, rules: rules).page(connection)
            }
            walked += page.items.compactMap { $0.int64(0) }
            guard let next = page.next else { break }
            request.after = next
        }
        let all = ListQuery(
            select: "c.id", from: "customers c", alias: "c", request: try self.request(limit: 10_000), search: (rules.sql, rules.bindings),
            dialect: .sqlite)
        let planned = try database.read { try all.rows($0).compactMap { $0.int64(0) } }
        return (walked, planned)
    }

    func testATreeOnTheIndexedFieldsWalksTheIndexAloneAndFindsThePlannersPages() throws {
        let benchmark = try rules(
            #"{"all":[{"field":"lifecycle_stage","op":"eq","value":"loyal"},{"field":"metrics.total_spent","op":"gte","value":100000},"#
                + #"{"field":"tags","op":"contains","value":"vip"}]}"#)
        let broad = try rules(
            #"{"any":[{"field":"tier","op":"in","value":["vip","important"]},{"not":{"field":"metrics.order_count","op":"gt","value":0}}]}"#
        )
        for rules in [benchmark, broad] {
            var request = try request(limit: 7)
            for after in [nil, (key: JSONValue.int(150), id: Int64(150))] as [(key: JSONValue, id: Int64)?] {
                request.after = after
                let walk = try database.read { CustomerStore.ruleWalk($0, request, rules: rules) }
                let plan = try plan(walk)
                XCTAssertTrue(plan.contains("COVERING INDEX customers_rule_walk"), plan)
                XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
            }
            let (walked, planned) = try pages(rules, limit: 7)
            XCTAssertFalse(planned.isEmpty)
            XCTAssertEqual(walked, planned)
        }
    }

    func testATreeOnAnotherColumnWalksTheTable() throws {
        for json in [
            #"{"all":[{"field":"lifecycle_stage","op":"eq","value":"loyal"},{"field":"industry","op":"eq","value":"retail"}]}"#,
            #"{"all":[{"field":"attributes.plan","op":"eq","value":"pro"},{"field":"metrics.total_spent","op":"gte","value":1}]}"#,
        ] {
            let rules = try rules(json)
            let walk = try database.read { CustomerStore.ruleWalk($0, try request(limit: 7), rules: rules) }
            XCTAssertTrue(walk.parts[0].sql.contains("customers c NOT INDEXED"), walk.parts[0].sql)
            let (walked, planned) = try pages(rules, limit: 7)
            XCTAssertFalse(planned.isEmpty)
            XCTAssertEqual(walked, planned)
        }
    }
}
