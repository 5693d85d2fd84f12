import Foundation
import JSON
import SQLite
import XCTest

@testable import CRM

private let service = CustomerService(baseCurrency: "CNY")
private let fields = CustomFieldSchema.service()
private let t0 = Timestamp(rfc3339: "2026-11-23T08:00:00.000Z")!

/// Defined custom fields' expression indexes (AttributeIndexStore): made and dropped with their
/// definitions, used by `attributes.<key>` list filters and rule leaves as the API builds them
/// (EXPLAIN QUERY PLAN), and finding exactly the customers a scan finds.
final class AttributeIndexTests: XCTestCase {
    private var directory: URL!
    private var database: Database!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-attribute-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try open()
    }

    override func tearDown() {
        database?.close()
        database = nil
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Helpers

    private func open() throws -> Database {
        try Database.open(path: directory.appendingPathComponent("crm.sqlite").path, synchronous: .normal, maximumReaders: 2)
    }

    private func object(_ json: String) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(json).objectValue)
    }

    @discardableResult
    private func define(_ json: String) throws -> Int64 {
        let changes = try fields.parse(try object(json), mode: .create)
        return try XCTUnwrap(try database.writeAndWait { try fields.create($0, changes, actor: nil, now: t0) }.int64("id"))
    }

    @discardableResult
    private func customer(_ attributes: String) throws -> Int64 {
        let changes = try RecordInput.parse(
            try object("{\"type\":\"person\",\"name\":\"P\",\"attributes\":\(attributes)}"), schema: CustomerSchema.schema, mode: .create)
        return try XCTUnwrap(try database.writeAndWait { try service.create($0, changes, actor: nil, now: t0) }.int64("id"))
    }

    private func indexes() throws -> [String] {
        try database.read {
            try $0.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'customers_by_attribute_%' ORDER BY name")
                .compactMap { $0.string(0) }
        }
    }

    /// The filter `<name>[op]=<values>` as the API reads it: the definition's list field, the
    /// values read by its type.
    private func filter(_ name: String, _ op: ListFilter.Operator, _ values: String...) throws -> ListFilter {
        let field = try XCTUnwrap(try database.read { try CustomFieldSchema.listField($0, name: name) })
        let parsed = try values.map { value in
            guard case .success(let json) = field.parseValue?(value) else {
                throw CRMError.validation([FieldIssue(name, "invalid", value)])
            }
            return json
        }
        return ListFilter(field: field, op: op, values: parsed)
    }

    /// `GET /v1/customers?<filters>&sort=<sort>` as the API builds it.
    private func listQuery(_ filters: ListFilter..., sort: String = "id") throws -> ListQuery {
        var request = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listField(sort)))
        request.filters = filters
        return try XCTUnwrap(CustomerStore.listQuery(request, dialect: .sqlite))
    }

    private func tree(_ rules: String) throws -> RuleTree {
        let catalog = try database.read { try RuleCatalog.customers($0) }
        return try RuleTree.parse(try JSONParser.parse(rules), catalog: catalog)
    }

    /// `POST /v1/customers/search {"rules":…,"sort":…}` as the API builds it.
    private func searchQuery(_ rules: String, sort: String = "id") throws -> ListQuery {
        let request = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listField(sort)))
        let condition = RuleConditionStore.condition(try tree(rules), attributeIndex: .page(request), dialect: .sqlite)
        return try XCTUnwrap(CustomerStore.listQuery(request, rules: condition, dialect: .sqlite))
    }

    /// A segment's `member_count`, as the API counts it.
    private func countQuery(_ rules: String) throws -> (sql: String, bindings: [SQLValue]) {
        let condition = RuleConditionStore.condition(try tree(rules), attributeIndex: .all, dialect: .sqlite)
        return (CustomerStore.countSQL(condition), condition.bindings)
    }

    private func plan(_ query: ListQuery) throws -> String {
        try query.parts.map { try plan($0.sql, $0.bindings + [.integer(Int64(query.limit + 1))]) }.joined(separator: "; ")
    }

    private func plan(_ sql: String, _ bindings: [SQLValue]) throws -> String {
        try database.read { try $0.query("EXPLAIN QUERY PLAN " + sql, bindings).compactMap { $0.string("detail") } }
            .joined(separator: "; ")
    }

    private func ids(_ query: ListQuery) throws -> [Int64] {
        try database.read { try query.page($0).items.compactMap { $0.int64("id") } }
    }

    // MARK: Tests

    func testDefiningAFieldIndexesItsAttributeAndDeletingItDropsTheIndex() throws {
        let id = try define(#"{"key":"vip_level","label":"VIP","type":"enum","options":["gold","platinum"]}"#)
        try define(#"{"key":"score","label":"Score","type":"number"}"#)
        XCTAssertEqual(try indexes(), ["customers_by_attribute_score", "customers_by_attribute_vip_level"])
        // A type change reads the same expression: the index stays.
        let patch = try fields.parse(try object(#"{"type":"string","options":[]}"#), mode: .patch)
        try database.writeAndWait { _ = try fields.update($0, id: id, patch, ifMatch: nil, actor: nil, now: t0) }
        XCTAssertEqual(try indexes().count, 2)
        try database.writeAndWait { try fields.delete($0, id: id, ifMatch: nil, actor: nil, now: t0) }
        XCTAssertEqual(try indexes(), ["customers_by_attribute_score"])
        try define(#"{"key":"vip_level","label":"VIP again","type":"string"}"#)
        XCTAssertEqual(try indexes().count, 2, "a key defined anew is indexed anew")
    }

    func testListEqualitiesInIdOrderAreServedByTheIndexAndNothingElse() throws {
        try define(#"{"key":"vip_level","label":"VIP","type":"enum","options":["gold","platinum"]}"#)
        try define(#"{"key":"score","label":"Score","type":"number"}"#)
        let index = "USING INDEX customers_by_attribute_vip_level"
        let equal = try plan(try listQuery(try filter("attributes.vip_level", .eq, "gold")))
        XCTAssertTrue(equal.contains(index), equal)
        XCTAssertFalse(equal.contains("TEMP B-TREE"), "walked in id order: \(equal)")
        let anyOf = try plan(try listQuery(try filter("attributes.vip_level", .eq, "gold", "platinum")))
        XCTAssertTrue(anyOf.contains(index), anyOf)
        // Where the index would have SQLite read and sort every match, the list is planned as
        // without it: in another order it walks that order's index, a range walks the ids.
        let newest = try plan(try listQuery(try filter("attributes.vip_level", .eq, "gold"), sort: "created_at"))
        XCTAssertTrue(newest.contains("customers_by_created") && !newest.contains("TEMP B-TREE"), newest)
        let between = try plan(try listQuery(try filter("attributes.score", .gte, "3"), try filter("attributes.score", .lte, "7")))
        XCTAssertFalse(between.contains("customers_by_attribute_score"), between)
        XCTAssertFalse(between.contains("TEMP B-TREE"), between)
    }

    func testRuleLeavesUseTheIndexForConjunctEqualitiesInIdOrderAndForCounts() throws {
        try define(#"{"key":"vip_level","label":"VIP","type":"enum","options":["gold","platinum"]}"#)
        try define(#"{"key":"score","label":"Score","type":"number"}"#)
        let gold = #"{"field":"attributes.vip_level","op":"eq","value":"gold"}"#
        let range = #"{"field":"attributes.score","op":"gt","value":3},{"field":"attributes.score","op":"lte","value":7}"#
        let vip = "USING INDEX customers_by_attribute_vip_level"
        let equal = try plan(try searchQuery(#"{"all":[\#(gold),{"field":"country","op":"eq","value":"CN"}]}"#))
        XCTAssertTrue(equal.contains(vip) && !equal.contains("TEMP B-TREE"), equal)
        let anyOf = try plan(try searchQuery(#"{"field":"attributes.vip_level","op":"in","value":["gold","platinum"]}"#))
        XCTAssertTrue(anyOf.contains(vip), anyOf)
        for (rules, sort) in [
            (#"{"all":[\#(gold)]}"#, "created_at"), (#"{"any":[\#(gold),{"field":"attributes.score","op":"eq","value":2}]}"#, "id"),
            (#"{"all":[\#(range)]}"#, "id"),
        ] {
            let plan = try plan(try searchQuery(rules, sort: sort))
            XCTAssertFalse(plan.contains("customers_by_attribute_"), "\(rules) by \(sort): \(plan)")
            XCTAssertFalse(plan.contains("TEMP B-TREE"), "\(rules) by \(sort): \(plan)")
        }
        // A count reads only the matching entries, whatever the comparison.
        for rules in [#"{"all":[\#(range)]}"#, #"{"any":[\#(gold),{"field":"attributes.vip_level","op":"eq","value":"platinum"}]}"#] {
            let query = try countQuery(rules)
            let plan = try plan(query.sql, query.bindings)
            XCTAssertTrue(plan.contains("USING INDEX customers_by_attribute_") && !plan.contains("SCAN c"), "\(rules): \(plan)")
        }
    }

    func testIndexedFiltersFindWhatAScanFinds() throws {
        // Values stored before the definition (a string in a number field, a bool) stay and are
        // still compared the way a scan compares them.
        var made = [
            try customer(#"{"score":"high","vip_level":"gold"}"#), try customer(#"{"score":true}"#), try customer(#"{}"#),
        ]
        try define(#"{"key":"vip_level","label":"VIP","type":"enum","options":["gold","platinum"]}"#)
        try define(#"{"key":"score","label":"Score","type":"number"}"#)
        for (score, level) in [(2, "gold"), (3, "platinum"), (7, "gold"), (10, "platinum")] {
            made.append(try customer("{\"score\":\(score),\"vip_level\":\"\(level)\"}"))
        }
        made.append(try customer(#"{"score":5.5}"#))
        let lists = [
            try listQuery(try filter("attributes.vip_level", .eq, "gold")),
            try listQuery(try filter("attributes.vip_level", .eq, "gold", "platinum")),
            try listQuery(try filter("attributes.vip_level", .ne, "gold")), try listQuery(try filter("attributes.score", .gte, "3")),
            try listQuery(try filter("attributes.score", .lt, "6")), try listQuery(try filter("attributes.score", .eq, "7")),
            try listQuery(try filter("attributes.vip_level", .eq, "gold"), sort: "created_at"),
        ]
        let searches = [
            #"{"all":[{"field":"attributes.vip_level","op":"eq","value":"gold"}]}"#,
            #"{"all":[{"field":"attributes.score","op":"gt","value":3}]}"#,
            #"{"all":[{"field":"attributes.score","op":"lte","value":5.5}]}"#,
            #"{"all":[{"field":"attributes.vip_level","op":"exists","value":true}]}"#,
            #"{"not":{"field":"attributes.score","op":"gte","value":3}}"#,
            #"{"any":[{"field":"attributes.score","op":"eq","value":2},{"field":"attributes.vip_level","op":"in","value":["platinum"]}]}"#,
        ]
        let counted = try searches.map { rules in try database.read { try service.count($0, matching: try tree(rules)) } }
        let searched = try searches.map { try ids(try searchQuery($0)) }
        let listed = try lists.map(ids)
        XCTAssertTrue(listed.contains { !$0.isEmpty && $0.count < made.count }, "the filters select: \(listed)")
        XCTAssertEqual(searched.map(\.count), counted)
        try database.writeAndWait { connection in
            for key in ["vip_level", "score"] { try AttributeIndexStore.drop(connection, key: key) }
        }
        XCTAssertEqual(try indexes(), [])
        XCTAssertEqual(try lists.map(ids), listed)
        XCTAssertEqual(try searches.map { try ids(try searchQuery($0)) }, searched)
        XCTAssertEqual(try searches.map { rules in try database.read { try service.count($0, matching: try tree(rules)) } }, counted)
    }

    func testFieldsDefinedBeforeTheMigrationAreIndexedAtTheNextOpen() throws {
        try define(#"{"key":"vip_level","label":"VIP","type":"enum","options":["gold"]}"#)
        try database.writeAndWait { connection in
            try AttributeIndexStore.drop(connection, key: "vip_level")
            try connection.run("INSERT INTO pending_rebuilds (name) VALUES ('attribute_indexes')")
        }
        XCTAssertEqual(try indexes(), [])
        database.close()
        database = try open()
        XCTAssertEqual(try indexes(), ["customers_by_attribute_vip_level"])
        XCTAssertNil(try database.read { try $0.queryOne("SELECT 1 FROM pending_rebuilds WHERE name = 'attribute_indexes'") })
    }
}
