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
        return try XCTUnwrap(CustomerStore.listQuery(request))
    }

    /// `POST /v1/customers/search {"rules":…}` as the API builds it.
    private func searchQuery(_ rules: String) throws -> ListQuery {
        let catalog = try database.read { try RuleCatalog.customers($0) }
        let tree = try RuleTree.parse(try JSONParser.parse(rules), catalog: catalog)
        let request = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listField("id")))
        return try XCTUnwrap(CustomerStore.listQuery(request, rules: RuleConditionStore.condition(tree)))
    }

    private func plan(_ query: ListQuery) throws -> String {
        try database.read { try $0.query("EXPLAIN QUERY PLAN " + query.sql, query.bindings).compactMap { $0.string("detail") } }
            .joined(separator: "; ")
    }

    private func ids(_ query: ListQuery) throws -> [Int64] {
        try database.read { try query.page($0, limit: 1000).items.compactMap { $0.int64("id") } }
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

    func testListFiltersOnADefinedAttributeAreServedByItsIndex() throws {
        try define(#"{"key":"vip_level","label":"VIP","type":"enum","options":["gold","platinum"]}"#)
        try define(#"{"key":"score","label":"Score","type":"number"}"#)
        let index = "USING INDEX customers_by_attribute_vip_level"
        let equal = try plan(try listQuery(try filter("attributes.vip_level", .eq, "gold")))
        XCTAssertTrue(equal.contains(index), equal)
        XCTAssertFalse(equal.contains("TEMP B-TREE"), "walked in id order: \(equal)")
        let anyOf = try plan(try listQuery(try filter("attributes.vip_level", .eq, "gold", "platinum")))
        XCTAssertTrue(anyOf.contains(index), anyOf)
        let between = try plan(try listQuery(try filter("attributes.score", .gte, "3"), try filter("attributes.score", .lte, "7")))
        XCTAssertTrue(between.contains("USING INDEX customers_by_attribute_score"), between)
    }

    func testRuleLeavesOnADefinedAttributeAreServedByItsIndex() throws {
        try define(#"{"key":"vip_level","label":"VIP","type":"enum","options":["gold","platinum"]}"#)
        try define(#"{"key":"score","label":"Score","type":"number"}"#)
        let equal = try plan(try searchQuery(#"{"all":[{"field":"attributes.vip_level","op":"eq","value":"gold"}]}"#))
        XCTAssertTrue(equal.contains("USING INDEX customers_by_attribute_vip_level"), equal)
        let anyOf = try plan(try searchQuery(#"{"all":[{"field":"attributes.vip_level","op":"in","value":["gold","platinum"]}]}"#))
        XCTAssertTrue(anyOf.contains("USING INDEX customers_by_attribute_vip_level"), anyOf)
        let between = try plan(
            try searchQuery(
                #"{"all":[{"field":"attributes.score","op":"gt","value":3},{"field":"attributes.score","op":"lte","value":7}]}"#))
        XCTAssertTrue(between.contains("USING INDEX customers_by_attribute_score"), between)
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
        let searches = try [
            #"{"all":[{"field":"attributes.vip_level","op":"eq","value":"gold"}]}"#,
            #"{"all":[{"field":"attributes.score","op":"gt","value":3}]}"#,
            #"{"all":[{"field":"attributes.score","op":"lte","value":5.5}]}"#,
            #"{"all":[{"field":"attributes.vip_level","op":"exists","value":true}]}"#,
            #"{"not":{"field":"attributes.score","op":"gte","value":3}}"#,
            #"{"any":[{"field":"attributes.score","op":"eq","value":2},{"field":"attributes.vip_level","op":"in","value":["platinum"]}]}"#,
        ].map(searchQuery)
        let indexed = try (lists + searches).map(ids)
        XCTAssertTrue(indexed.contains { !$0.isEmpty && $0.count < made.count }, "the filters select: \(indexed)")
        try database.writeAndWait { connection in
            for key in ["vip_level", "score"] { try AttributeIndexStore.drop(connection, key: key) }
        }
        XCTAssertEqual(try indexes(), [])
        XCTAssertEqual(try (lists + searches).map(ids), indexed)
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
