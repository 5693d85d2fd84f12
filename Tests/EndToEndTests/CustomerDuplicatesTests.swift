import Foundation
import XCTest

/// `GET /v1/customers/duplicates` (API.md §2 "customers"): groups of live customers sharing a
/// normalised email, phone digits, or name and company, each `{"reason","key","customers":[…]}`,
/// in the list envelope with `limit` and `cursor`.
final class CustomerDuplicatesTests: CustomerTestCase {

    /// One page of groups that must answer 200.
    private func page(
        _ query: [(String, String)] = [], session: APISession? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (groups: [[String: Any]], hasMore: Bool, cursor: String?) {
        let reply = try (session ?? api).send("GET", "/v1/customers/duplicates" + queryString(query))
        XCTAssertEqual(reply.status, 200, "\(query): \(reply.text)", file: file, line: line)
        guard reply.status == 200 else { throw RawClient.ClientError("duplicates failed: \(reply.status) \(reply.text)") }
        let body = try reply.json()
        return (body["data"] as? [[String: Any]] ?? [], body["has_more"] as? Bool ?? false, body["next_cursor"] as? String)
    }

    /// Every group, walking the pages with `limit`; also the page count.
    private func allGroups(limit: Int = 200, file: StaticString = #filePath, line: UInt = #line) throws -> (
        groups: [[String: Any]], pages: Int
    ) {
        var groups: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        repeat {
            let next = try page([("limit", String(limit))] + (cursor.map { [("cursor", $0)] } ?? []), file: file, line: line)
            XCTAssertLessThanOrEqual(next.groups.count, limit, file: file, line: line)
            XCTAssertEqual(next.hasMore, next.cursor != nil, file: file, line: line)
            groups += next.groups
            cursor = next.cursor
            pages += 1
            if pages > 100 { throw RawClient.ClientError("pagination does not end") }
        } while cursor != nil
        return (groups, pages)
    }

    /// `reason|key` of each group, in order.
    private func signatures(_ groups: [[String: Any]]) -> [String] {
        groups.map { "\($0["reason"] as? String ?? "?")|\($0["key"] as? String ?? "?")" }
    }

    /// The ids of a group's customers, in the order given.
    private func ids(_ group: [String: Any]?) -> [Int] {
        (group?["customers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }

    // MARK: - Reasons

    func testNoDuplicatesIsAnEmptyList() throws {
        try api.createPerson("Solo", ["email": "solo@example.com", "phone": "+86 138 0013 8000", "company": "Lonely Inc"])
        try api.createPerson("Other", ["email": "other@example.com", "phone": "+86 138 0013 8001", "company": "Lonely Inc"])
        let result = try page()
        XCTAssertTrue(result.groups.isEmpty, "\(result.groups)")
        XCTAssertFalse(result.hasMore)
        XCTAssertNil(result.cursor)
    }

    func testPhoneGroupIgnoresFormatting() throws {
        let a = try api.createPerson("Phone A", ["phone": "+86 138 0013 8000"])
        let b = try api.createPerson("Phone B", ["phone": "86-138-0013-8000"])
        let c = try api.createPerson("Phone C", ["phone": "(86) 138.0013.8000"])
        try api.createPerson("Phone D", ["phone": "+86 138 0013 8009"])
        try api.createPerson("No Phone")

        let groups = try page().groups
        XCTAssertEqual(signatures(groups), ["phone|8613800138000"])
        XCTAssertEqual(ids(groups.first), [a, b, c])
        // Each entry is the whole customer, as GET /v1/customers/{id} renders it.
        let first = try XCTUnwrap((groups.first?["customers"] as? [[String: Any]])?.first)
        XCTAssertEqual(canonicalJSON(first), canonicalJSON(try api.get(a).json()))
        XCTAssertEqual(first["phone"] as? String, "+86 138 0013 8000")
        XCTAssertNotNil(first["metrics"] as? [String: Any])
    }

    func testNameAndCompanyGroupIgnoresCaseAndSpaces() throws {
        let a = try api.createPerson("Ada Lovelace", ["company": "Analytical Engines"])
        let b = try api.createPerson("ADA LOVELACE", ["company": "analytical engines"])
        let c = try api.createPerson("ada  lovelace", ["company": "Analytical   Engines"])
        // Surrounding spaces can only come from stored data (the API trims every string).
        let d = try api.createPerson("Placeholder")
        try api.sql("UPDATE customers SET name = '  Ada Lovelace ', company = ' ANALYTICAL ENGINES  ' WHERE id = \(d)")
        // The same name alone, or at another company, is not a duplicate.
        try api.createPerson("Ada Lovelace")
        try api.createPerson("Ada Lovelace", ["company": "Difference Engines"])
        try api.createPerson("Ada Lovelace", ["company": "   "])

        let groups = try page().groups
        XCTAssertEqual(signatures(groups), ["name_company|ada lovelace | analytical engines"])
        XCTAssertEqual(ids(groups.first), [a, b, c, d])
    }

    func testTwoPeopleOfTheSameNameWithoutACompanyAreNoGroup() throws {
        try api.createPerson("Wang Wei")
        try api.createPerson("Wang Wei")
        try api.create(["type": "company", "name": "Wang Wei"])
        XCTAssertTrue(try page().groups.isEmpty)
    }

    func testEmailGroupsCannotAriseThroughTheAPI() throws {
        let first = try api.createPerson("Mail One", ["email": "Same@Example.com"])
        let taken = try api.send("POST", "/v1/customers", json: ["type": "person", "name": "Mail Two", "email": "  same@example.COM "])
        XCTAssertEqual(taken.status, 409, taken.text)
        XCTAssertEqual(taken.problemEntry("email")?["holder_id"] as? Int, first)
        XCTAssertTrue(try page().groups.isEmpty)
    }

    func testEmailGroupFromStoredDataIsKeyedByTheNormalisedEmail() throws {
        // Live customers sharing an email can only exist in data stored without the unique
        // index (an old backup, a hand-made import): drop it and write such rows directly.
        try api.sql("DROP INDEX customers_email_live")
        let a = try api.createPerson("Mail A", ["email": "Shared@Example.com"])
        let b = try api.createPerson("Mail B", ["email": "b@example.com"])
        let c = try api.createPerson("Mail C", ["email": "c@example.com"])
        try api.createPerson("Mail D", ["email": "d@example.com"])
        try api.sql("UPDATE customers SET email = 'shared@example.com', email_normalized = 'shared@example.com' WHERE id = \(b)")
        try api.sql("UPDATE customers SET email = ' SHARED@example.COM ', email_normalized = 'shared@example.com' WHERE id = \(c)")

        let groups = try page().groups
        XCTAssertEqual(signatures(groups), ["email|shared@example.com"])
        XCTAssertEqual(ids(groups.first), [a, b, c])
    }

    func testOneCustomerMayBeInSeveralGroupsAndGroupsComeInReasonAndKeyOrder() throws {
        let hub = try api.createPerson("Grace Hopper", ["phone": "+1 555 0100 200", "company": "Navy"])
        let byPhone = try api.createPerson("G. Hopper", ["phone": "1-555-0100-200"])
        let byName = try api.createPerson("grace hopper", ["company": "NAVY"])
        let secondPhone = try api.createPerson("Phone Twin 1", ["phone": "+1 555 0100 100"])
        let secondPhoneTwin = try api.createPerson("Phone Twin 2", ["phone": "15550100100"])

        let groups = try page().groups
        XCTAssertEqual(signatures(groups), ["name_company|grace hopper | navy", "phone|15550100100", "phone|15550100200"])
        XCTAssertEqual(groups.map(ids), [[hub, byName], [secondPhone, secondPhoneTwin], [hub, byPhone]])
    }

    // MARK: - Deleted customers

    func testDeletedCustomersNeverAppear() throws {
        let a = try api.createPerson("Del A", ["phone": "+86 10 1234 5678", "company": "Gone Ltd"])
        let b = try api.createPerson("Del B", ["phone": "86 10 1234 5678"])
        let c = try api.createPerson("del a", ["company": "gone ltd"])
        let d = try api.createPerson("Del D", ["phone": "861012345678"])
        XCTAssertEqual(signatures(try page().groups), ["name_company|del a | gone ltd", "phone|861012345678"])

        // A deletion leaves a group of two.
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(b)").status, 204)
        var groups = try page().groups
        XCTAssertEqual(groups.map(ids), [[a, c], [a, d]])

        // A group of one is no group; the deleted customer is never listed.
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(c)").status, 204)
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(d)").status, 204)
        groups = try page().groups
        XCTAssertTrue(groups.isEmpty, "\(groups)")

        // A new customer sharing a phone with a deleted customer only is no group; one sharing the
        // name and company of a live one is.
        let f = try api.createPerson("Del F", ["phone": "+86 20 5555 0000"])
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(f)").status, 204)
        let e = try api.createPerson("DEL A", ["company": "GONE LTD", "phone": "86 20 5555 0000"])
        groups = try page().groups
        XCTAssertEqual(signatures(groups), ["name_company|del a | gone ltd"])
        XCTAssertEqual(groups.map(ids), [[a, e]])
    }

    func testMergingAGroupRemovesIt() throws {
        let a = try api.createPerson("Merge Me", ["phone": "+44 20 7946 0000"])
        let b = try api.createPerson("Merge Me Too", ["phone": "44 20 7946 0000"])
        XCTAssertEqual(try page().groups.count, 1)
        let merged = try api.send("POST", "/v1/customers/\(a)/merge", json: ["from": [b]])
        XCTAssertEqual(merged.status, 200, merged.text)
        XCTAssertTrue(try page().groups.isEmpty)
    }

    // MARK: - Paging

    func testGroupsPageWithLimitAndCursorWithoutRepeatsOrGaps() throws {
        var expected: [String] = []
        for number in 0..<5 {
            let digits = "1555010\(number)000"
            try api.createPerson("Phone \(number) a", ["phone": "+1 555 010\(number) 000"])
            try api.createPerson("Phone \(number) b", ["phone": digits])
            expected.append("phone|\(digits)")
        }
        for number in 0..<2 {
            try api.createPerson("Twin \(number)", ["company": "Co \(number)"])
            try api.createPerson("TWIN \(number)", ["company": "co \(number)"])
            expected.append("name_company|twin \(number) | co \(number)")
        }
        expected.sort()
        XCTAssertEqual(signatures(try page().groups), expected)

        let walked = try allGroups(limit: 2)
        XCTAssertEqual(walked.pages, 4)
        XCTAssertEqual(signatures(walked.groups), expected)
        XCTAssertTrue(walked.groups.allSatisfy { ids($0).count == 2 })

        let exact = try allGroups(limit: 7)
        XCTAssertEqual(exact.pages, 1)
        XCTAssertEqual(signatures(exact.groups), expected)

        // A group added behind the cursor is not seen; one ahead of it is.
        let first = try page([("limit", "3")])
        XCTAssertTrue(first.hasMore)
        let cursor = try XCTUnwrap(first.cursor)
        try api.createPerson("Aaa", ["company": "Aaa"])
        try api.createPerson("AAA", ["company": "aaa"])
        try api.createPerson("Late", ["phone": "+1 999 999 9999"])
        try api.createPerson("Late 2", ["phone": "19999999999"])
        let rest = try page([("limit", "200"), ("cursor", cursor)])
        XCTAssertEqual(signatures(rest.groups), Array(expected.dropFirst(3)) + ["phone|19999999999"])
    }

    func testBadPagingParametersAre400() throws {
        try api.createPerson("Bad A", ["phone": "+1 555 0100 300"])
        try api.createPerson("Bad B", ["phone": "15550100300"])
        try api.createPerson("Bad C", ["phone": "+1 555 0100 400"])
        try api.createPerson("Bad D", ["phone": "15550100400"])
        let cursor = try XCTUnwrap(try page([("limit", "1")]).cursor)
        let listCursor = try XCTUnwrap(try api.list([("limit", "1")]).nextCursor)

        let bad: [[(String, String)]] = [
            [("limit", "0")], [("limit", "201")], [("limit", "ten")], [("cursor", "garbage")], [("cursor", String(cursor.dropLast()))],
            [("cursor", listCursor)], [("sort", "name")], [("phone", "15550100300")], [("include_deleted", "true")],
        ]
        for query in bad {
            let reply = try api.send("GET", "/v1/customers/duplicates" + queryString(query))
            XCTAssertEqual(reply.status, 400, "\(query): \(reply.text)")
            XCTAssertEqual(reply.header("Content-Type")?.hasPrefix("application/problem+json"), true, reply.text)
            XCTAssertEqual(reply.problemFields, [query[0].0], "\(query): \(reply.text)")
        }
        XCTAssertEqual(try page([("limit", "1"), ("cursor", cursor)]).groups.count, 1)
    }

    // MARK: - Roles

    func testEveryRoleReadsDuplicatesAndNoKeyIs401() throws {
        let a = try api.createPerson("Role A", ["phone": "+1 555 0100 500"])
        let b = try api.createPerson("Role B", ["phone": "15550100500"])
        for role in ["viewer", "sales", "support", "marketing", "admin"] {
            let session = try APISession(server, key: try server.key(role: role))
            XCTAssertEqual(try page(session: session).groups.map(ids), [[a, b]], role)
        }
        let anonymous = try api.send("GET", "/v1/customers/duplicates", authorized: false)
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.header("WWW-Authenticate"), "Bearer")
    }
}
