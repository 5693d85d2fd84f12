import JSON
import SQLite
import XCTest

@testable import CRM

/// RecordInput: a JSON body becomes RecordChanges under a RecordSchema, or a 422 listing every
/// invalid field at once (API.md §1, "Validation everywhere").
final class RecordInputTests: XCTestCase {
    // MARK: Fixtures

    /// One field of every kind, plus a required one and a server-owned one.
    private static let schema = RecordSchema(
        recordType: "sample", table: "samples",
        fields: [
            FieldDefinition("name", .text(maxLength: 10), required: true),
            FieldDefinition("note", .text(maxLength: 5)),
            FieldDefinition("type", .enumeration(["person", "company"])),
            FieldDefinition("email", .email),
            FieldDefinition("phone", .phone),
            FieldDefinition("country", .country),
            FieldDefinition("currency", .currency),
            FieldDefinition("birthday", .date),
            FieldDefinition("due_at", .timestamp),
            FieldDefinition("active", .boolean),
            FieldDefinition("score", .integer(minimum: 0, maximum: 100)),
            FieldDefinition("tags", .tags),
            FieldDefinition("attributes", .attributes),
            FieldDefinition("customer_id", .reference(table: "customers")),
            FieldDefinition("items", .lineItems),
            FieldDefinition("tier", .enumeration(["standard", "vip"]), writable: false),
        ])

    private func object(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> JSONObject {
        guard let object = (try? JSONParser.parse(json))?.objectValue else {
            XCTFail("not a JSON object: \(json)", file: file, line: line)
            return JSONObject()
        }
        return object
    }

    private func parse(
        _ json: String, mode: RecordInput.Mode, schema: RecordSchema = RecordInputTests.schema, ignoring: Set<String> = [],
        file: StaticString = #filePath, line: UInt = #line
    ) -> RecordChanges? {
        do {
            return try RecordInput.parse(object(json, file: file, line: line), schema: schema, mode: mode, ignoring: ignoring)
        } catch {
            XCTFail("\(json) was refused: \(error)", file: file, line: line)
            return nil
        }
    }

    /// The (field, code) pairs of the 422, in the order reported.
    private func issues(
        _ json: String, mode: RecordInput.Mode, schema: RecordSchema = RecordInputTests.schema,
        file: StaticString = #filePath, line: UInt = #line
    ) -> [FieldIssue] {
        do {
            let changes = try RecordInput.parse(object(json, file: file, line: line), schema: schema, mode: mode)
            XCTFail("\(json) was accepted: \(changes.entries.map { "\($0.field.name)=\($0.change)" })", file: file, line: line)
            return []
        } catch {
            guard case .validation(let issues) = error else {
                XCTFail("expected a validation error, got \(error)", file: file, line: line)
                return []
            }
            return issues
        }
    }

    private func codes(_ json: String, mode: RecordInput.Mode, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        issues(json, mode: mode, file: file, line: line).map { "\($0.field):\($0.code)" }
    }

    /// Asserts that `value` for `field` (in an otherwise valid create body) is refused with `code`.
    private func assertRefused(
        _ field: String, _ value: String, code: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        let body = "{\"name\":\"ok\",\"\(field)\":\(value)}"
        XCTAssertEqual(codes(body, mode: .create, file: file, line: line), ["\(field):\(code)"], body, file: file, line: line)
        let patch = "{\"\(field)\":\(value)}"
        XCTAssertEqual(codes(patch, mode: .patch, file: file, line: line), ["\(field):\(code)"], patch, file: file, line: line)
    }

    /// Asserts that `value` for `field` is accepted and stored as `stored`.
    private func assertStored(
        _ field: String, _ value: String, as stored: SQLValue, file: StaticString = #filePath, line: UInt = #line
    ) {
        let body = "{\"name\":\"ok\",\"\(field)\":\(value)}"
        guard let changes = parse(body, mode: .create, file: file, line: line) else { return }
        XCTAssertEqual(changes.value(for: field), stored, body, file: file, line: line)
    }

    private func storedJSON(_ changes: RecordChanges?, _ field: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        guard case .text(let text)? = changes?.value(for: field) else {
            XCTFail("\(field) is not set to JSON text: \(String(describing: changes?.change(for: field)))", file: file, line: line)
            return nil
        }
        return try? JSONParser.parse(text)
    }

    // MARK: Modes

    func testCreateRequiresEveryRequiredField() {
        XCTAssertEqual(codes("{}", mode: .create), ["name:required"])
        XCTAssertEqual(codes("{\"note\":\"hi\"}", mode: .create), ["name:required"])
        XCTAssertEqual(
            codes("{}", mode: .create).count, 1, "only the required field is reported for an empty create body")
        let customer = issues("{}", mode: .create, schema: CustomerSchema.schema).map { "\($0.field):\($0.code)" }
        XCTAssertEqual(customer, ["type:required", "name:required"])
    }

    func testCreateSetsOnlyTheFieldsGivenInSchemaOrder() {
        let changes = parse("{\"score\":5,\"name\":\"Ann\",\"active\":true}", mode: .create)
        XCTAssertEqual(changes?.entries.map(\.field.name), ["name", "active", "score"])
        XCTAssertEqual(changes?.value(for: "name"), .text("Ann"))
        XCTAssertNil(changes?.change(for: "note"), "absent optional fields are not set")
    }

    func testPatchAllowsAbsentRequiredFieldsAndSetsOnlyPresentKeys() {
        let changes = parse("{\"note\":\"hi\"}", mode: .patch)
        XCTAssertEqual(changes?.entries.map(\.field.name), ["note"])
        XCTAssertEqual(changes?.value(for: "note"), .text("hi"))
        XCTAssertEqual(parse("{}", mode: .patch)?.isEmpty, true)
    }

    func testRequiredFieldCannotBeNullOrBlankInEitherMode() {
        for mode in [RecordInput.Mode.create, .patch] {
            XCTAssertEqual(codes("{\"name\":null}", mode: mode), ["name:required"], "\(mode)")
            XCTAssertEqual(codes("{\"name\":\"\"}", mode: mode), ["name:required"], "\(mode)")
            XCTAssertEqual(codes("{\"name\":\" \\t\\n\u{3000}\"}", mode: mode), ["name:required"], "\(mode)")
        }
    }

    // MARK: Unknown and server-owned fields

    func testUnknownFieldIsRefused() {
        XCTAssertEqual(codes("{\"name\":\"ok\",\"nickname\":\"x\"}", mode: .create), ["nickname:unknown_field"])
        XCTAssertEqual(codes("{\"Name\":\"x\"}", mode: .patch), ["Name:unknown_field"], "field names are case-sensitive")
    }

    func testServerOwnedFieldsAreReadOnly() {
        for name in ["id", "created_at", "updated_at", "deleted_at", "version"] {
            XCTAssertEqual(codes("{\"name\":\"ok\",\"\(name)\":1}", mode: .create), ["\(name):read_only"], name)
            XCTAssertEqual(codes("{\"\(name)\":null}", mode: .patch), ["\(name):read_only"], name)
        }
        // A schema field that is not writable (computed by the server).
        XCTAssertEqual(codes("{\"name\":\"ok\",\"tier\":\"vip\"}", mode: .create), ["tier:read_only"])
        XCTAssertEqual(codes("{\"tier\":null}", mode: .patch), ["tier:read_only"])
        let customer = issues("{\"lifecycle_stage\":\"lead\",\"loyalty_points\":5}", mode: .patch, schema: CustomerSchema.schema)
        XCTAssertEqual(customer.map { "\($0.field):\($0.code)" }, ["lifecycle_stage:read_only", "loyalty_points:read_only"])
    }

    func testIgnoredNamesAreNeitherRefusedNorSet() {
        let changes = parse("{\"name\":\"ok\",\"id\":7,\"extra\":1}", mode: .create, ignoring: ["id", "extra"])
        XCTAssertEqual(changes?.entries.map(\.field.name), ["name"])
    }

    func testEveryIssueIsReportedAtOnce() {
        let body = """
            {"id":1,"nickname":"x","name":"","note":"too long","type":"robot","email":"nope","phone":"call me",
             "country":"XX","currency":"EURO","birthday":"2026-02-30","due_at":"yesterday","active":"yes",
             "score":101,"tags":[""],"attributes":{"a":[1]},"customer_id":0,"tier":"vip"}
            """
        let found = issues(body, mode: .create).map { "\($0.field):\($0.code)" }
        XCTAssertEqual(
            Set(found),
            [
                "id:read_only", "nickname:unknown_field", "name:required", "note:too_long", "type:invalid_enum",
                "email:invalid_format", "phone:invalid_format", "country:invalid_country", "currency:invalid_currency",
                "birthday:invalid_date", "due_at:invalid_timestamp", "active:invalid_type", "score:out_of_range",
                "tags:invalid_tag", "attributes:invalid_attribute", "customer_id:invalid_reference", "tier:read_only",
            ])
        XCTAssertEqual(found.count, 17, "one issue per field: \(found)")
        for issue in issues(body, mode: .create) {
            XCTAssertFalse(issue.message.isEmpty, "\(issue.field) has a message")
            XCTAssertNil(issue.holderID)
        }
    }

    // MARK: Kinds

    func testTextIsTrimmedAndLimitedInCharactersNotBytes() {
        assertStored("note", "\"  hi\\t\"", as: .text("hi"))
        assertStored("note", "\"\u{3000}中文\u{3000}\\n\"", as: .text("中文"))
        assertStored("note", "\"张伟先生好\"", as: .text("张伟先生好"))  // 5 characters, 15 bytes
        assertStored("note", "\"  abcde  \"", as: .text("abcde"))  // the limit applies after trimming
        assertStored("note", "\"a b\"", as: .text("a b"))  // inner spaces are kept
        assertRefused("note", "\"abcdef\"", code: "too_long")
        assertRefused("note", "\"张伟先生好吗\"", code: "too_long")
        assertRefused("note", "5", code: "invalid_type")
        assertRefused("note", "true", code: "invalid_type")
        assertRefused("note", "[\"a\"]", code: "invalid_type")
        assertRefused("note", "{}", code: "invalid_type")
    }

    func testEmptyOptionalTextClearsTheField() {
        assertStored("note", "\"\"", as: .null)
        assertStored("note", "\"   \"", as: .null)
        assertStored("email", "\" \"", as: .null)
        assertStored("phone", "\"\"", as: .null)
    }

    func testEnumerationAcceptsOnlyItsValuesExactly() {
        assertStored("type", "\"company\"", as: .text("company"))
        assertRefused("type", "\"robot\"", code: "invalid_enum")
        assertRefused("type", "\"Company\"", code: "invalid_enum")
        assertRefused("type", "\"\"", code: "invalid_enum")
        assertRefused("type", "1", code: "invalid_enum")
    }

    func testEmailIsTrimmedAndKeptAsGiven() {
        assertStored("email", "\"  Li.Lei@Example.CN \"", as: .text("Li.Lei@Example.CN"))
        assertRefused("email", "\"nope\"", code: "invalid_format")
        assertRefused("email", "\"a@@b.com\"", code: "invalid_format")
        assertRefused("email", "\"a b@c.com\"", code: "invalid_format")
        assertRefused("email", "42", code: "invalid_type")
    }

    func testPhoneIsTrimmedAndKeptAsTyped() {
        assertStored("phone", "\" +86 138-0013-8000 \"", as: .text("+86 138-0013-8000"))
        assertStored("phone", "\"(030) 1234 5678\"", as: .text("(030) 1234 5678"))
        assertRefused("phone", "\"call me\"", code: "invalid_format")
        assertRefused("phone", "\"12345\"", code: "invalid_format")  // fewer than 6 digits
        assertRefused("phone", "\"1234567890123456\"", code: "invalid_format")  // more than 15 digits
        assertRefused("phone", "\"12+3456789\"", code: "invalid_format")
        assertRefused("phone", "13800138000", code: "invalid_type")
    }

    func testCountryAndCurrencyAreTrimmedAndUpperCased() {
        assertStored("country", "\"cn\"", as: .text("CN"))
        assertStored("country", "\" us \"", as: .text("US"))
        assertStored("currency", "\"\\tusd \"", as: .text("USD"))
        assertRefused("country", "\"  \"", code: "invalid_country")
        assertRefused("country", "\"u s\"", code: "invalid_country")
        assertStored("country", "\"GB\"", as: .text("GB"))
        assertRefused("country", "\"UK\"", code: "invalid_country")
        assertRefused("country", "\"CHN\"", code: "invalid_country")
        assertRefused("country", "86", code: "invalid_country")
        assertStored("currency", "\"cny\"", as: .text("CNY"))
        assertRefused("currency", "\"RMB\"", code: "invalid_currency")
        assertRefused("currency", "\"\"", code: "invalid_currency")
        assertRefused("currency", "978", code: "invalid_currency")
    }

    func testDateIsStrictYearMonthDay() {
        assertStored("birthday", "\"1990-05-17\"", as: .text("1990-05-17"))
        assertStored("birthday", "\"2024-02-29\"", as: .text("2024-02-29"))
        assertRefused("birthday", "\"2026-02-29\"", code: "invalid_date")
        assertRefused("birthday", "\"2026-02-30\"", code: "invalid_date")
        assertRefused("birthday", "\"1990-5-17\"", code: "invalid_date")
        assertRefused("birthday", "\"17/05/1990\"", code: "invalid_date")
        assertRefused("birthday", "\"1990-05-17T00:00:00Z\"", code: "invalid_date")
        assertRefused("birthday", "19900517", code: "invalid_date")
    }

    func testTimestampIsNormalisedToUTCWithMilliseconds() {
        assertStored("due_at", "\"2026-11-23T16:15:30+08:00\"", as: .text("2026-11-23T08:15:30.000Z"))
        assertStored("due_at", "\"2026-11-23T08:15:30.123456Z\"", as: .text("2026-11-23T08:15:30.123Z"))
        assertRefused("due_at", "\"2026-11-23\"", code: "invalid_timestamp")
        assertRefused("due_at", "\"2026-11-23T08:15:30\"", code: "invalid_timestamp")  // no offset
        assertRefused("due_at", "\"2026-11-23T24:00:00Z\"", code: "invalid_timestamp")
        assertRefused("due_at", "1764000000", code: "invalid_timestamp")
    }

    func testBooleanIsOnlyTrueOrFalse() {
        assertStored("active", "true", as: .integer(1))
        assertStored("active", "false", as: .integer(0))
        assertRefused("active", "\"true\"", code: "invalid_type")
        assertRefused("active", "1", code: "invalid_type")
        assertRefused("active", "0", code: "invalid_type")
    }

    func testIntegerIsWholeAndWithinBounds() {
        assertStored("score", "0", as: .integer(0))
        assertStored("score", "100", as: .integer(100))
        assertRefused("score", "-1", code: "out_of_range")
        assertRefused("score", "101", code: "out_of_range")
        assertRefused("score", "1.5", code: "invalid_type")
        assertRefused("score", "12.0", code: "invalid_type")
        assertRefused("score", "\"7\"", code: "invalid_type")
        assertRefused("score", "true", code: "invalid_type")
    }

    func testReferenceIsAPositiveID() {
        assertStored("customer_id", "42", as: .integer(42))
        assertRefused("customer_id", "0", code: "invalid_reference")
        assertRefused("customer_id", "-3", code: "invalid_reference")
        assertRefused("customer_id", "\"42\"", code: "invalid_reference")
        assertRefused("customer_id", "4.2", code: "invalid_reference")
    }

    func testTagsAreTrimmedAndDeduplicatedInFirstSeenOrder() {
        let changes = parse("{\"name\":\"ok\",\"tags\":[\"vip\",\" 重点客户 \",\"trial\",\"vip\",\"重点客户\",\" vip\"]}", mode: .create)
        XCTAssertEqual(storedJSON(changes, "tags"), ["vip", "重点客户", "trial"])
        XCTAssertEqual(storedJSON(parse("{\"name\":\"ok\",\"tags\":[]}", mode: .create), "tags"), [])
        // Tags are case-sensitive: both spellings are kept.
        XCTAssertEqual(storedJSON(parse("{\"name\":\"ok\",\"tags\":[\"VIP\",\"vip\"]}", mode: .create), "tags"), ["VIP", "vip"])
    }

    func testTagsRefuseNonStringsEmptyOnesTooLongOnesAndTooMany() {
        assertRefused("tags", "\"vip\"", code: "invalid_type")
        assertRefused("tags", "{}", code: "invalid_type")
        assertRefused("tags", "[\"\"]", code: "invalid_tag")
        assertRefused("tags", "[\"ok\",\"  \"]", code: "invalid_tag")
        assertRefused("tags", "[1]", code: "invalid_tag")
        assertRefused("tags", "[null]", code: "invalid_tag")
        assertRefused("tags", "[[\"a\"]]", code: "invalid_tag")
        assertRefused("tags", "[\"\(String(repeating: "x", count: 101))\"]", code: "invalid_tag")
        assertStored("tags", "[\"\(String(repeating: "标", count: 100))\"]", as: .text("[\"\(String(repeating: "标", count: 100))\"]"))

        let hundred = (1...100).map { "\"t\($0)\"" }.joined(separator: ",")
        XCTAssertNotNil(parse("{\"name\":\"ok\",\"tags\":[\(hundred)]}", mode: .create), "100 tags are allowed")
        assertRefused("tags", "[\(hundred),\"t101\"]", code: "too_many")
        // The limit counts distinct tags.
        let repeated = Array(repeating: "\"same\"", count: 150).joined(separator: ",")
        XCTAssertEqual(storedJSON(parse("{\"name\":\"ok\",\"tags\":[\(repeated)]}", mode: .create), "tags"), ["same"])
    }

    func testAttributesTakeScalarValuesOnly() {
        let changes = parse(
            "{\"name\":\"ok\",\"attributes\":{\"segment\":\"gold\",\"score\":7,\"ratio\":0.5,\"vip\":true,\"gone\":null}}", mode: .create)
        XCTAssertEqual(storedJSON(changes, "attributes"), ["segment": "gold", "score": 7, "ratio": 0.5, "vip": true, "gone": nil])
        assertRefused("attributes", "[]", code: "invalid_type")
        assertRefused("attributes", "\"a=b\"", code: "invalid_type")
        assertRefused("attributes", "{\"a\":{\"b\":1}}", code: "invalid_attribute")
        assertRefused("attributes", "{\"a\":[1]}", code: "invalid_attribute")
        assertRefused("attributes", "{\"\":1}", code: "invalid_attribute")
        assertRefused("attributes", "{\"\(String(repeating: "k", count: 101))\":1}", code: "invalid_attribute")
        let hundred = (1...100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        XCTAssertNotNil(parse("{\"name\":\"ok\",\"attributes\":{\(hundred)}}", mode: .create), "100 attributes are allowed")
        assertRefused("attributes", "{\(hundred),\"k101\":1}", code: "too_many")
    }

    // MARK: null

    func testNullClearsAnOptionalFieldOfEveryScalarKind() {
        for field in ["note", "type", "email", "phone", "country", "currency", "birthday", "due_at", "active", "score", "customer_id"] {
            for mode in [RecordInput.Mode.create, .patch] {
                let body = mode == .create ? "{\"name\":\"ok\",\"\(field)\":null}" : "{\"\(field)\":null}"
                let changes = parse(body, mode: mode)
                XCTAssertEqual(changes?.value(for: field), .null, "\(field) \(mode)")
            }
        }
    }

    func testNullTagsBecomeTheEmptyList() {
        XCTAssertEqual(parse("{\"tags\":null}", mode: .patch)?.value(for: "tags"), .text("[]"))
        XCTAssertEqual(parse("{\"name\":\"ok\",\"tags\":null}", mode: .create)?.value(for: "tags"), .text("[]"))
    }

    func testNullAttributesOnPatchEmptyTheObject() {
        XCTAssertEqual(parse("{\"attributes\":null}", mode: .patch)?.value(for: "attributes"), .text("{}"))
    }

    func testNullAttributesOnCreateStoreNoAttributes() {
        let value = parse("{\"name\":\"ok\",\"attributes\":null}", mode: .create)?.value(for: "attributes")
        // Either form renders as {}; what matters is that nothing is stored.
        XCTAssertTrue(value == .null || value == .text("{}"), "\(String(describing: value))")
    }

    // MARK: Attributes on PATCH

    func testPatchAttributesMergeKeyByKey() {
        guard let changes = parse("{\"attributes\":{\"segment\":\"silver\",\"old\":null}}", mode: .patch) else { return }
        guard case .merge(let patch)? = changes.change(for: "attributes") else {
            return XCTFail("a PATCH of attributes merges: \(String(describing: changes.change(for: "attributes")))")
        }
        XCTAssertEqual(patch, ["segment": "silver", "old": nil], "null members are kept: they remove keys when merged")
        XCTAssertNil(changes.value(for: "attributes"), "a merge is not a plain set")
    }

    func testCreateAttributesAreSetWhole() {
        let changes = parse("{\"name\":\"ok\",\"attributes\":{\"segment\":\"gold\"}}", mode: .create)
        guard case .set? = changes?.change(for: "attributes") else {
            return XCTFail("a create sets attributes whole")
        }
        XCTAssertEqual(storedJSON(changes, "attributes"), ["segment": "gold"])
    }

    func testPatchAttributesAreStillValidated() {
        XCTAssertEqual(codes("{\"attributes\":{\"a\":{}}}", mode: .patch), ["attributes:invalid_attribute"])
    }

    // MARK: The customer schema

    func testCustomerCreateBodyFromTheAPIExample() {
        let body = """
            {"type":"person","name":" 张伟 ","email":"ZW@Example.cn","phone":"+86 138 0013 8000","company":"华信科技有限公司",
             "country":"cn","tags":["vip","重点客户","vip"],"birthday":"1988-08-08","marketing_opt_in":true,
             "attributes":{"wechat":"zhangwei88"},"external_id":"ERP-1","tier_override":"vip"}
            """
        guard let changes = parse(body, mode: .create, schema: CustomerSchema.schema) else { return }
        XCTAssertEqual(changes.value(for: "name"), .text("张伟"))
        XCTAssertEqual(changes.value(for: "email"), .text("ZW@Example.cn"))
        XCTAssertEqual(changes.value(for: "country"), .text("CN"))
        XCTAssertEqual(changes.value(for: "marketing_opt_in"), .integer(1))
        XCTAssertEqual(storedJSON(changes, "tags"), ["vip", "重点客户"])
        XCTAssertEqual(changes.value(for: "tier_override"), .text("vip"))
        XCTAssertEqual(changes.entries.count, 12)
    }

    func testCustomerComputedNamesAreRefused() {
        let found = issues("{\"metrics\":{},\"merged_into\":3}", mode: .patch, schema: CustomerSchema.schema)
        XCTAssertEqual(Set(found.map(\.field)), ["metrics", "merged_into"])
        XCTAssertTrue(found.allSatisfy { $0.code == "unknown_field" || $0.code == "read_only" }, "\(found)")
    }

    // MARK: Line items

    func testLineItemsAreNormalised() {
        let changes = parse(
            "{\"name\":\"ok\",\"items\":[{\"sku\":\"A-1\",\"name\":\" 咖啡豆 \",\"quantity\":2,\"unit_amount\":12990},{\"name\":\"Mug\",\"quantity\":0,\"unit_amount\":0}]}",
            mode: .create)
        XCTAssertEqual(
            storedJSON(changes, "items"),
            [
                ["sku": "A-1", "name": "咖啡豆", "quantity": 2, "unit_amount": 12990],
                ["sku": nil, "name": "Mug", "quantity": 0, "unit_amount": 0],
            ])
        XCTAssertEqual(storedJSON(parse("{\"name\":\"ok\",\"items\":[]}", mode: .create), "items"), [])
        XCTAssertEqual(parse("{\"items\":null}", mode: .patch)?.value(for: "items"), .text("[]"))
    }

    func testLineItemIssuesNameTheItemAndItsField() {
        let item = "\"name\":\"Mug\",\"quantity\":1,\"unit_amount\":100"
        XCTAssertEqual(codes("{\"items\":{}}", mode: .patch), ["items:invalid_type"])
        XCTAssertEqual(codes("{\"items\":[3]}", mode: .patch), ["items[0]:invalid_type"])
        XCTAssertEqual(codes("{\"items\":[{\(item)},{\(item),\"color\":\"red\"}]}", mode: .patch), ["items[1].color:unknown_field"])
        XCTAssertEqual(codes("{\"items\":[{\"name\":\" \",\"quantity\":1,\"unit_amount\":1}]}", mode: .patch), ["items[0].name:required"])
        XCTAssertEqual(codes("{\"items\":[{\"quantity\":1,\"unit_amount\":1}]}", mode: .patch), ["items[0].name:required"])
        XCTAssertEqual(
            codes("{\"items\":[{\"name\":\"a\",\"quantity\":-1,\"unit_amount\":1}]}", mode: .patch), ["items[0].quantity:out_of_range"])
        XCTAssertEqual(
            codes("{\"items\":[{\"name\":\"a\",\"quantity\":1.5,\"unit_amount\":1}]}", mode: .patch), ["items[0].quantity:out_of_range"])
        XCTAssertEqual(
            codes("{\"items\":[{\"name\":\"a\",\"quantity\":1,\"unit_amount\":-5}]}", mode: .patch), ["items[0].unit_amount:out_of_range"])
        XCTAssertEqual(codes("{\"items\":[{\"name\":\"a\",\"quantity\":1}]}", mode: .patch), ["items[0].unit_amount:out_of_range"])
        XCTAssertEqual(codes("{\"items\":[{\(item),\"sku\":7}]}", mode: .patch), ["items[0].sku:invalid_type"])
        let many = Array(repeating: "{\(item)}", count: 501).joined(separator: ",")
        XCTAssertEqual(codes("{\"items\":[\(many)]}", mode: .patch), ["items:too_many"])
    }
}
