import CRM
import Foundation
import XCTest

/// `/v1/segments` (API.md §2 "segments"): saved rule trees written by marketing and admin and
/// read by every role, `member_count` computed on every read, members listed a page at a time,
/// versions and `If-Match`, soft deletes, and the change feed.
final class SegmentTests: SalesTestCase {
    let retailVIP: [String: Any] = ["all": [searchRule("industry", "eq", "retail"), searchRule("tags", "eq", "vip")]]

    func customer(_ fields: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var body: [String: Any] = ["type": "person", "name": "Customer"]
        for (key, value) in fields { body[key] = value }
        return try XCTUnwrap(try sales.expect(201, "POST", "/v1/customers", json: body, file: file, line: line)["id"] as? Int)
    }

    /// `POST /v1/segments` that must answer 201: the segment.
    @discardableResult
    func segment(
        _ name: String, _ rules: Any, client: SalesClient? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        try (client ?? sales).expect(201, "POST", "/v1/segments", json: ["name": name, "rules": rules], file: file, line: line)
    }

    func memberCount(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Int? {
        try sales.expect(200, "GET", "/v1/segments/\(id)", file: file, line: line)["member_count"] as? Int
    }

    func members(_ id: Int, _ query: [(String, String)] = [], limit: Int = 200, file: StaticString = #filePath, line: UInt = #line) throws
        -> [Int]
    {
        try sales.walk("/v1/segments/\(id)/customers", query, limit: limit, file: file, line: line).entries.salesIDs
    }

    // MARK: CRUD

    func testCreateAnswersTheSegmentWithItsMemberCount() throws {
        let ann = try customer(["name": "Ann", "industry": "retail", "tags": ["vip"]])
        _ = try customer(["name": "Bob", "industry": "retail"])
        let reply = try sales.send(
            "POST", "/v1/segments", json: ["name": "VIP retail", "description": "Retail customers tagged vip", "rules": retailVIP])
        XCTAssertEqual(reply.status, 201, reply.text)
        let body = try reply.json()
        let id = try XCTUnwrap(body["id"] as? Int)
        XCTAssertEqual(reply.header("Location"), "/v1/segments/\(id)")
        XCTAssertEqual(reply.header("ETag"), "\"1\"")
        XCTAssertEqual(body["name"] as? String, "VIP retail")
        XCTAssertEqual(body["description"] as? String, "Retail customers tagged vip")
        XCTAssertEqual(canonicalJSON(body["rules"]), canonicalJSON(retailVIP), "the tree as sent")
        XCTAssertEqual(body["member_count"] as? Int, 1)
        XCTAssertEqual(body["version"] as? Int, 1)
        XCTAssertEqual(body["created_at"] as? String, SalesTime.nowText)
        XCTAssertTrue(body["deleted_at"] is NSNull)

        let read = try sales.send("GET", "/v1/segments/\(id)")
        XCTAssertEqual(read.status, 200)
        XCTAssertEqual(read.header("ETag"), "\"1\"")
        XCTAssertEqual(canonicalJSON(try read.json()), canonicalJSON(body))
        XCTAssertEqual(try sales.send("GET", "/v1/segments/\(id)", headers: [("If-None-Match", "\"1\"")]).status, 304)

        let listed = try sales.list("/v1/segments")
        XCTAssertEqual(listed.salesIDs, [id])
        XCTAssertEqual(listed.first?["member_count"] as? Int, 1)
        XCTAssertEqual(try members(id), [ann])
    }

    func testMemberCountFollowsCustomersAsTheyAreCreatedChangedAndDeleted() throws {
        let id = try XCTUnwrap(try segment("VIP retail", retailVIP)["id"] as? Int)
        let everyone = try XCTUnwrap(try segment("Everyone", ["all": [] as [Any]])["id"] as? Int)
        XCTAssertEqual(try memberCount(id), 0)
        XCTAssertEqual(try memberCount(everyone), 0)

        let ann = try customer(["name": "Ann", "industry": "retail", "tags": ["vip"]])
        XCTAssertEqual(try memberCount(id), 1)
        let bob = try customer(["name": "Bob", "industry": "retail", "tags": ["new"]])
        XCTAssertEqual(try memberCount(id), 1, "not a member")
        XCTAssertEqual(try memberCount(everyone), 2)

        // Bob enters by getting the tag, Ann leaves by changing industry.
        try sales.expect(200, "PATCH", "/v1/customers/\(bob)", json: ["tags": ["new", "vip"]])
        XCTAssertEqual(try members(id), [ann, bob])
        XCTAssertEqual(try memberCount(id), 2)
        try sales.expect(200, "PATCH", "/v1/customers/\(ann)", json: ["industry": "technology"])
        XCTAssertEqual(try members(id), [bob])
        XCTAssertEqual(try memberCount(id), 1)

        // A deleted customer is nobody's member.
        try sales.expect(204, "DELETE", "/v1/customers/\(bob)")
        XCTAssertEqual(try memberCount(id), 0)
        XCTAssertEqual(try members(id), [])
        XCTAssertEqual(try memberCount(everyone), 1)
        XCTAssertEqual(try members(everyone), [ann])
    }

    func testMembershipByMetricsFollowsOrders() throws {
        let buyers = try XCTUnwrap(try segment("Buyers", searchRule("metrics.order_count", "gte", 1))["id"] as? Int)
        let big = try XCTUnwrap(try segment("Big spenders", searchRule("metrics.total_spent", "gt", 10000))["id"] as? Int)
        let never = try XCTUnwrap(
            try segment("Never ordered", ["not": searchRule("metrics.last_order_at", "exists", true)])["id"] as? Int)
        let ann = try customer(["name": "Ann"])
        let bob = try customer(["name": "Bob"])
        XCTAssertEqual(try members(never), [ann, bob])
        try sales.order(ann, amount: 8000, at: SalesTime.ago(days: 2))
        XCTAssertEqual(try members(buyers), [ann])
        XCTAssertEqual(try memberCount(big), 0)
        let second = try sales.order(ann, amount: 8000, at: SalesTime.ago(days: 1))
        XCTAssertEqual(try members(big), [ann])
        XCTAssertEqual(try members(never), [bob])
        try sales.expect(204, "DELETE", "/v1/orders/\(try XCTUnwrap(second["id"] as? Int))")
        XCTAssertEqual(try memberCount(big), 0)
        XCTAssertEqual(try memberCount(buyers), 1)
    }

    func testPatchReplacesTheTreeAndHonoursIfMatch() throws {
        let ann = try customer(["name": "Ann", "industry": "retail", "tags": ["vip"]])
        let bob = try customer(["name": "Bob", "industry": "technology"])
        let id = try XCTUnwrap(try segment("VIP retail", retailVIP)["id"] as? Int)

        let technology: [String: Any] = ["any": [searchRule("industry", "eq", "technology")]]
        let patched = try sales.send("PATCH", "/v1/segments/\(id)", json: ["rules": technology], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(patched.header("ETag"), "\"2\"")
        let body = try patched.json()
        XCTAssertEqual(canonicalJSON(body["rules"]), canonicalJSON(technology), "the tree is replaced, not merged into the old one")
        XCTAssertEqual(body["member_count"] as? Int, 1)
        XCTAssertEqual(body["version"] as? Int, 2)
        XCTAssertEqual(try members(id), [bob])

        // The same If-Match again: someone (we) wrote first.
        let stale = try sales.send("PATCH", "/v1/segments/\(id)", json: ["rules": retailVIP], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(stale.status, 412, stale.text)
        XCTAssertEqual(try members(id), [bob], "a 412 changes nothing")

        let renamed = try sales.expect(200, "PATCH", "/v1/segments/\(id)", json: ["name": "Tech", "description": "all tech"])
        XCTAssertEqual(canonicalJSON(renamed["rules"]), canonicalJSON(technology), "rules kept when not in the patch")
        XCTAssertEqual(renamed["version"] as? Int, 3)
        let cleared = try sales.expect(200, "PATCH", "/v1/segments/\(id)", json: ["description": NSNull()])
        XCTAssertTrue(cleared["description"] is NSNull)

        // Bad patches: a 422 naming the path, and nothing changes.
        let bad = try sales.send(
            "PATCH", "/v1/segments/\(id)", json: ["rules": ["all": [searchRule("industry", "eq", "x"), searchRule("x", "eq", 1)]]])
        XCTAssertEqual(bad.status, 422)
        XCTAssertEqual(bad.problemFields, ["rules.all[1].field"])
        for body: [String: Any] in [["rules": NSNull()], ["name": NSNull()], ["name": "  "], ["member_count": 3], ["id": 9]] {
            let reply = try sales.send("PATCH", "/v1/segments/\(id)", json: body)
            XCTAssertEqual(reply.status, 422, "\(body): \(reply.text)")
        }
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/segments/\(id)")["version"] as? Int, 4)
        XCTAssertEqual(try members(id), [bob])
        _ = ann
    }

    func testDeleteHonoursIfMatchAndThenAnswers404() throws {
        _ = try customer(["name": "Ann", "industry": "retail", "tags": ["vip"]])
        let id = try XCTUnwrap(try segment("VIP retail", retailVIP)["id"] as? Int)
        XCTAssertEqual(try sales.send("DELETE", "/v1/segments/\(id)", headers: [("If-Match", "\"7\"")]).status, 412)
        XCTAssertEqual(try memberCount(id), 1)
        XCTAssertEqual(try sales.send("DELETE", "/v1/segments/\(id)", headers: [("If-Match", "\"1\"")]).status, 204)
        XCTAssertEqual(try sales.send("GET", "/v1/segments/\(id)").status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/segments/\(id)/customers").status, 404)
        XCTAssertEqual(try sales.send("PATCH", "/v1/segments/\(id)", json: ["name": "again"]).status, 404)
        XCTAssertEqual(try sales.send("DELETE", "/v1/segments/\(id)").status, 404)
        XCTAssertEqual(try sales.list("/v1/segments").count, 0)
        let tombstones = try sales.list("/v1/segments", [("include_deleted", "true")])
        XCTAssertEqual(tombstones.salesIDs, [id])
        XCTAssertNotNil(tombstones.first?["deleted_at"] as? String)
    }

    func testCreateIsValidated() throws {
        let empty = try sales.send("POST", "/v1/segments", json: [:] as [String: Any])
        XCTAssertEqual(empty.status, 422)
        XCTAssertEqual(Set(empty.problemFields), ["name", "rules"])
        let badRules = try sales.send(
            "POST", "/v1/segments", json: ["name": "x", "rules": ["all": [searchRule("tags", "eq", "vip"), searchRule("shoe", "eq", 1)]]])
        XCTAssertEqual(badRules.status, 422)
        XCTAssertEqual(badRules.problemFields, ["rules.all[1].field"])
        XCTAssertEqual(badRules.problemEntry("rules.all[1].field")?["code"] as? String, "unknown_field")
        // Every bad part of a tree is named at once, as search names them.
        let twoBad = try sales.send(
            "POST", "/v1/segments",
            json: ["name": "x", "rules": ["all": [searchRule("shoe", "eq", 1), searchRule("metrics.order_count", "eq", "many")]]])
        XCTAssertEqual(twoBad.status, 422)
        XCTAssertEqual(Set(twoBad.problemFields), ["rules.all[0].field", "rules.all[1].value"], twoBad.text)
        let cases: [([String: Any], String)] = [
            (["name": "x", "rules": ["any": [searchRule("marketing_opt_in", "gt", true)]]], "rules.any[0].op"),
            (["name": "x", "rules": searchRule("metrics.order_count", "eq", "many")], "rules.value"),
            (["name": "x", "rules": "vip"], "rules"),
            (["name": "x", "rules": retailVIP, "member_count": 5], "member_count"),
            (["name": "x", "rules": retailVIP, "colour": "red"], "colour"),
            (["name": String(repeating: "n", count: 201), "rules": retailVIP], "name"),
        ]
        for (body, field) in cases {
            let reply = try sales.send("POST", "/v1/segments", json: body)
            XCTAssertEqual(reply.status, 422, "\(body): \(reply.text)")
            XCTAssertEqual(reply.problemFields, [field], reply.text)
        }
        var deep: Any = searchRule("industry", "eq", "retail")
        for _ in 0..<10 { deep = ["not": deep] }
        let tooDeep = try sales.send("POST", "/v1/segments", json: ["name": "deep", "rules": deep])
        XCTAssertEqual(tooDeep.status, 422)
        XCTAssertEqual(tooDeep.problemEntry("rules" + String(repeating: ".not", count: 10))?["code"] as? String, "too_deep")
        XCTAssertEqual(try sales.list("/v1/segments", [("include_deleted", "true")]).count, 0, "nothing was stored")
    }

    // MARK: Members

    func testMembersArePagedWithoutRepeatsOrGaps() throws {
        var expected: [Int] = []
        for index in 0..<30 {
            let member = index % 6 != 5
            let id = try customer(["name": "C\(String(format: "%02d", (index * 7) % 30))", "tags": member ? ["vip"] : ["other"]])
            if member { expected.append(id) }
        }
        XCTAssertEqual(expected.count, 25)
        let id = try XCTUnwrap(try segment("VIPs", searchRule("tags", "eq", "vip"))["id"] as? Int)
        let walked = try sales.walk("/v1/segments/\(id)/customers", limit: 7)
        XCTAssertEqual(walked.entries.salesIDs, expected)
        XCTAssertEqual(walked.pages, 4)
        XCTAssertEqual(walked.entries.first?["name"] as? String, "C00", "members are full customers")
        XCTAssertNotNil(walked.entries.first?["metrics"] as? [String: Any])

        // The members list takes the customers list's sorts and filters too.
        let byName = try sales.walk("/v1/segments/\(id)/customers", [("sort", "-name")], limit: 7).entries
        XCTAssertEqual(byName.compactMap { $0["name"] as? String }, byName.compactMap { $0["name"] as? String }.sorted(by: >))
        XCTAssertEqual(Set(byName.salesIDs), Set(expected))
        let some = try sales.list("/v1/segments/\(id)/customers", [("id", expected.prefix(3).map(String.init).joined(separator: ","))])
        XCTAssertEqual(some.salesIDs, Array(expected.prefix(3)))
        XCTAssertEqual(try sales.send("GET", "/v1/segments/\(id)/customers?limit=0").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/segments/\(id)/customers?limit=201").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/segments/\(id)/customers?sort=industry").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/segments/\(id)/customers?shoe=42").status, 400)

        // A cursor belongs to its segment (and sort).
        let other = try XCTUnwrap(try segment("Others", searchRule("tags", "eq", "other"))["id"] as? Int)
        let first = try sales.expect(200, "GET", "/v1/segments/\(id)/customers?limit=2")
        let cursor = try XCTUnwrap(first["next_cursor"] as? String)
        XCTAssertEqual(
            try sales.send("GET", "/v1/segments/\(id)/customers" + queryString([("cursor", cursor), ("limit", "2")])).status, 200)
        let foreign = try sales.send("GET", "/v1/segments/\(other)/customers" + queryString([("cursor", cursor)]))
        XCTAssertEqual(foreign.status, 400)
        XCTAssertEqual(foreign.problemFields, ["cursor"])
        let resorted = try sales.send("GET", "/v1/segments/\(id)/customers" + queryString([("cursor", cursor), ("sort", "-id")]))
        XCTAssertEqual(resorted.problemFields, ["cursor"])
    }

    func testDeletedCustomersAreNeverListedAsMembers() throws {
        let ann = try customer(["name": "Ann", "industry": "retail"])
        let gone = try customer(["name": "Gone", "industry": "retail"])
        try sales.expect(204, "DELETE", "/v1/customers/\(gone)")
        let id = try XCTUnwrap(try segment("Retail", searchRule("industry", "eq", "retail"))["id"] as? Int)
        XCTAssertEqual(try memberCount(id), 1)
        XCTAssertEqual(try members(id), [ann])
        // include_deleted would list tombstones as members, against member_count: it is refused.
        let tombstones = try sales.send("GET", "/v1/segments/\(id)/customers?include_deleted=true")
        XCTAssertEqual(tombstones.status, 400, tombstones.text)
        XCTAssertEqual(tombstones.problemFields, ["include_deleted"])
    }

    func testMembersOfAnUnknownOrDeletedSegmentAre404() throws {
        XCTAssertEqual(try sales.send("GET", "/v1/segments/999/customers").status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/segments/999").status, 404)
        let id = try XCTUnwrap(try segment("Tmp", ["all": [] as [Any]])["id"] as? Int)
        try sales.expect(204, "DELETE", "/v1/segments/\(id)")
        let reply = try sales.send("GET", "/v1/segments/\(id)/customers")
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        XCTAssertEqual(try sales.send("GET", "/v1/segments/abc/customers").status, 404)
    }

    // MARK: Roles and the feed

    func testMarketingAndAdminWriteSegmentsOtherRolesGet403() throws {
        _ = try customer(["name": "Ann", "industry": "retail", "tags": ["vip"]])
        let marketing = try SalesClient(server, key: try server.key(role: "marketing"))
        let owned = try XCTUnwrap(try segment("By marketing", retailVIP, client: marketing)["id"] as? Int)
        try marketing.expect(200, "PATCH", "/v1/segments/\(owned)", json: ["name": "Renamed by marketing"])
        let admin = try XCTUnwrap(try segment("By admin", retailVIP)["id"] as? Int)
        try marketing.expect(204, "DELETE", "/v1/segments/\(admin)")

        for role in ["viewer", "sales", "support"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            let before = try sales.list("/v1/segments", [("include_deleted", "true")])
            XCTAssertEqual(try client.send("POST", "/v1/segments", json: ["name": "x", "rules": retailVIP]).status, 403, role)
            XCTAssertEqual(try client.send("PATCH", "/v1/segments/\(owned)", json: ["name": "x"]).status, 403, role)
            XCTAssertEqual(try client.send("DELETE", "/v1/segments/\(owned)").status, 403, role)
            XCTAssertEqual(canonicalJSON(try sales.list("/v1/segments", [("include_deleted", "true")])), canonicalJSON(before), role)
        }
        for role in ["admin", "sales", "support", "marketing", "viewer"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            XCTAssertEqual(try client.list("/v1/segments").salesIDs, [owned], role)
            XCTAssertEqual(try client.expect(200, "GET", "/v1/segments/\(owned)")["member_count"] as? Int, 1, role)
            XCTAssertEqual(try client.list("/v1/segments/\(owned)/customers").count, 1, role)
            try client.expect(200, "POST", "/v1/customers/search", json: ["rules": retailVIP])
        }
        let anonymous = try server.client().request("GET", "/v1/segments", headers: [])
        XCTAssertEqual(anonymous.status, 401)
    }

    func testTheChangeFeedShowsSegmentWrites() throws {
        _ = try customer(["name": "Ann"])
        let id = try XCTUnwrap(try segment("VIP retail", retailVIP)["id"] as? Int)
        try sales.expect(200, "PATCH", "/v1/segments/\(id)", json: ["name": "VIPs"])
        try sales.expect(204, "DELETE", "/v1/segments/\(id)")
        let feed = try sales.expect(200, "GET", "/v1/changes?types=segment")
        let entries = feed["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.compactMap { $0["type"] as? String }, ["segment.created", "segment.updated", "segment.deleted"])
        XCTAssertEqual(entries.compactMap { $0["id"] as? Int }, [id, id, id])
        let created = try XCTUnwrap(entries.first?["data"] as? [String: Any])
        XCTAssertEqual(created["name"] as? String, "VIP retail")
        XCTAssertEqual(canonicalJSON(created["rules"]), canonicalJSON(retailVIP))
        XCTAssertTrue(entries.last?["data"] is NSNull)
        let everything = try sales.expect(200, "GET", "/v1/changes")["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(everything.compactMap { $0["type"] as? String }.first, "customer.created")
        XCTAssertTrue(everything.contains { $0["type"] as? String == "segment.created" })
    }
}
