import Foundation
import JSON
import SQLite
import XCTest

@testable import CRM

private let service = CustomerService(baseCurrency: "CNY")
private let t0 = Timestamp(rfc3339: "2026-11-23T08:00:00.000Z")!

/// Rule trees (API.md §2 "segments"): what `RuleTree.parse` refuses and with which path and
/// code, and what a checked tree selects when ``RuleConditionStore`` runs it over customers.
final class RuleTreeTests: XCTestCase {
    private var directory: URL!
    private var database: Database!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try Database.open(
            path: directory.appendingPathComponent("crm.sqlite").path, synchronous: .normal, maximumReaders: 2)
    }

    override func tearDown() {
        database?.close()
        database = nil
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Helpers

    private func parse(_ json: String, path: String = "rules") throws -> RuleTree {
        try RuleTree.parse(try JSONParser.parse(json), catalog: .customers, path: path)
    }

    /// The issues `parse` reports for `json`, as `field code` strings; a failure when it parses.
    private func issues(_ json: String, path: String = "rules", file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try parse(json, path: path)
            XCTFail("\(json) parsed", file: file, line: line)
        } catch let error as CRMError {
            guard case .validation(let issues) = error else {
                XCTFail("expected a validation error, got \(error)", file: file, line: line)
                return []
            }
            return issues.map { "\($0.field) \($0.code)" }
        } catch {
            XCTFail("expected a CRMError, got \(error)", file: file, line: line)
        }
        return []
    }

    /// One leaf `{"field","op","value"}` inside `{"all":[…]}`, as JSON text.
    private func leaf(_ field: String, _ op: String, _ value: String) -> String {
        "{\"field\":\"\(field)\",\"op\":\"\(op)\",\"value\":\(value)}"
    }

    private func assertParses(_ json: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNoThrow(try parse(json), json, file: file, line: line)
    }

    @discardableResult
    private func create(_ json: String) throws -> Int64 {
        guard let body = try JSONParser.parse(json).objectValue else { throw CRMError.validation([]) }
        let changes = try RecordInput.parse(body, schema: CustomerSchema.schema, mode: .create)
        let row = try database.writeAndWait { try service.create($0, changes, actor: 9, now: t0) }
        return row.int64("id") ?? -1
    }

    private func sql(_ statement: String, _ bindings: [SQLValue] = []) throws {
        _ = try database.writeAndWait { try $0.run(statement, bindings) }
    }

    /// The live customers `json` selects, by id, through the compiled condition.
    private func ids(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Int64] {
        let condition = RuleConditionStore.condition(try parse(json), dialect: .sqlite)
        let rows = try database.read {
            try $0.query("SELECT c.id FROM customers c WHERE c.deleted_at IS NULL AND \(condition.sql) ORDER BY c.id", condition.bindings)
        }
        let ids = rows.compactMap { $0.int64("id") }
        let counted = try database.read { try service.count($0, matching: try parse(json)) }
        XCTAssertEqual(counted, ids.count, "count(_:matching:) agrees with the rows", file: file, line: line)
        return ids
    }

    private func ids(_ field: String, _ op: String, _ value: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Int64] {
        try ids(leaf(field, op, value), file: file, line: line)
    }

    // MARK: Shape

    func testAMissingTreeOrANonObjectIsRefused() {
        XCTAssertThrowsError(try RuleTree.parse(nil, catalog: .customers)) { error in
            XCTAssertEqual(error as? CRMError, .validation([FieldIssue("rules", "required", "a rule tree is required")]))
        }
        XCTAssertEqual(issues("\"industry\""), ["rules invalid_type"])
        XCTAssertEqual(issues("[]"), ["rules invalid_type"])
        XCTAssertEqual(issues("{\"all\":{}}"), ["rules.all invalid_type"])
        XCTAssertEqual(issues("{\"any\":null}"), ["rules.any invalid_type"])
        XCTAssertEqual(issues("{\"all\":[1]}"), ["rules.all[0] invalid_type"])
        XCTAssertEqual(issues("{\"not\":[]}"), ["rules.not invalid_type"])
    }

    func testALeafNeedsAFieldAndAnOperatorAndTakesNothingElse() {
        XCTAssertEqual(Set(issues("{}")), ["rules.field required", "rules.op required"])
        XCTAssertEqual(issues("{\"op\":\"eq\",\"value\":1}"), ["rules.field required"])
        // Both parts wrong: both named (an unknown field once hid a bad operator).
        XCTAssertEqual(
            Set(issues("{\"field\":\"nope\",\"op\":\"zz\",\"value\":1}")), ["rules.field unknown_field", "rules.op unknown_operator"])
        XCTAssertEqual(issues("{\"field\":\"industry\",\"value\":\"retail\"}"), ["rules.op required"])
        XCTAssertEqual(
            issues("{\"field\":\"industry\",\"op\":\"eq\",\"value\":\"retail\",\"note\":1}"), ["rules.note unknown_field"])
        // Two combinators in one object are not a combinator: it is read as a leaf.
        XCTAssertEqual(
            Set(issues("{\"all\":[],\"any\":[]}")),
            ["rules.all unknown_field", "rules.any unknown_field", "rules.field required", "rules.op required"])
    }

    func testUnknownFieldsAreNamedByTheirPath() {
        let json = "{\"all\":[\(leaf("industry", "eq", "\"retail\"")),\(leaf("favourite_colour", "eq", "\"red\""))]}"
        XCTAssertEqual(issues(json), ["rules.all[1].field unknown_field"])
        XCTAssertEqual(issues("{\"any\":[{\"not\":\(leaf("metrics.nope", "eq", "1"))}]}"), ["rules.any[0].not.field unknown_field"])
        // Fields that are not rule fields: the attributes object itself, server internals, bad attribute names.
        for name in ["attributes", "email_normalized", "deleted_at", "metrics", "attributes.", "attributes.a\\\"b", "attributes.a\\\\b"] {
            XCTAssertEqual(issues(leaf(name, "exists", "true")), ["rules.field unknown_field"], name)
        }
        XCTAssertEqual(issues(leaf("attributes." + String(repeating: "k", count: 101), "exists", "true")), ["rules.field unknown_field"])
        assertParses(leaf("attributes." + String(repeating: "k", count: 100), "exists", "true"))
        assertParses(leaf("attributes.vip level.2", "eq", "\"gold\""))
    }

    func testEveryCatalogFieldParses() {
        let fields = [
            "id", "tags", "created_at", "updated_at", "type", "name", "email", "phone", "company", "title", "industry", "country",
            "region", "city", "company_size", "source", "owner", "birthday", "marketing_opt_in", "external_id", "lifecycle_stage",
            "tier", "tier_override", "loyalty_points", "metrics.order_count", "metrics.total_spent", "metrics.first_order_at",
            "metrics.last_order_at", "metrics.last_interaction_at", "metrics.open_tickets", "metrics.nps_last", "metrics.csat_avg",
            "metrics.rfm.r", "metrics.rfm.f", "metrics.rfm.m", "metrics.rfm.score", "metrics.churn_risk", "metrics.churn_risk.score",
            "attributes.anything",
        ]
        for name in fields {
            XCTAssertNotNil(RuleCatalog.customers.field(named: name), name)
            assertParses(leaf(name, "exists", "true"))
        }
    }

    func testUnknownOperatorsAreNamed() {
        XCTAssertEqual(issues("{\"all\":[\(leaf("industry", "like", "\"retail\""))]}"), ["rules.all[0].op unknown_operator"])
        XCTAssertEqual(issues("{\"field\":\"industry\",\"op\":1,\"value\":\"retail\"}"), ["rules.op unknown_operator"])
        XCTAssertEqual(issues(leaf("industry", "EQ", "\"retail\"")), ["rules.op unknown_operator"])
    }

    func testOperatorsAreCheckedAgainstTheFieldKind() {
        // op → the fields it applies to, and those it does not.
        let unsupported: [(String, String, String)] = [
            ("marketing_opt_in", "gt", "true"), ("marketing_opt_in", "lt", "false"), ("marketing_opt_in", "in", "[true]"),
            ("marketing_opt_in", "contains", "\"t\""),
            ("metrics.order_count", "contains", "\"1\""), ("metrics.csat_avg", "contains", "\"4\""), ("created_at", "contains", "\"2026\""),
            ("birthday", "contains", "\"05\""), ("id", "contains", "\"1\""),
            ("type", "gt", "\"person\""), ("company_size", "contains", "\"1\""), ("lifecycle_stage", "lte", "\"lead\""),
            ("tags", "gt", "\"vip\""), ("tags", "lte", "\"vip\""),
        ]
        for (field, op, value) in unsupported {
            XCTAssertEqual(issues("{\"all\":[\(leaf(field, op, value))]}"), ["rules.all[0].op unsupported_operator"], "\(op) on \(field)")
        }
        let supported: [(String, String, String)] = [
            ("marketing_opt_in", "eq", "true"), ("marketing_opt_in", "ne", "false"), ("marketing_opt_in", "exists", "false"),
            ("industry", "eq", "\"x\""), ("industry", "ne", "\"x\""), ("industry", "in", "[\"x\"]"), ("industry", "gt", "\"x\""),
            ("industry", "gte", "\"x\""), ("industry", "lt", "\"x\""), ("industry", "lte", "\"x\""), ("industry", "contains", "\"x\""),
            ("type", "eq", "\"person\""), ("type", "ne", "\"company\""), ("type", "in", "[\"person\",\"company\"]"),
            ("tags", "eq", "\"vip\""), ("tags", "ne", "\"vip\""), ("tags", "in", "[\"vip\"]"), ("tags", "contains", "\"vi\""),
            ("tags", "exists", "true"),
            ("metrics.order_count", "gt", "1"), ("metrics.order_count", "in", "[1,2]"), ("metrics.csat_avg", "lte", "4.5"),
            ("created_at", "gte", "\"2026-01-01T00:00:00Z\""), ("created_at", "lt", "\"2026-01-01\""), ("birthday", "lt", "\"2000-01-01\""),
            ("attributes.level", "contains", "\"go\""), ("attributes.score", "gt", "3"), ("attributes.beta", "eq", "true"),
        ]
        for (field, op, value) in supported {
            assertParses(leaf(field, op, value))
        }
    }

    func testValuesAreCheckedAgainstTheFieldKind() {
        let wrong: [(String, String, String)] = [
            ("industry", "eq", "5"), ("industry", "eq", "null"), ("industry", "eq", "[\"retail\"]"),
            ("industry", "eq", "\"" + String(repeating: "x", count: 1001) + "\""),
            ("type", "eq", "\"alien\""), ("type", "in", "[\"person\",\"alien\"]"),
            ("metrics.order_count", "eq", "\"3\""), ("metrics.order_count", "gt", "2.5"), ("metrics.order_count", "lt", "true"),
            ("metrics.csat_avg", "gte", "\"4\""), ("created_at", "gt", "\"yesterday\""), ("created_at", "gt", "1700000000"),
            ("birthday", "eq", "\"1990-02-30\""), ("birthday", "eq", "\"1990-05-01T00:00:00Z\""), ("birthday", "lt", "19900501"),
            ("marketing_opt_in", "eq", "\"true\""), ("marketing_opt_in", "eq", "1"), ("marketing_opt_in", "eq", "null"),
            ("tags", "eq", "1"), ("attributes.level", "eq", "null"), ("attributes.level", "eq", "[\"gold\"]"),
            ("attributes.level", "eq", "{}"), ("industry", "contains", "\"\""), ("tags", "contains", "3"),
            ("industry", "contains", "\"" + String(repeating: "x", count: 201) + "\""), ("metrics.order_count", "in", "[1,\"2\"]"),
        ]
        for (field, op, value) in wrong {
            XCTAssertEqual(
                issues("{\"any\":[\(leaf(field, op, value))]}"), ["rules.any[0].value invalid_value"], "\(op) \(value) on \(field)")
        }
        // The value key left out is a null value.
        XCTAssertEqual(issues("{\"field\":\"industry\",\"op\":\"eq\"}"), ["rules.value invalid_value"])
        assertParses(leaf("industry", "contains", "\"" + String(repeating: "x", count: 200) + "\""))
        assertParses(leaf("metrics.csat_avg", "gte", "4"))
        assertParses(leaf("created_at", "gte", "\"2026-01-01T08:00:00+08:00\""))
    }

    func testInTakesOneToOneHundredValues() {
        XCTAssertEqual(issues(leaf("industry", "in", "[]")), ["rules.value invalid_value"])
        XCTAssertEqual(issues(leaf("industry", "in", "\"retail\"")), ["rules.value invalid_value"])
        let hundred = (1...100).map { "\"i\($0)\"" }.joined(separator: ",")
        assertParses(leaf("industry", "in", "[\(hundred)]"))
        assertParses(leaf("industry", "in", "[\"retail\"]"))
        XCTAssertEqual(issues(leaf("industry", "in", "[\(hundred),\"one more\"]")), ["rules.value invalid_value"])
    }

    func testExistsTakesABoolean() {
        for value in ["\"true\"", "1", "null", "[true]"] {
            XCTAssertEqual(issues(leaf("industry", "exists", value)), ["rules.value invalid_value"], value)
        }
        XCTAssertEqual(issues("{\"field\":\"industry\",\"op\":\"exists\"}"), ["rules.value invalid_value"])
        assertParses(leaf("industry", "exists", "true"))
        assertParses(leaf("attributes.level", "exists", "false"))
    }

    func testEveryBadLeafIsReportedAtOnceUnderTheGivenPath() {
        let json =
            "{\"all\":[\(leaf("nope", "eq", "1")),\(leaf("industry", "eq", "\"retail\"")),{\"any\":[\(leaf("tags", "gt", "\"vip\""))]}]}"
        XCTAssertEqual(issues(json), ["rules.all[0].field unknown_field", "rules.all[2].any[0].op unsupported_operator"])
        XCTAssertEqual(
            issues(json, path: "conditions"), ["conditions.all[0].field unknown_field", "conditions.all[2].any[0].op unsupported_operator"])
    }

    func testTreesNestAtMostTenLevels() {
        func nots(_ count: Int) -> String {
            String(repeating: "{\"not\":", count: count) + leaf("industry", "eq", "\"retail\"") + String(repeating: "}", count: count)
        }
        // Nine `not`s and the leaf: ten levels.
        assertParses(nots(RuleTree.maximumDepth - 1))
        XCTAssertEqual(issues(nots(RuleTree.maximumDepth)), ["rules" + String(repeating: ".not", count: 10) + " too_deep"])
        func alls(_ count: Int) -> String {
            String(repeating: "{\"all\":[", count: count) + leaf("industry", "eq", "\"retail\"") + String(repeating: "]}", count: count)
        }
        assertParses(alls(9))
        XCTAssertEqual(issues(alls(10)), ["rules" + String(repeating: ".all[0]", count: 10) + " too_deep"])
        // Even an empty combinator eleven levels down is too deep.
        XCTAssertEqual(
            issues(String(repeating: "{\"any\":[", count: 10) + "{\"all\":[]}" + String(repeating: "]}", count: 10)),
            [
                "rules" + String(repeating: ".any[0]", count: 10) + " too_deep"
            ])
    }

    func testTreesHoldAtMostOneHundredLeaves() {
        func tree(_ leaves: Int) -> String {
            "{\"any\":[" + (0..<leaves).map { leaf("metrics.order_count", "eq", String($0)) }.joined(separator: ",") + "]}"
        }
        assertParses(tree(RuleTree.maximumLeaves))
        XCTAssertEqual(issues(tree(RuleTree.maximumLeaves + 1)), ["rules.any[100] too_many_rules"])
        // Named once, however many more there are.
        XCTAssertEqual(issues(tree(150)), ["rules.any[100] too_many_rules"])
        // Leaves are counted across the whole tree.
        let split = "{\"all\":[\(tree(60)),{\"not\":\(tree(41))}]}"
        XCTAssertEqual(issues(split), ["rules.all[1].not.any[40] too_many_rules"])
    }

    func testAnEmptyAllAlwaysHoldsAndAnEmptyAnyNeverDoes() throws {
        XCTAssertTrue(try parse("{\"all\":[]}").isAlwaysTrue)
        XCTAssertFalse(try parse("{\"any\":[]}").isAlwaysTrue)
        XCTAssertFalse(try parse("{\"all\":[\(leaf("industry", "exists", "true"))]}").isAlwaysTrue)
        XCTAssertFalse(try parse(leaf("industry", "exists", "true")).isAlwaysTrue)

        let first = try create("{\"type\":\"person\",\"name\":\"A\"}")
        let second = try create("{\"type\":\"company\",\"name\":\"B\",\"industry\":\"retail\"}")
        let deleted = try create("{\"type\":\"person\",\"name\":\"D\"}")
        try database.writeAndWait { try service.delete($0, id: deleted, ifMatch: nil, actor: 9, now: t0) }
        XCTAssertEqual(try ids("{\"all\":[]}"), [first, second])
        XCTAssertEqual(try ids("{\"any\":[]}"), [])
        XCTAssertEqual(try ids("{\"not\":{\"any\":[]}}"), [first, second])
        XCTAssertEqual(try ids("{\"not\":{\"all\":[]}}"), [])
    }

    // MARK: Evaluation

    /// Ann: a retail VIP with everything set; Bolt: a technology company with some; Cid: almost nothing.
    private func threeCustomers() throws -> (ann: Int64, bolt: Int64, cid: Int64) {
        let ann = try create(
            """
            {"type":"person","name":"Ann","email":"Ann.Lee@Example.com","phone":"+86 138-0000-1111","industry":"retail",
             "country":"cn","birthday":"1990-05-01","marketing_opt_in":true,"tags":["vip","north"],"source":"web",
             "attributes":{"level":"gold","score":5,"ratio":0.75,"beta":true}}
            """)
        let bolt = try create(
            """
            {"type":"company","name":"Bolt","industry":"technology","company_size":"11-50","marketing_opt_in":false,
             "tags":["smb"],"birthday":"2001-12-31","attributes":{"level":"silver","score":2,"beta":false}}
            """)
        let cid = try create("{\"type\":\"person\",\"name\":\"Cid\"}")
        try sql(
            "UPDATE customers SET order_count = 3, total_spent = 50000, csat_avg = 4.5, last_order_at = ? WHERE id = ?",
            [
                .text("2026-11-01T00:00:00.000Z"), .integer(ann),
            ])
        try sql(
            "UPDATE customers SET order_count = 1, total_spent = 990, last_order_at = ? WHERE id = ?",
            [
                .text("2026-01-15T12:00:00.000Z"), .integer(bolt),
            ])
        try sql("UPDATE customers SET created_at = ? WHERE id = ?", [.text("2026-11-20T00:00:00.000Z"), .integer(cid)])
        // A deleted retail VIP matches nothing.
        let gone = try create(
            "{\"type\":\"person\",\"name\":\"Gone\",\"industry\":\"retail\",\"tags\":[\"vip\"],\"marketing_opt_in\":true}")
        try database.writeAndWait { try service.delete($0, id: gone, ifMatch: nil, actor: 9, now: t0) }
        return (ann, bolt, cid)
    }

    func testTextEnumAndIdOperators() throws {
        let (ann, bolt, cid) = try threeCustomers()
        XCTAssertEqual(try ids("industry", "eq", "\"retail\""), [ann])
        XCTAssertEqual(try ids("industry", "eq", "\"Retail\""), [], "eq on text is exact")
        XCTAssertEqual(try ids("industry", "ne", "\"retail\""), [bolt, cid], "ne holds where the field is missing")
        XCTAssertEqual(try ids("industry", "in", "[\"retail\",\"technology\",\"media\"]"), [ann, bolt])
        XCTAssertEqual(try ids("industry", "gt", "\"retail\""), [bolt])
        XCTAssertEqual(try ids("industry", "gte", "\"retail\""), [ann, bolt])
        XCTAssertEqual(try ids("industry", "lt", "\"technology\""), [ann])
        XCTAssertEqual(try ids("industry", "lte", "\"technology\""), [ann, bolt])
        XCTAssertEqual(try ids("industry", "contains", "\"TAI\""), [ann], "contains ignores ASCII case")
        XCTAssertEqual(try ids("industry", "exists", "true"), [ann, bolt])
        XCTAssertEqual(try ids("industry", "exists", "false"), [cid])
        XCTAssertEqual(try ids("type", "eq", "\"person\""), [ann, cid])
        XCTAssertEqual(try ids("type", "in", "[\"company\"]"), [bolt])
        XCTAssertEqual(try ids("company_size", "ne", "\"11-50\""), [ann, cid])
        XCTAssertEqual(try ids("company_size", "exists", "false"), [ann, cid])
        XCTAssertEqual(try ids("lifecycle_stage", "eq", "\"lead\""), [ann, bolt, cid])
        XCTAssertEqual(try ids("id", "gt", String(ann)), [bolt, cid])
        XCTAssertEqual(try ids("id", "in", "[\(ann),\(cid),99999]"), [ann, cid])
    }

    func testLikeWildcardsInContainsAreLiteral() throws {
        let percent = try create("{\"type\":\"person\",\"name\":\"P\",\"title\":\"100% owner\"}")
        let under = try create("{\"type\":\"person\",\"name\":\"U\",\"title\":\"head_of sales\"}")
        _ = try create("{\"type\":\"person\",\"name\":\"N\",\"title\":\"head of sales\"}")
        XCTAssertEqual(try ids("title", "contains", "\"%\""), [percent])
        XCTAssertEqual(try ids("title", "contains", "\"d_o\""), [under])
        XCTAssertEqual(try ids("title", "contains", "\"\\\\\""), [])
    }

    func testEmailAndPhoneAreComparedNormalised() throws {
        let (ann, bolt, cid) = try threeCustomers()
        XCTAssertEqual(try ids("email", "eq", "\"ANN.LEE@example.COM\""), [ann])
        XCTAssertEqual(try ids("email", "eq", "\"  ann.lee@example.com \""), [ann])
        XCTAssertEqual(try ids("email", "in", "[\"nobody@example.com\",\"Ann.Lee@EXAMPLE.com\"]"), [ann])
        XCTAssertEqual(try ids("email", "contains", "\"@EXAMPLE\""), [ann])
        XCTAssertEqual(try ids("email", "ne", "\"ann.lee@example.com\""), [bolt, cid])
        XCTAssertEqual(try ids("phone", "eq", "\"+86 13800001111\""), [ann])
        XCTAssertEqual(try ids("phone", "contains", "\"0000-1111\""), [ann])
        XCTAssertEqual(try ids("phone", "exists", "false"), [bolt, cid])
    }

    func testCountryIsComparedAsStored() throws {
        let (ann, bolt, cid) = try threeCustomers()
        // Stored upper-cased; a rule may name it either way, as `?country=cn` may.
        XCTAssertEqual(try ids("country", "eq", "\"CN\""), [ann])
        XCTAssertEqual(try ids("country", "eq", "\"cn\""), [ann])
        XCTAssertEqual(try ids("country", "in", "[\"gb\",\"cn\"]"), [ann])
        XCTAssertEqual(try ids("country", "ne", "\"cn\""), [bolt, cid])
    }

    func testBooleanDateAndTimestampOperators() throws {
        let (ann, bolt, cid) = try threeCustomers()
        XCTAssertEqual(try ids("marketing_opt_in", "eq", "true"), [ann])
        XCTAssertEqual(try ids("marketing_opt_in", "eq", "false"), [bolt])
        XCTAssertEqual(try ids("marketing_opt_in", "ne", "true"), [bolt, cid], "ne true holds for false and for never asked")
        XCTAssertEqual(try ids("marketing_opt_in", "exists", "false"), [cid])

        XCTAssertEqual(try ids("birthday", "eq", "\"1990-05-01\""), [ann])
        XCTAssertEqual(try ids("birthday", "lt", "\"2000-01-01\""), [ann])
        XCTAssertEqual(try ids("birthday", "gte", "\"1990-05-02\""), [bolt])
        XCTAssertEqual(try ids("birthday", "in", "[\"2001-12-31\",\"1990-05-01\"]"), [ann, bolt])
        XCTAssertEqual(try ids("birthday", "exists", "false"), [cid])

        // created_at is t0 for Ann and Bolt and 2026-11-20 for Cid; a date means its midnight UTC.
        XCTAssertEqual(try ids("created_at", "lt", "\"2026-11-21\""), [cid])
        XCTAssertEqual(try ids("created_at", "gte", "\"2026-11-23T16:00:00+08:00\""), [ann, bolt], "any offset, compared in UTC")
        XCTAssertEqual(try ids("created_at", "gt", "\"2026-11-23T08:00:00.000Z\""), [])
        XCTAssertEqual(try ids("created_at", "eq", "\"2026-11-23T08:00:00Z\""), [ann, bolt])
        XCTAssertEqual(try ids("created_at", "lte", "\"2026-11-20\""), [cid])
        XCTAssertEqual(try ids("metrics.last_order_at", "gte", "\"2026-06-01\""), [ann])
        XCTAssertEqual(try ids("metrics.last_order_at", "exists", "false"), [cid])
        XCTAssertEqual(try ids("metrics.last_order_at", "ne", "\"2026-11-01T00:00:00Z\""), [bolt, cid])
    }

    func testMetricsOperators() throws {
        let (ann, bolt, cid) = try threeCustomers()
        XCTAssertEqual(try ids("metrics.order_count", "gt", "0"), [ann, bolt])
        XCTAssertEqual(try ids("metrics.order_count", "eq", "0"), [cid])
        XCTAssertEqual(try ids("metrics.order_count", "in", "[0,3]"), [ann, cid])
        XCTAssertEqual(try ids("metrics.total_spent", "gte", "990"), [ann, bolt])
        XCTAssertEqual(try ids("metrics.total_spent", "lt", "990"), [cid])
        XCTAssertEqual(try ids("metrics.total_spent", "lte", "990"), [bolt, cid])
        XCTAssertEqual(try ids("metrics.csat_avg", "gte", "4"), [ann])
        XCTAssertEqual(try ids("metrics.csat_avg", "lt", "4.6"), [ann], "no csat: lt does not hold")
        XCTAssertEqual(try ids("metrics.csat_avg", "ne", "4.5"), [bolt, cid])
        XCTAssertEqual(try ids("metrics.csat_avg", "exists", "true"), [ann])
    }

    func testTagOperators() throws {
        let (ann, bolt, cid) = try threeCustomers()
        XCTAssertEqual(try ids("tags", "eq", "\"vip\""), [ann])
        XCTAssertEqual(try ids("tags", "eq", "\"VIP\""), [], "tags are compared exactly")
        XCTAssertEqual(try ids("tags", "eq", "\"north\""), [ann])
        XCTAssertEqual(try ids("tags", "ne", "\"vip\""), [bolt, cid], "ne holds for customers without tags")
        XCTAssertEqual(try ids("tags", "in", "[\"smb\",\"vip\"]"), [ann, bolt])
        XCTAssertEqual(try ids("tags", "contains", "\"OR\""), [ann], "contains: part of one tag, ASCII case ignored")
        XCTAssertEqual(try ids("tags", "contains", "\"vip,north\""), [])
        XCTAssertEqual(try ids("tags", "exists", "true"), [ann, bolt])
        XCTAssertEqual(try ids("tags", "exists", "false"), [cid])
    }

    func testAttributeOperators() throws {
        let (ann, bolt, cid) = try threeCustomers()
        XCTAssertEqual(try ids("attributes.level", "eq", "\"gold\""), [ann])
        XCTAssertEqual(try ids("attributes.level", "ne", "\"gold\""), [bolt, cid], "ne holds where the attribute is missing")
        XCTAssertEqual(try ids("attributes.level", "in", "[\"silver\",\"bronze\"]"), [bolt])
        XCTAssertEqual(try ids("attributes.level", "contains", "\"OL\""), [ann])
        XCTAssertEqual(try ids("attributes.level", "lt", "\"h\""), [ann])
        XCTAssertEqual(try ids("attributes.level", "exists", "true"), [ann, bolt])
        XCTAssertEqual(try ids("attributes.level", "exists", "false"), [cid])
        XCTAssertEqual(try ids("attributes.score", "gt", "2"), [ann])
        XCTAssertEqual(try ids("attributes.score", "gte", "2"), [ann, bolt])
        XCTAssertEqual(try ids("attributes.score", "lte", "4.5"), [bolt])
        XCTAssertEqual(try ids("attributes.score", "eq", "5"), [ann])
        XCTAssertEqual(try ids("attributes.score", "eq", "\"5\""), [], "a string is not the number")
        XCTAssertEqual(try ids("attributes.ratio", "lt", "1"), [ann])
        XCTAssertEqual(try ids("attributes.beta", "eq", "true"), [ann])
        XCTAssertEqual(try ids("attributes.beta", "eq", "false"), [bolt])
        XCTAssertEqual(try ids("attributes.beta", "ne", "true"), [bolt, cid])
        XCTAssertEqual(try ids("attributes.beta", "exists", "true"), [ann, bolt], "false is a value")
        XCTAssertEqual(try ids("attributes.missing", "exists", "true"), [])
    }

    func testRangesOverAnAttributeCompareOnlyValuesOfTheSameType() throws {
        // Ann's level is "gold" (a string), Bolt's a number, Cid's a boolean.
        let ann = try create("{\"type\":\"person\",\"name\":\"Ann\",\"attributes\":{\"level\":\"gold\"}}")
        let bolt = try create("{\"type\":\"person\",\"name\":\"Bolt\",\"attributes\":{\"level\":4}}")
        let cid = try create("{\"type\":\"person\",\"name\":\"Cid\",\"attributes\":{\"level\":true}}")
        XCTAssertEqual(try ids("attributes.level", "gt", "3"), [bolt], "a string is not greater than 3")
        XCTAssertEqual(try ids("attributes.level", "gte", "0.5"), [bolt], "true is not a number")
        XCTAssertEqual(try ids("attributes.level", "lt", "\"zzz\""), [ann], "a number is not less than a string")
        XCTAssertEqual(try ids("attributes.level", "lte", "\"gold\""), [ann])
        XCTAssertEqual(try ids("attributes.level", "ne", "4"), [ann, cid])
    }

    func testCombinatorsAndNotOverMissingValues() throws {
        let (ann, bolt, cid) = try threeCustomers()
        let retailVIP = "{\"all\":[\(leaf("industry", "eq", "\"retail\"")),\(leaf("tags", "eq", "\"vip\""))]}"
        XCTAssertEqual(try ids(retailVIP), [ann])
        XCTAssertEqual(try ids("{\"not\":\(retailVIP)}"), [bolt, cid])
        XCTAssertEqual(try ids("{\"any\":[\(leaf("industry", "eq", "\"technology\"")),\(leaf("tags", "eq", "\"vip\""))]}"), [ann, bolt])
        // A rule over a missing value does not hold, so its negation does.
        XCTAssertEqual(try ids("{\"not\":\(leaf("industry", "eq", "\"retail\""))}"), [bolt, cid])
        XCTAssertEqual(try ids("{\"not\":\(leaf("metrics.csat_avg", "gt", "4"))}"), [bolt, cid])
        XCTAssertEqual(try ids("{\"not\":\(leaf("birthday", "lt", "\"2000-01-01\""))}"), [bolt, cid])
        XCTAssertEqual(try ids("{\"not\":\(leaf("attributes.score", "gte", "3"))}"), [bolt, cid])
        XCTAssertEqual(try ids("{\"not\":{\"not\":\(leaf("industry", "eq", "\"retail\""))}}"), [ann])
        XCTAssertEqual(
            try ids("{\"not\":{\"any\":[\(leaf("metrics.csat_avg", "gt", "4")),\(leaf("industry", "eq", "\"x\""))]}}"), [bolt, cid])
        XCTAssertEqual(try ids("{\"not\":\(leaf("industry", "exists", "true"))}"), [cid])
        // And the same through all/any around a not.
        let nested =
            "{\"all\":[{\"not\":\(leaf("tags", "eq", "\"vip\""))},{\"any\":[\(leaf("type", "eq", "\"company\"")),\(leaf("name", "eq", "\"Cid\""))]}]}"
        XCTAssertEqual(try ids(nested), [bolt, cid])
    }

    func testValuesAreBoundNeverWrittenIntoTheSQL() throws {
        let hostile = "x' OR 1=1 --"
        let tree = try parse(
            "{\"any\":[\(leaf("industry", "eq", "\"\(hostile)\"")),\(leaf("attributes.a'b) OR (1", "eq", "1")),\(leaf("tags", "in", "[\"q'\"]"))]}"
        )
        let condition = RuleConditionStore.condition(tree, dialect: .sqlite)
        XCTAssertFalse(condition.sql.contains("OR 1=1"), condition.sql)
        XCTAssertFalse(condition.sql.contains("a'b"), condition.sql)
        XCTAssertTrue(condition.bindings.contains(.text(hostile)))
        XCTAssertTrue(condition.bindings.contains(.text("$.\"a'b) OR (1\"")))
        _ = try threeCustomers()
        XCTAssertEqual(try ids("{\"any\":[\(leaf("industry", "eq", "\"\(hostile)\"")),\(leaf("attributes.a'b) OR (1", "eq", "1"))]}"), [])
        let odd = try create("{\"type\":\"person\",\"name\":\"Odd\",\"attributes\":{\"a'b) OR (1\":1,\"dotted.key\":\"v\"}}")
        XCTAssertEqual(try ids("attributes.a'b) OR (1", "eq", "1"), [odd])
        XCTAssertEqual(try ids("attributes.dotted.key", "eq", "\"v\""), [odd], "a dot in the name is part of the key")
    }
}
