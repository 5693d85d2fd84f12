import CRM
import Foundation
import XCTest

/// `POST /v1/customers/search {"rules"*,"sort","limit","cursor"}` (API.md §2 "segments"): a rule
/// tree run ad hoc over live customers, every operator over every kind of field, sort and keyset
/// paging with a cursor bound to the tree, and what a bad body answers.
final class CustomerSearchTests: SalesTestCase {
    /// Ann: a retail VIP with everything set; Bolt: a technology company with some; Cid: a name only.
    var ann = 0
    var bolt = 0
    var cid = 0

    func makeThree() throws {
        clock.set(Timestamp(rfc3339: "2026-03-01T09:00:00.000Z")!)
        ann = try create([
            "type": "person", "name": "Ann", "email": "Ann.Lee@Example.com", "phone": "+86 138-0000-1111", "industry": "retail",
            "country": "cn", "birthday": "1990-05-01", "marketing_opt_in": true, "tags": ["vip", "north"], "source": "web",
            "attributes": ["level": "gold", "score": 5, "ratio": 0.75, "beta": true],
        ])
        clock.set(Timestamp(rfc3339: "2026-04-01T09:00:00.000Z")!)
        bolt = try create([
            "type": "company", "name": "Bolt", "industry": "technology", "company_size": "11-50", "marketing_opt_in": false,
            "tags": ["smb"], "birthday": "2001-12-31", "attributes": ["level": "silver", "score": 2, "beta": false],
        ])
        clock.set(Timestamp(rfc3339: "2026-05-01T09:00:00.000Z")!)
        cid = try create(["type": "person", "name": "Cid"])
        // A deleted retail VIP is never found.
        let gone = try create([
            "type": "person", "name": "Gone", "industry": "retail", "tags": ["vip"], "marketing_opt_in": true,
            "attributes": ["level": "gold"],
        ])
        try sales.expect(204, "DELETE", "/v1/customers/\(gone)")
        clock.set(SalesTime.now)
    }

    func create(_ fields: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        try XCTUnwrap(try sales.expect(201, "POST", "/v1/customers", json: fields, file: file, line: line)["id"] as? Int)
    }

    /// Every id the search finds, walking its pages (limit 200).
    func found(_ rules: Any, sort: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> [Int] {
        try walkSearch(rules, sort: sort, limit: 200, file: file, line: line).ids
    }

    func found(_ field: String, _ op: String, _ value: Any, file: StaticString = #filePath, line: UInt = #line) throws -> [Int] {
        try found(searchRule(field, op, value), file: file, line: line)
    }

    /// The search's pages with `limit`, following `next_cursor` to the end.
    func walkSearch(
        _ rules: Any, sort: String? = nil, limit: Int, client: SalesClient? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (ids: [Int], pages: [[Int]]) {
        var pages: [[Int]] = []
        var cursor: String?
        repeat {
            var body: [String: Any] = ["rules": rules, "limit": limit]
            if let sort { body["sort"] = sort }
            if let cursor { body["cursor"] = cursor }
            let page = try (client ?? sales).expect(200, "POST", "/v1/customers/search", json: body, file: file, line: line)
            let data = page["data"] as? [[String: Any]] ?? []
            XCTAssertLessThanOrEqual(data.count, limit, file: file, line: line)
            pages.append(data.salesIDs)
            cursor = page["next_cursor"] as? String
            XCTAssertEqual(page["has_more"] as? Bool, cursor != nil, file: file, line: line)
            if pages.count > 1000 { throw RawClient.ClientError("paging does not end") }
        } while cursor != nil
        return (pages.flatMap { $0 }, pages)
    }

    func search(_ body: Any) throws -> RawClient.Reply {
        try sales.send("POST", "/v1/customers/search", json: body)
    }

    /// A refused search: its status, and the single field its problem names.
    func assertRefused(
        _ body: Any, _ status: Int, field: String, code: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let reply = try search(body)
        XCTAssertEqual(reply.status, status, "\(jsonText(body)): \(reply.text)", file: file, line: line)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json", file: file, line: line)
        XCTAssertEqual(reply.problemFields, [field], reply.text, file: file, line: line)
        if let code { XCTAssertEqual(reply.problemEntry(field)?["code"] as? String, code, reply.text, file: file, line: line) }
    }

    // MARK: Operators

    func testTextAndEnumOperators() throws {
        try makeThree()
        XCTAssertEqual(try found("industry", "eq", "retail"), [ann])
        XCTAssertEqual(try found("industry", "eq", "RETAIL"), [])
        XCTAssertEqual(try found("industry", "ne", "retail"), [bolt, cid], "ne includes customers without an industry")
        XCTAssertEqual(try found("industry", "in", ["retail", "technology"]), [ann, bolt])
        XCTAssertEqual(try found("industry", "gt", "retail"), [bolt])
        XCTAssertEqual(try found("industry", "gte", "retail"), [ann, bolt])
        XCTAssertEqual(try found("industry", "lt", "technology"), [ann])
        XCTAssertEqual(try found("industry", "lte", "technology"), [ann, bolt])
        XCTAssertEqual(try found("industry", "contains", "ECH"), [bolt], "contains ignores ASCII case")
        XCTAssertEqual(try found("industry", "exists", true), [ann, bolt])
        XCTAssertEqual(try found("industry", "exists", false), [cid])
        XCTAssertEqual(try found("name", "contains", "i"), [cid])
        XCTAssertEqual(try found("type", "eq", "person"), [ann, cid])
        XCTAssertEqual(try found("type", "ne", "person"), [bolt])
        XCTAssertEqual(try found("company_size", "in", ["1-10", "11-50"]), [bolt])
        XCTAssertEqual(try found("company_size", "ne", "11-50"), [ann, cid])
        XCTAssertEqual(try found("source", "exists", true), [ann])
        XCTAssertEqual(try found("tier", "eq", "standard"), [ann, bolt, cid])
        XCTAssertEqual(try found("country", "eq", "CN"), [ann])
        XCTAssertEqual(try found("country", "eq", "cn"), [ann], "compared upper-cased, as stored")
    }

    /// `contains` ignores the case of ASCII letters and no other, on both engines, for fields,
    /// attributes and tags (PostgreSQL folded `Å` and `İ` in the value it was given).
    func testContainsFoldsASCIICaseOnly() throws {
        let upper = try create(["type": "person", "name": "Ångström", "tags": ["Ärger"], "attributes": ["city": "İstanbul"]])
        let lower = try create(["type": "person", "name": "ångström", "tags": ["ärger"], "attributes": ["city": "istanbul"]])
        XCTAssertEqual(try found("name", "contains", "ÅNGS"), [upper])
        XCTAssertEqual(try found("name", "contains", "ångS"), [lower])
        XCTAssertEqual(try found("attributes.city", "contains", "İ"), [upper])
        XCTAssertEqual(try found("attributes.city", "contains", "ISTAN"), [lower])
        XCTAssertEqual(try found("tags", "contains", "ÄRG"), [upper])
        XCTAssertEqual(try found("tags", "contains", "rGe"), [upper, lower])
    }

    func testEmailIsComparedCaseInsensitivelyAndPhoneByDigits() throws {
        try makeThree()
        XCTAssertEqual(try found("email", "eq", "ann.lee@example.com"), [ann])
        XCTAssertEqual(try found("email", "eq", "ANN.LEE@EXAMPLE.COM"), [ann])
        XCTAssertEqual(try found("email", "in", ["x@example.com", "Ann.Lee@example.COM"]), [ann])
        XCTAssertEqual(try found("email", "contains", "@Example."), [ann])
        XCTAssertEqual(try found("email", "ne", "ANN.lee@example.com"), [bolt, cid])
        XCTAssertEqual(try found("email", "exists", false), [bolt, cid])
        XCTAssertEqual(try found("phone", "eq", "+8613800001111"), [ann])
        XCTAssertEqual(try found("phone", "contains", "0000 1111"), [ann])
    }

    func testBooleanDateAndTimestampOperators() throws {
        try makeThree()
        XCTAssertEqual(try found("marketing_opt_in", "eq", true), [ann])
        XCTAssertEqual(try found("marketing_opt_in", "eq", false), [bolt])
        XCTAssertEqual(try found("marketing_opt_in", "ne", true), [bolt, cid], "ne true: false, and never asked")
        XCTAssertEqual(try found("marketing_opt_in", "exists", true), [ann, bolt])
        XCTAssertEqual(try found("marketing_opt_in", "exists", false), [cid])

        XCTAssertEqual(try found("birthday", "eq", "1990-05-01"), [ann])
        XCTAssertEqual(try found("birthday", "ne", "1990-05-01"), [bolt, cid])
        XCTAssertEqual(try found("birthday", "in", ["2001-12-31", "1980-01-01"]), [bolt])
        XCTAssertEqual(try found("birthday", "gt", "1990-05-01"), [bolt])
        XCTAssertEqual(try found("birthday", "gte", "1990-05-01"), [ann, bolt])
        XCTAssertEqual(try found("birthday", "lt", "2001-12-31"), [ann])
        XCTAssertEqual(try found("birthday", "lte", "2001-12-31"), [ann, bolt])
        XCTAssertEqual(try found("birthday", "exists", false), [cid])

        // Created 2026-03-01, 04-01 and 05-01 at 09:00 UTC; a date means its midnight UTC.
        XCTAssertEqual(try found("created_at", "eq", "2026-04-01T09:00:00Z"), [bolt])
        XCTAssertEqual(try found("created_at", "eq", "2026-04-01T17:00:00+08:00"), [bolt], "any offset")
        XCTAssertEqual(try found("created_at", "ne", "2026-04-01T09:00:00.000Z"), [ann, cid])
        XCTAssertEqual(try found("created_at", "in", ["2026-03-01T09:00:00Z", "2026-05-01T09:00:00Z"]), [ann, cid])
        XCTAssertEqual(try found("created_at", "gt", "2026-04-01T09:00:00Z"), [cid])
        XCTAssertEqual(try found("created_at", "gte", "2026-04-01"), [bolt, cid])
        XCTAssertEqual(try found("created_at", "lt", "2026-04-01T09:00:00.001Z"), [ann, bolt])
        XCTAssertEqual(try found("created_at", "lte", "2026-03-01T09:00:00Z"), [ann])
        XCTAssertEqual(try found("created_at", "exists", true), [ann, bolt, cid])
    }

    func testTagOperators() throws {
        try makeThree()
        XCTAssertEqual(try found("tags", "eq", "vip"), [ann])
        XCTAssertEqual(try found("tags", "ne", "vip"), [bolt, cid], "ne includes customers without tags")
        XCTAssertEqual(try found("tags", "in", ["smb", "north"]), [ann, bolt])
        XCTAssertEqual(try found("tags", "contains", "Nor"), [ann])
        XCTAssertEqual(try found("tags", "exists", true), [ann, bolt])
        XCTAssertEqual(try found("tags", "exists", false), [cid])
        // Tags follow a PATCH of the customer.
        try sales.expect(200, "PATCH", "/v1/customers/\(cid)", json: ["tags": ["vip"]])
        XCTAssertEqual(try found("tags", "eq", "vip"), [ann, cid])
        XCTAssertEqual(try found("tags", "exists", false), [])
    }

    /// `eq`, `ne` and `in` over an attribute compare each value with values of its own JSON type,
    /// numbers by value, defined field or not, on both engines.
    func testAttributeEqualityComparesWithinATypeAndNumbersByValue() throws {
        try sales.expect(201, "POST", "/v1/fields", json: ["key": "rank", "label": "Rank", "type": "number"])
        let int3 = try create(["type": "person", "name": "Int", "attributes": ["rank": 3, "raw": 1]])
        let float3 = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers", json: #"{"type":"person","name":"Float","attributes":{"rank":3.0,"raw":true}}"#)[
                "id"] as? Int)
        let big = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers", json: #"{"type":"person","name":"Big","attributes":{"rank":1e21,"raw":"1"}}"#)[
                "id"] as? Int)
        let none = try create(["type": "person", "name": "None"])
        XCTAssertEqual(try found("attributes.rank", "eq", 3), [int3, float3])
        XCTAssertEqual(try found("attributes.rank", "in", [3, 7]), [int3, float3])
        XCTAssertEqual(try found("attributes.rank", "ne", 3), [big, none])
        XCTAssertEqual(try found("attributes.rank", "eq", 1e21), [big])
        XCTAssertEqual(try found("attributes.raw", "eq", 1), [int3])
        XCTAssertEqual(try found("attributes.raw", "eq", true), [float3])
        XCTAssertEqual(try found("attributes.raw", "eq", "1"), [big])
        XCTAssertEqual(try found("attributes.raw", "in", [1, true]), [int3, float3])
        XCTAssertEqual(try found("attributes.raw", "ne", true), [int3, big, none])
        // A segment counts what the search finds.
        let segment = try sales.expect(
            201, "POST", "/v1/segments",
            json: ["name": "Rank 3", "rules": ["field": "attributes.rank", "op": "eq", "value": 3]])
        let id = try XCTUnwrap(segment["id"] as? Int)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/segments/\(id)")["member_count"] as? Int, 2)
    }

    func testAttributeOperators() throws {
        try makeThree()
        XCTAssertEqual(try found("attributes.level", "eq", "gold"), [ann])
        XCTAssertEqual(try found("attributes.level", "ne", "gold"), [bolt, cid], "ne includes customers without the attribute")
        XCTAssertEqual(try found("attributes.level", "in", ["silver", "bronze"]), [bolt])
        XCTAssertEqual(try found("attributes.level", "contains", "IL"), [bolt])
        XCTAssertEqual(try found("attributes.level", "gt", "gold"), [bolt])
        XCTAssertEqual(try found("attributes.level", "exists", true), [ann, bolt])
        XCTAssertEqual(try found("attributes.level", "exists", false), [cid])
        XCTAssertEqual(try found("attributes.score", "eq", 5), [ann])
        XCTAssertEqual(try found("attributes.score", "gt", 2), [ann])
        XCTAssertEqual(try found("attributes.score", "gte", 2), [ann, bolt])
        XCTAssertEqual(try found("attributes.score", "lt", 5), [bolt])
        XCTAssertEqual(try found("attributes.score", "lte", 4.5), [bolt])
        XCTAssertEqual(try found("attributes.score", "in", [2, 3]), [bolt])
        XCTAssertEqual(try found("attributes.ratio", "gt", 0.5), [ann])
        XCTAssertEqual(try found("attributes.beta", "eq", true), [ann])
        XCTAssertEqual(try found("attributes.beta", "eq", false), [bolt])
        XCTAssertEqual(try found("attributes.beta", "ne", true), [bolt, cid])
        // A string attribute is never greater than a number, nor a number less than a string.
        XCTAssertEqual(try found("attributes.level", "gt", 0), [])
        XCTAssertEqual(try found("attributes.score", "lt", "zzz"), [])
        // Merge-patching an attribute away takes the customer out.
        try sales.expect(200, "PATCH", "/v1/customers/\(ann)", json: ["attributes": ["level": NSNull()]])
        XCTAssertEqual(try found("attributes.level", "exists", true), [bolt])
    }

    func testMetricsFollowOrders() throws {
        try makeThree()
        try sales.order(ann, amount: 10000, at: SalesTime.ago(days: 30))
        try sales.order(ann, amount: 20000, at: SalesTime.ago(days: 3))
        let small = try sales.order(bolt, amount: 500, at: SalesTime.ago(days: 100))
        XCTAssertEqual(try found("metrics.order_count", "gt", 1), [ann])
        XCTAssertEqual(try found("metrics.order_count", "eq", 0), [cid])
        XCTAssertEqual(try found("metrics.order_count", "ne", 0), [ann, bolt])
        XCTAssertEqual(try found("metrics.order_count", "in", [1, 2]), [ann, bolt])
        XCTAssertEqual(try found("metrics.total_spent", "gte", 500), [ann, bolt])
        XCTAssertEqual(try found("metrics.total_spent", "lt", 30000), [bolt, cid])
        XCTAssertEqual(try found("metrics.total_spent", "lte", 30000), [ann, bolt, cid])
        XCTAssertEqual(try found("metrics.total_spent", "eq", 30000), [ann])
        XCTAssertEqual(try found("metrics.last_order_at", "gte", SalesTime.ago(days: 7)), [ann])
        XCTAssertEqual(try found("metrics.first_order_at", "lt", SalesTime.ago(days: 50)), [bolt])
        XCTAssertEqual(try found("metrics.last_order_at", "exists", false), [cid])
        XCTAssertEqual(try found(["field": "metrics.total_spent", "op": "gt", "value": 0], sort: "-metrics.total_spent"), [ann, bolt])
        // Refunding Bolt's only order takes it out of "has ordered".
        try sales.expect(200, "PATCH", "/v1/orders/\(try XCTUnwrap(small["id"] as? Int))", json: ["status": "refunded"])
        XCTAssertEqual(try found("metrics.order_count", "gte", 1), [ann])
    }

    func testCombinatorsAndNotOverMissingValues() throws {
        try makeThree()
        let retail = searchRule("industry", "eq", "retail")
        let vip = searchRule("tags", "eq", "vip")
        XCTAssertEqual(try found(["all": [retail, vip]]), [ann])
        XCTAssertEqual(try found(["any": [searchRule("industry", "eq", "technology"), vip]]), [ann, bolt])
        XCTAssertEqual(try found(["not": ["all": [retail, vip]]]), [bolt, cid])
        XCTAssertEqual(try found(["all": [] as [Any]]), [ann, bolt, cid], "an empty all always holds")
        XCTAssertEqual(try found(["any": [] as [Any]]), [], "an empty any never does")
        // A rule over a missing value does not hold, so its negation does (Cid has none of these).
        XCTAssertEqual(try found(["not": retail]), [bolt, cid])
        XCTAssertEqual(try found(["not": searchRule("birthday", "lt", "2000-01-01")]), [bolt, cid])
        XCTAssertEqual(try found(["not": searchRule("attributes.score", "gte", 3)]), [bolt, cid])
        XCTAssertEqual(try found(["not": searchRule("marketing_opt_in", "eq", true)]), [bolt, cid])
        XCTAssertEqual(try found(["not": searchRule("industry", "in", ["retail", "technology"])]), [cid])
        XCTAssertEqual(try found(["not": ["not": retail]]), [ann])
        XCTAssertEqual(
            try found([
                "all": [
                    ["not": vip], ["any": [searchRule("type", "eq", "company"), searchRule("industry", "exists", false)]],
                ]
            ]), [bolt, cid])
    }

    // MARK: Sort, limit, cursor

    func testPagingWalksEveryMatchOnceInSortOrder() throws {
        // 25 matches (retail) between 10 others, names out of id order, two created at each instant.
        var matches: [(id: Int, name: String, created: String)] = []
        for index in 0..<35 {
            let created = SalesTime.ago(days: Double(40 - index / 2))
            clock.set(Timestamp(rfc3339: created)!)
            let name = String(format: "M%02d", (index * 11) % 35)
            let id = try create(["type": "person", "name": name, "industry": index % 7 == 3 ? "media" : "retail"])
            if index % 7 != 3 { matches.append((id, name, created)) }
        }
        XCTAssertEqual(matches.count, 30)
        for extra in matches.suffix(5) { try sales.expect(204, "DELETE", "/v1/customers/\(extra.id)") }
        matches.removeLast(5)
        clock.set(SalesTime.now)
        let retail = searchRule("industry", "eq", "retail")

        let byID = try walkSearch(retail, limit: 7)
        XCTAssertEqual(byID.ids, matches.map(\.id), "default sort: id")
        XCTAssertEqual(byID.pages.map(\.count), [7, 7, 7, 4])

        let byName = try walkSearch(retail, sort: "name", limit: 7)
        XCTAssertEqual(byName.ids, matches.sorted { ($0.name, $0.id) < ($1.name, $1.id) }.map(\.id))
        XCTAssertEqual(Set(byName.ids).count, 25)

        let newest = try walkSearch(retail, sort: "-created_at", limit: 7)
        XCTAssertEqual(newest.ids, matches.sorted { ($0.created, $0.id) > ($1.created, $1.id) }.map(\.id), "ties broken by id")

        let limited = try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": retail, "limit": 200])
        XCTAssertEqual((limited["data"] as? [[String: Any]])?.count, 25)
        XCTAssertEqual(limited["has_more"] as? Bool, false)
        XCTAssertTrue(limited["next_cursor"] is NSNull)
    }

    func testTheDefaultLimitIsFifty() throws {
        for index in 0..<52 { _ = try create(["type": "person", "name": "P\(index)", "tags": ["bulk"]]) }
        let page = try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": searchRule("tags", "eq", "bulk")])
        XCTAssertEqual((page["data"] as? [[String: Any]])?.count, 50)
        XCTAssertEqual(page["has_more"] as? Bool, true)
        XCTAssertNotNil(page["next_cursor"] as? String)
    }

    func testPagingHoldsUnderConcurrentInserts() throws {
        var ids: [Int] = []
        for index in 0..<10 { ids.append(try create(["type": "person", "name": "N\(index)", "tags": ["t"]])) }
        let rules = searchRule("tags", "eq", "t")
        let first = try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": rules, "limit": 4])
        let late = try create(["type": "person", "name": "late", "tags": ["t"]])
        var seen = (first["data"] as? [[String: Any]])?.salesIDs ?? []
        var cursor = first["next_cursor"] as? String
        while let next = cursor {
            let page = try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": rules, "limit": 4, "cursor": next])
            seen += (page["data"] as? [[String: Any]])?.salesIDs ?? []
            cursor = page["next_cursor"] as? String
        }
        XCTAssertEqual(seen, ids + [late])
    }

    func testACursorWorksOnlyForItsTreeAndSort() throws {
        for index in 0..<6 { _ = try create(["type": "person", "name": "C\(index)", "industry": "retail", "tags": ["x"]]) }
        let retail = searchRule("industry", "eq", "retail")
        let first = try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": retail, "limit": 2])
        let cursor = try XCTUnwrap(first["next_cursor"] as? String)
        // The same tree and sort continue.
        try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": retail, "limit": 2, "cursor": cursor])
        try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": retail, "limit": 5, "cursor": cursor])
        // Another tree, another sort, an altered or malformed cursor: 400 naming cursor.
        try assertRefused(["rules": searchRule("tags", "eq", "x"), "limit": 2, "cursor": cursor], 400, field: "cursor")
        try assertRefused(["rules": searchRule("industry", "eq", "media"), "cursor": cursor], 400, field: "cursor")
        try assertRefused(["rules": ["all": [retail]], "cursor": cursor], 400, field: "cursor")
        try assertRefused(["rules": retail, "sort": "-id", "cursor": cursor], 400, field: "cursor")
        try assertRefused(["rules": retail, "sort": "name", "cursor": cursor], 400, field: "cursor")
        try assertRefused(["rules": retail, "cursor": (cursor.hasPrefix("W") ? "X" : "W") + cursor.dropFirst()], 400, field: "cursor")
        try assertRefused(["rules": retail, "cursor": "garbage"], 400, field: "cursor")
        try assertRefused(["rules": retail, "cursor": 5], 400, field: "cursor")
        // A customers list cursor is not a search cursor.
        let listed = try sales.expect(200, "GET", "/v1/customers?limit=2")
        try assertRefused(["rules": retail, "cursor": try XCTUnwrap(listed["next_cursor"] as? String)], 400, field: "cursor")
    }

    func testACursorContinuesTheSameTreeSentWithItsKeysInAnotherOrder() throws {
        var ids: [Int] = []
        for index in 0..<4 { ids.append(try create(["type": "person", "name": "K\(index)", "industry": "retail"])) }
        let first = try sales.send(
            "POST", "/v1/customers/search", json: #"{"rules":{"all":[{"field":"industry","op":"eq","value":"retail"}]},"limit":2}"#)
        XCTAssertEqual(first.status, 200, first.text)
        let cursor = try XCTUnwrap(try first.json()["next_cursor"] as? String)
        let reordered = #"{"cursor":"\#(cursor)","limit":2,"rules":{ "all" : [ {"value":"retail","op":"eq","field":"industry"} ] }}"#
        let second = try sales.send("POST", "/v1/customers/search", json: reordered)
        XCTAssertEqual(second.status, 200, second.text)
        XCTAssertEqual((try second.json()["data"] as? [[String: Any]])?.salesIDs, Array(ids.suffix(2)))
    }

    // MARK: Refusals

    func testBadTreesAre422sNamingThePath() throws {
        try assertRefused([:] as [String: Any], 422, field: "rules", code: "required")
        try assertRefused(["rules": NSNull()], 422, field: "rules", code: "invalid_type")
        try assertRefused(["rules": "industry = retail"], 422, field: "rules", code: "invalid_type")
        try assertRefused(
            ["rules": ["all": [searchRule("industry", "eq", "retail"), searchRule("shoe_size", "eq", 42)]]], 422,
            field: "rules.all[1].field",
            code: "unknown_field")
        try assertRefused(
            ["rules": ["all": [searchRule("industry", "like", "r%")]]], 422, field: "rules.all[0].op", code: "unknown_operator")
        try assertRefused(
            ["rules": ["any": [searchRule("marketing_opt_in", "gt", true)]]], 422, field: "rules.any[0].op", code: "unsupported_operator")
        try assertRefused(
            ["rules": ["not": searchRule("metrics.order_count", "contains", "1")]], 422, field: "rules.not.op", code: "unsupported_operator"
        )
        try assertRefused(["rules": searchRule("metrics.order_count", "gt", "3")], 422, field: "rules.value", code: "invalid_value")
        try assertRefused(["rules": searchRule("birthday", "eq", "May 1st")], 422, field: "rules.value", code: "invalid_value")
        try assertRefused(["rules": searchRule("industry", "in", [] as [Any])], 422, field: "rules.value", code: "invalid_value")
        try assertRefused(
            ["rules": searchRule("industry", "in", (0...100).map { "i\($0)" })], 422, field: "rules.value", code: "invalid_value")
        try assertRefused(["rules": searchRule("industry", "exists", "yes")], 422, field: "rules.value", code: "invalid_value")
        try assertRefused(
            ["rules": ["all": [["field": "industry", "op": "eq", "value": "x", "extra": 1]]]], 422, field: "rules.all[0].extra")
        var deep: Any = searchRule("industry", "eq", "retail")
        for _ in 0..<10 { deep = ["not": deep] }
        try assertRefused(["rules": deep], 422, field: "rules" + String(repeating: ".not", count: 10), code: "too_deep")
        let many = (0...100).map { searchRule("metrics.order_count", "eq", $0) }
        try assertRefused(["rules": ["any": many]], 422, field: "rules.any[100]", code: "too_many_rules")
        // Every bad leaf at once.
        let two = try search(["rules": ["all": [searchRule("nope", "eq", 1), searchRule("tags", "gt", "a")]]])
        XCTAssertEqual(two.status, 422)
        XCTAssertEqual(two.problemFields, ["rules.all[0].field", "rules.all[1].op"])
    }

    func testBadSortLimitAndBodiesAreRefused() throws {
        let rules = searchRule("industry", "eq", "retail")
        try assertRefused(["rules": rules, "limit": 0], 400, field: "limit")
        try assertRefused(["rules": rules, "limit": 201], 400, field: "limit")
        try assertRefused(["rules": rules, "limit": "7"], 400, field: "limit")
        try assertRefused(["rules": rules, "limit": 7.5], 400, field: "limit")
        try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": rules, "limit": 1])
        try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": rules, "limit": 200])
        try assertRefused(["rules": rules, "sort": "industry"], 422, field: "sort", code: "invalid_sort")
        try assertRefused(["rules": rules, "sort": 1], 422, field: "sort", code: "invalid_sort")
        for sort in ["id", "-id", "name", "-created_at", "updated_at", "metrics.total_spent", "-metrics.last_order_at"] {
            try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": rules, "sort": sort])
        }
        try assertRefused(["rules": rules, "q": "ann"], 422, field: "q", code: "unknown_field")
        XCTAssertEqual(try search([rules]).status, 400, "a body that is not an object")
        XCTAssertEqual(try sales.send("POST", "/v1/customers/search?limit=5", json: ["rules": rules]).status, 400)
        let text = try sales.api.client.request(
            "POST", "/v1/customers/search", headers: sales.api.auth + [("Content-Type", "text/plain")], body: jsonText(["rules": rules]))
        XCTAssertEqual(text.status, 415)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/search").status, 405)
    }

    func testIdempotencyKeyReplaysTheFirstAnswer() throws {
        try makeThree()
        let vip: [String: Any] = ["rules": ["all": [searchRule("tags", "eq", "vip")]]]
        let key = [("Idempotency-Key", "search-once")]
        let first = try sales.send("POST", "/v1/customers/search", json: vip, headers: key)
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertNil(first.header("Idempotent-Replayed"))
        // A customer created since does not change the replayed answer; a search without the key sees it.
        _ = try create(["type": "person", "name": "Dee", "tags": ["vip"]])
        let replay = try sales.send("POST", "/v1/customers/search", json: vip, headers: key)
        XCTAssertEqual(replay.status, 200, replay.text)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(replay.text, first.text)
        XCTAssertEqual(try found(["all": [searchRule("tags", "eq", "vip")]]).count, 2)

        let other = try sales.send(
            "POST", "/v1/customers/search", json: ["rules": ["all": [searchRule("tags", "eq", "smb")]]], headers: key)
        XCTAssertEqual(other.status, 422, other.text)
        let bad = try sales.send("POST", "/v1/customers/search", json: vip, headers: [("Idempotency-Key", "")])
        XCTAssertEqual(bad.status, 400, bad.text)
        // A viewer may search, with a key of its own too.
        let viewer = try SalesClient(server, key: try server.key(role: "viewer"))
        XCTAssertEqual(try viewer.send("POST", "/v1/customers/search", json: vip, headers: key).status, 200)
    }

    // MARK: Roles

    func testEveryRoleMaySearch() throws {
        try makeThree()
        let rules: [String: Any] = ["all": [searchRule("tags", "eq", "vip")]]
        for role in ["admin", "sales", "support", "marketing", "viewer"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            XCTAssertEqual(try walkSearch(rules, limit: 5, client: client).ids, [ann], role)
        }
        let anonymous = try server.client().request("POST", "/v1/customers/search", headers: [], body: jsonText(["rules": rules]))
        XCTAssertEqual(anonymous.status, 401)
    }
}

/// One leaf `{"field","op","value"}`.
func searchRule(_ field: String, _ op: String, _ value: Any) -> [String: Any] {
    ["field": field, "op": op, "value": value]
}
