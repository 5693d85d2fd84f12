import Foundation
import XCTest

/// `/v1/fields`: custom field definitions, their checks on every customer write path, `required`
/// on create, `violations` after a definition changes, and the role checks.
final class FieldTests: SalesTestCase {
    @discardableResult
    private func define(_ body: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try sales.expect(201, "POST", "/v1/fields", json: body, file: file, line: line)
    }

    /// The fields a refused write names, sorted.
    private func refused(_ reply: RawClient.Reply, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        XCTAssertEqual(reply.status, 422, reply.text, file: file, line: line)
        return ((try? reply.json()["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }.sorted()
    }

    func testDefinitionsCRUDByKey() throws {
        let created = try sales.send(
            "POST", "/v1/fields", json: ["key": "vip_level", "label": "VIP level", "type": "enum", "options": ["gold", "platinum"]])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.header("Location"), "/v1/fields/vip_level")
        let field = try sales.expect(200, "GET", "/v1/fields/vip_level")
        XCTAssertEqual(field["key"] as? String, "vip_level")
        XCTAssertEqual(field["options"] as? [String], ["gold", "platinum"])
        XCTAssertEqual(field["required"] as? Bool, false)
        XCTAssertEqual(field["violations"] as? Int, 0)
        try define(["key": "score", "label": "Score", "type": "integer", "description": "0-10"])
        XCTAssertEqual(
            try sales.walk("/v1/fields", limit: 50).entries.compactMap { $0["key"] as? String }.sorted(), ["score", "vip_level"])

        XCTAssertEqual(try sales.send("GET", "/v1/fields/score").header("ETag"), "\"1\"")
        try sales.expect(200, "PATCH", "/v1/fields/score", json: ["label": "Lead score"])
        let patched = try sales.send("GET", "/v1/fields/score")
        XCTAssertEqual(try patched.json()["label"] as? String, "Lead score")
        XCTAssertEqual(patched.header("ETag"), "\"2\"", "the definition's version, as for every record")
        let notModified = try sales.send("GET", "/v1/fields/score", headers: [("If-None-Match", "\"2\"")])
        XCTAssertEqual(notModified.status, 304)
        XCTAssertEqual(notModified.header("ETag"), "\"2\"")
        XCTAssertEqual(try sales.send("GET", "/v1/fields/score", headers: [("If-None-Match", "\"1\"")]).status, 200)
        XCTAssertEqual(try sales.send("PATCH", "/v1/fields/score", json: ["label": "x"], headers: [("If-Match", "\"1\"")]).status, 412)
        XCTAssertEqual(refused(try sales.send("PATCH", "/v1/fields/score", json: ["key": "other"])), ["key"])
        XCTAssertEqual(try sales.send("PATCH", "/v1/fields/nope", json: ["label": "x"]).status, 404)
        try sales.expect(204, "DELETE", "/v1/fields/score")
        XCTAssertEqual(try sales.send("GET", "/v1/fields/score").status, 404)
        XCTAssertEqual(try sales.send("DELETE", "/v1/fields/score").status, 404)
        try define(["key": "score", "label": "Score again", "type": "number"])  // a deleted key may be defined anew

        // Bad definitions.
        XCTAssertEqual(refused(try sales.send("POST", "/v1/fields", json: ["key": "VipLevel", "label": "x", "type": "string"])), ["key"])
        XCTAssertEqual(refused(try sales.send("POST", "/v1/fields", json: ["key": "1st", "label": "x", "type": "string"])), ["key"])
        XCTAssertEqual(refused(try sales.send("POST", "/v1/fields", json: ["key": "tier2", "label": "x", "type": "enum"])), ["options"])
        XCTAssertEqual(
            refused(try sales.send("POST", "/v1/fields", json: ["key": "tier3", "label": "x", "type": "string", "options": ["a"]])),
            ["options"])
        for options: [Any] in [[1], [""], ["a", String(repeating: "b", count: 101)]] {
            let reply = try sales.send("POST", "/v1/fields", json: ["key": "tier6", "label": "x", "type": "enum", "options": options])
            XCTAssertEqual(reply.status, 422, reply.text)
            XCTAssertEqual(reply.problemEntry("options")?["code"] as? String, "invalid_option", "\(options): \(reply.text)")
        }
        XCTAssertEqual(refused(try sales.send("POST", "/v1/fields", json: ["key": "tier4", "label": "x", "type": "money"])), ["type"])
        XCTAssertEqual(refused(try sales.send("POST", "/v1/fields", json: ["key": "tier5", "type": "string"])), ["label"])
        XCTAssertEqual(
            refused(try sales.send("POST", "/v1/fields", json: ["key": "Bad Key", "label": "", "type": "enum"])),
            ["key", "label", "options"],
            "every bad part at once")
        XCTAssertEqual(
            refused(try sales.send("PATCH", "/v1/fields/vip_level", json: ["key": "other", "label": "", "options": []])),
            ["key", "label", "options"])
        XCTAssertEqual(try sales.send("POST", "/v1/fields", json: ["key": "vip_level", "label": "x", "type": "string"]).status, 409)
    }

    func testEveryTypeOnEveryWritePath() throws {
        try define(["key": "nickname", "label": "Nickname", "type": "string"])
        try define(["key": "weight", "label": "Weight", "type": "number"])
        try define(["key": "visits", "label": "Visits", "type": "integer"])
        try define(["key": "vegetarian", "label": "Vegetarian", "type": "bool"])
        try define(["key": "member_since", "label": "Member since", "type": "date"])
        try define(["key": "vip_level", "label": "VIP level", "type": "enum", "options": ["gold", "platinum"]])
        let good: [String: Any] = [
            "nickname": "Lei", "weight": 61.5, "visits": 3, "vegetarian": true, "member_since": "2020-02-29", "vip_level": "gold",
            "undefined_key": "anything",
        ]
        let bad: [String: Any] = [
            "nickname": 7, "weight": "heavy", "visits": 2.5, "vegetarian": "yes", "member_since": "2021-02-29", "vip_level": "silver",
        ]
        let badFields = bad.keys.map { "attributes.\($0)" }.sorted()

        // Create.
        let id = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": "Good", "attributes": good])["id"] as? Int)
        XCTAssertEqual(
            refused(try sales.send("POST", "/v1/customers", json: ["type": "person", "name": "Bad", "attributes": bad])), badFields)
        // Patch (a merge into the stored attributes).
        try sales.expect(200, "PATCH", "/v1/customers/\(id)", json: ["attributes": ["visits": 4]])
        XCTAssertEqual(
            refused(try sales.send("PATCH", "/v1/customers/\(id)", json: ["attributes": ["visits": "four"]])), ["attributes.visits"])
        // Upsert by external id.
        try sales.expect(
            201, "PUT", "/v1/customers/by-external-id/ext-1", json: ["type": "person", "name": "Upserted", "attributes": good])
        XCTAssertEqual(
            refused(try sales.send("PUT", "/v1/customers/by-external-id/ext-1", json: ["attributes": ["vip_level": "bronze"]])),
            ["attributes.vip_level"])
        // Batch: per-record results.
        let batch = try sales.expect(
            200, "POST", "/v1/customers/batch",
            json: [
                "upsert_by": "external_id",
                "records": [
                    ["type": "person", "name": "B1", "external_id": "b1", "attributes": good],
                    ["type": "person", "name": "B2", "external_id": "b2", "attributes": bad],
                ],
            ])
        let results = try XCTUnwrap(batch["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["status"] as? Int }, [201, 422])
        let batchErrors = ((results.last?["error"] as? [String: Any])?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
        XCTAssertEqual(batchErrors?.sorted(), badFields)
        // CSV import.
        let csv = "type,name,attributes\nperson,Imported,\"{\"\"visits\"\":1}\"\nperson,Refused,\"{\"\"visits\"\":\"\"x\"\"}\"\n"
        let imported = try sales.send("POST", "/v1/customers/import", json: csv, headers: [("Content-Type", "text/csv")])
        XCTAssertEqual(imported.status, 200, imported.text)
        XCTAssertEqual((try imported.json()["results"] as? [[String: Any]])?.compactMap { $0["status"] as? Int }, [201, 422])
        // null removes a value and always fits.
        try sales.expect(200, "PATCH", "/v1/customers/\(id)", json: ["attributes": ["vip_level": NSNull()]])
    }

    func testRequiredOnCreateAndViolationsAfterAChange() throws {
        let old = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": "Old", "attributes": ["tier_code": "x1"]])["id"]
                as? Int)
        let blank = try XCTUnwrap(try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": "Blank"])["id"] as? Int)
        try define(["key": "tier_code", "label": "Tier code", "type": "string", "required": true])
        // Existing customers are not rewritten: the one without a value is reported.
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/tier_code")["violations"] as? Int, 1)
        XCTAssertEqual(refused(try sales.send("POST", "/v1/customers", json: ["type": "person", "name": "New"])), ["attributes.tier_code"])
        try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": "New", "attributes": ["tier_code": "b2"]])
        // A patch that leaves attributes alone is not held up by a missing required value.
        try sales.expect(200, "PATCH", "/v1/customers/\(blank)", json: ["name": "Blank renamed"])
        try sales.expect(200, "PATCH", "/v1/customers/\(old)", json: ["name": "Old renamed"])
        // One that writes attributes must bring it (the customer is one of the violations), and
        // none may take it away again, by the key's null or by clearing attributes.
        XCTAssertEqual(
            refused(try sales.send("PATCH", "/v1/customers/\(blank)", json: ["attributes": ["note": "x"]])), ["attributes.tier_code"])
        try sales.expect(200, "PATCH", "/v1/customers/\(blank)", json: ["attributes": ["tier_code": "a9"]])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/tier_code")["violations"] as? Int, 0)
        XCTAssertEqual(
            refused(try sales.send("PATCH", "/v1/customers/\(blank)", json: ["attributes": ["tier_code": NSNull()]])),
            ["attributes.tier_code"])
        XCTAssertEqual(refused(try sales.send("PATCH", "/v1/customers/\(blank)", json: ["attributes": NSNull()])), ["attributes.tier_code"])
        XCTAssertEqual(try sales.customerJSON(blank)["attributes"] as? [String: String], ["tier_code": "a9"])

        // An enum whose options shrink: stored values outside them are counted and refused on their next write.
        try define(["key": "plan", "label": "Plan", "type": "enum", "options": ["basic", "pro"]])
        let pro = try XCTUnwrap(
            try sales.expect(
                201, "POST", "/v1/customers", json: ["type": "person", "name": "Pro", "attributes": ["plan": "pro", "tier_code": "c"]])[
                    "id"] as? Int)
        try sales.expect(200, "PATCH", "/v1/fields/plan", json: ["options": ["basic", "team"]])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/plan")["violations"] as? Int, 1)
        XCTAssertEqual(refused(try sales.send("PATCH", "/v1/customers/\(pro)", json: ["attributes": ["note": "x"]])), ["attributes.plan"])
        try sales.expect(200, "PATCH", "/v1/customers/\(pro)", json: ["attributes": ["plan": "team"]])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/plan")["violations"] as? Int, 0)

        // A type change is accepted like any change (API.md: it never rewrites customers); values
        // it no longer fits are violations, refused on their next write.
        try define(["key": "code", "label": "Code", "type": "string"])
        let coded = try XCTUnwrap(
            try sales.expect(
                201, "POST", "/v1/customers", json: ["type": "person", "name": "Coded", "attributes": ["code": "A7", "tier_code": "d"]]
            )["id"] as? Int)
        try sales.expect(200, "PATCH", "/v1/fields/code", json: ["type": "integer"])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/code")["violations"] as? Int, 1)
        XCTAssertEqual(try sales.customerJSON(coded)["attributes"] as? [String: String], ["code": "A7", "tier_code": "d"], "not rewritten")
        XCTAssertEqual(
            refused(try sales.send("PATCH", "/v1/customers/\(coded)", json: ["attributes": ["note": "x"]])), ["attributes.code"])
        try sales.expect(200, "PATCH", "/v1/customers/\(coded)", json: ["attributes": ["code": 7]])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/code")["violations"] as? Int, 0)
        try define(["key": "count", "label": "Count", "type": "integer"])
        _ = try sales.expect(
            201, "POST", "/v1/customers", json: ["type": "person", "name": "Counted", "attributes": ["count": 3, "tier_code": "e"]])
        try sales.expect(200, "PATCH", "/v1/fields/count", json: ["type": "number"])
    }

    /// Required strings are non-empty after trimming (API.md, "Validation everywhere"), for a
    /// required custom field too, and `violations` counts a blank value as missing; an erased
    /// customer, whose attributes are gone and who takes no write, is never one of them. An enum
    /// becoming another type leaves its options behind without being told to. (Each found by a
    /// black-box audit.)
    func testABlankRequiredStringIsMissingAndErasedCustomersAreNoViolations() throws {
        let blank = try XCTUnwrap(
            try sales.expect(
                201, "POST", "/v1/customers", json: ["type": "person", "name": "Blank", "attributes": ["region_code": " \u{3000}"]])[
                    "id"] as? Int)
        let erased = try sales.customer("Gone")
        try sales.expect(200, "POST", "/v1/customers/\(erased)/erase", json: ["reason": "request"])
        try define(["key": "region_code", "label": "Region", "type": "string", "required": true])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/region_code")["violations"] as? Int, 1, "the blank one, not the erased one")
        let refusedBlank = try sales.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "New", "attributes": ["region_code": "  "]])
        XCTAssertEqual(refused(refusedBlank), ["attributes.region_code"])
        XCTAssertEqual(refusedBlank.problemEntry("attributes.region_code")?["code"] as? String, "required")
        try sales.expect(200, "PATCH", "/v1/customers/\(blank)", json: ["attributes": ["region_code": "east"]])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/region_code")["violations"] as? Int, 0)

        // Nested values are all named, not only the first.
        let nested = try sales.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "N", "attributes": ["o1": ["a": 1], "o2": [1]]])
        XCTAssertEqual(nested.status, 422, nested.text)
        let message = try XCTUnwrap(nested.problemEntry("attributes")?["message"] as? String)
        XCTAssertTrue(message.contains("'o1'") && message.contains("'o2'"), message)

        try define(["key": "plan", "label": "Plan", "type": "enum", "options": ["basic", "pro"]])
        let changed = try sales.expect(200, "PATCH", "/v1/fields/plan", json: ["type": "string"])
        XCTAssertEqual(changed["options"] as? [String], [])
    }

    func testListFiltersReadAttributesByTheirDefinedType() throws {
        try define(["key": "score", "label": "Score", "type": "number"])
        try define(["key": "vip_level", "label": "VIP level", "type": "enum", "options": ["gold", "platinum"]])
        try define(["key": "vegetarian", "label": "Vegetarian", "type": "bool"])
        func person(_ name: String, _ attributes: [String: Any]) throws -> Int {
            try XCTUnwrap(
                try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": name, "attributes": attributes])["id"]
                    as? Int)
        }
        let low = try person("Low", ["score": 2, "vip_level": "gold", "vegetarian": false])
        let high = try person("High", ["score": 10.5, "vip_level": "platinum", "vegetarian": true])
        let none = try person("None", [:])
        func ids(_ query: [(String, String)]) throws -> [Int] {
            try sales.walk("/v1/customers", query, limit: 50).entries.compactMap { $0["id"] as? Int }.sorted()
        }
        XCTAssertEqual(try ids([("attributes.score[gte]", "3")]), [high], "numbers compare as numbers (10.5 > 3)")
        XCTAssertEqual(try ids([("attributes.score[lt]", "3")]), [low])
        XCTAssertEqual(try ids([("attributes.vip_level", "gold,platinum")]), [low, high])
        XCTAssertEqual(try ids([("attributes.vip_level[ne]", "gold")]).contains(low), false)
        XCTAssertEqual(try ids([("attributes.vegetarian", "true")]), [high])
        XCTAssertFalse(try ids([("attributes.vegetarian", "false")]).contains(none))
        for (parameter, value) in [("attributes.score[gte]", "high"), ("attributes.vip_level", "silver"), ("attributes.vegetarian", "yes")]
        {
            let reply = try sales.send("GET", "/v1/customers" + queryString([(parameter, value)]))
            XCTAssertEqual(reply.status, 400, "\(parameter)=\(value)")
            XCTAssertEqual((try reply.json()["errors"] as? [[String: Any]])?.first?["field"] as? String, parameter)
        }
        XCTAssertEqual(try sales.send("GET", "/v1/customers?attributes.undefined=1").status, 400, "only defined keys filter")

        // Rule trees (search, segments, automation conditions) check defined attributes' values too.
        let search = try sales.expect(
            200, "POST", "/v1/customers/search", json: ["rules": ["all": [["field": "attributes.score", "op": "gt", "value": 3]]]])
        XCTAssertEqual((search["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }, [high])
        // A defined bool compares with JSON's true and false (it had been read as 1 and 0, so `eq`
        // matched no one and `ne` everyone; found by a black-box audit).
        func searched(_ op: String, _ value: Bool) throws -> [Int] {
            let tree: [String: Any] = ["field": "attributes.vegetarian", "op": op, "value": value]
            let page = try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": tree, "sort": "id"])
            return (page["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
        }
        XCTAssertEqual(try searched("eq", true), [high])
        XCTAssertEqual(try searched("eq", false), [low])
        XCTAssertEqual(try searched("ne", true), [low, none])
        XCTAssertEqual(try searched("ne", false), [high, none])
        for (value, op) in [("high", "gt"), ("silver", "eq")] as [(Any, String)] {
            let field = op == "gt" ? "attributes.score" : "attributes.vip_level"
            let tree: [String: Any] = ["all": [["field": field, "op": op, "value": value]]]
            XCTAssertEqual(try sales.send("POST", "/v1/customers/search", json: ["rules": tree]).status, 422, field)
            XCTAssertEqual(try sales.send("POST", "/v1/segments", json: ["name": "s", "rules": tree]).status, 422, field)
            XCTAssertEqual(
                try sales.send(
                    "POST", "/v1/automations",
                    json: ["name": "a", "trigger": "customer.created", "conditions": tree, "actions": [["type": "add_tag", "tag": "x"]]]
                ).status, 422, field)
        }
        // Undefined attributes still take any scalar.
        try sales.expect(
            200, "POST", "/v1/customers/search", json: ["rules": ["all": [["field": "attributes.other", "op": "eq", "value": 1]]]])
    }

    /// A range filter compares only values of the field's type: after a type change, values kept
    /// under the old type match no range (a string above every number in SQLite's order, a number
    /// below every date as text), as in search and segments (found by a black-box audit).
    /// A string that becomes a date counts as a violation unless it names a day: `2026-02-30` has
    /// a date's shape and is refused by every write, so it is counted too (found by a black-box
    /// audit: SQLite's `date` gives it back as written).
    func testImpossibleDatesAreViolations() throws {
        try define(["key": "due", "label": "Due", "type": "string"])
        for value in ["2026-02-30", "2026-04-31", "2026-13-01", "soon", "2024-02-29", "2026-12-31"] {
            try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": value, "attributes": ["due": value]])
        }
        try sales.expect(200, "PATCH", "/v1/fields/due", json: ["type": "date"])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/due")["violations"] as? Int, 4)
    }

    func testRangeFiltersSkipValuesOfAnotherTypeAfterATypeChange() throws {
        try define(["key": "rank", "label": "Rank", "type": "string"])
        try define(["key": "renewal", "label": "Renewal", "type": "number"])
        func person(_ name: String, _ attributes: [String: Any]) throws -> Int {
            try XCTUnwrap(
                try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": name, "attributes": attributes])["id"]
                    as? Int)
        }
        _ = try person("Letters", ["rank": "x", "renewal": 5])
        _ = try person("Digits", ["rank": "10"])
        try sales.expect(200, "PATCH", "/v1/fields/rank", json: ["type": "integer"])
        try sales.expect(200, "PATCH", "/v1/fields/renewal", json: ["type": "date"])
        let three = try person("Three", ["rank": 3, "renewal": "2025-06-01"])
        func ids(_ query: [(String, String)]) throws -> [Int] {
            try sales.walk("/v1/customers", query, limit: 50).entries.compactMap { $0["id"] as? Int }.sorted()
        }
        XCTAssertEqual(try ids([("attributes.rank[gt]", "1000000")]), [])
        XCTAssertEqual(try ids([("attributes.rank[gte]", "3")]), [three])
        XCTAssertEqual(try ids([("attributes.rank[lte]", "3")]), [three])
        XCTAssertEqual(try ids([("attributes.renewal[lt]", "2026-01-01")]), [three])
        XCTAssertEqual(try ids([("attributes.renewal[gt]", "2000-01-01")]), [three])
        XCTAssertEqual(try ids([("attributes.rank", "3")]), [three])
    }

    /// Every definition costs every customer write (an index entry to decide on, a check), so at
    /// most 500 are live at once; a deleted one makes room.
    func testAtMostFiveHundredFieldsAreDefinedAtOnce() throws {
        try define(["key": "first", "label": "First", "type": "string"])
        // 498 more straight into the table, copies of the first (their indexes change nothing here).
        try sales.api.sql(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 498)
            INSERT INTO custom_fields (key, label, type, options, required, description, created_at, updated_at)
            SELECT 'bulk_' || n.i, f.label, f.type, f.options, f.required, f.description, f.created_at, f.updated_at
            FROM n, custom_fields f WHERE f.key = 'first'
            """)
        try define(["key": "five_hundredth", "label": "500th", "type": "integer"])
        let refusedOne = try sales.send("POST", "/v1/fields", json: ["key": "one_more", "label": "501st", "type": "string"])
        XCTAssertEqual(refused(refusedOne), ["key"])
        XCTAssertEqual(refusedOne.problemEntry("key")?["code"] as? String, "too_many", refusedOne.text)
        XCTAssertEqual(try sales.send("GET", "/v1/fields/one_more").status, 404, "nothing was defined")
        try sales.expect(204, "DELETE", "/v1/fields/bulk_7")
        try define(["key": "one_more", "label": "501st", "type": "string"])
        // Customers are still written against all of them.
        try sales.expect(201, "POST", "/v1/customers", json: ["type": "person", "name": "Ada", "attributes": ["five_hundredth": 5]])
        XCTAssertEqual(
            refused(
                try sales.send("POST", "/v1/customers", json: ["type": "person", "name": "Bob", "attributes": ["five_hundredth": "x"]])),
            ["attributes.five_hundredth"])
    }

    func testEveryRoleReadsOnlyAdminsWrite() throws {
        try define(["key": "vip_level", "label": "VIP level", "type": "enum", "options": ["gold"]])
        for role in ["sales", "support", "marketing", "viewer"] {
            let client = try SalesClient.withNewKey(server, role: role).client
            XCTAssertEqual(try client.send("GET", "/v1/fields").status, 200, role)
            XCTAssertEqual(try client.send("GET", "/v1/fields/vip_level").status, 200, role)
            XCTAssertEqual(try client.send("POST", "/v1/fields", json: ["key": "k", "label": "k", "type": "string"]).status, 403, role)
            XCTAssertEqual(try client.send("PATCH", "/v1/fields/vip_level", json: ["label": "x"]).status, 403, role)
            XCTAssertEqual(try client.send("DELETE", "/v1/fields/vip_level").status, 403, role)
        }
        XCTAssertEqual(try SalesClient(server, key: "crm_1_not-a-key").send("GET", "/v1/fields").status, 401)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/fields/vip_level")["label"] as? String, "VIP level", "nothing changed")
    }
}
