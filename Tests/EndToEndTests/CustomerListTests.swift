import CRM
import Foundation
import XCTest

/// `GET /v1/customers`: parameters, filters, search and keyset pagination (API.md §1 "Lists",
/// §2 "customers").
final class CustomerListTests: XCTestCase {
    var server: TestServer!
    var api: APISession!
    var clock: CRMClock!

    static let start = "2026-03-01T00:00:00.000Z"
    static let day: Int64 = 86_400_000

    override func setUpWithError() throws {
        clock = CRMClock(fixedAt: try XCTUnwrap(Timestamp(rfc3339: Self.start)))
        server = try TestServer(clock: clock)
        api = try APISession(server)
    }

    override func tearDown() { server.stop() }

    /// Five customers a day apart (created 03-01 … 03-05) with known metrics; their ids in order.
    private func seedFive() throws -> [Int] {
        let rows: [([String: Any], Int)] = [
            (
                [
                    "type": "person", "name": "张伟", "email": "Zhang.Wei@Example.com", "country": "CN", "tags": ["vip", "gold"],
                    "source": "web", "owner": "Li",
                    "marketing_opt_in": true,
                ], 5000
            ),
            (
                [
                    "type": "company", "name": "Acme Ltd", "country": "US", "tags": ["gold"], "source": "referral", "owner": "Bob",
                    "phone": "+1 (555) 010-9999",
                ], 120_000
            ),
            (["type": "company", "name": "华信科技有限公司", "country": "cn", "source": "event", "marketing_opt_in": false], 0),
            (
                [
                    "type": "person", "name": "Alice Smith", "email": "alice@example.com", "country": "GB", "tags": ["vip"],
                    "source": "ads",
                    "company": "Initech",
                ], 1000
            ),
            (["type": "person", "name": "Bob Jones"], 1000),
        ]
        var ids: [Int] = []
        for (index, (fields, spent)) in rows.enumerated() {
            if index > 0 { clock.advance(milliseconds: Self.day) }
            let id = try XCTUnwrap(try api.create(fields)["id"] as? Int)
            try api.sql("UPDATE customers SET total_spent = \(spent) WHERE id = \(id)")
            ids.append(id)
        }
        return ids
    }

    private func ids(_ query: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws -> [Int] {
        try api.list(query, file: file, line: line).ids
    }

    private func status(_ query: [(String, String)]) throws -> RawClient.Reply {
        try api.send("GET", "/v1/customers" + queryString(query))
    }

    // MARK: - Envelope, default sort, limit

    func testDefaultListIsSortedByIDAscendingInTheEnvelope() throws {
        let seeded = try seedFive()
        let reply = try api.send("GET", "/v1/customers")
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.header("Content-Type")?.hasPrefix("application/json") ?? false)
        let body = try reply.json()
        XCTAssertEqual((body["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }, seeded)
        XCTAssertEqual(body["has_more"] as? Bool, false)
        XCTAssertTrue(body["next_cursor"] == nil || body["next_cursor"] is NSNull)
        // List items have the same shape as the single-record GET.
        let first = try XCTUnwrap((body["data"] as? [[String: Any]])?.first)
        XCTAssertEqual(canonicalJSON(first), canonicalJSON(try api.get(seeded[0]).json()))
    }

    func testLimitPagesWithHasMoreAndNextCursor() throws {
        let seeded = try seedFive()
        let first = try api.list([("limit", "2")])
        XCTAssertEqual(first.ids, Array(seeded[0..<2]))
        XCTAssertTrue(first.hasMore)
        let cursor = try XCTUnwrap(first.nextCursor)
        let second = try api.list([("limit", "2"), ("cursor", cursor)])
        XCTAssertEqual(second.ids, Array(seeded[2..<4]))
        let third = try api.list([("limit", "2"), ("cursor", try XCTUnwrap(second.nextCursor))])
        XCTAssertEqual(third.ids, [seeded[4]])
        XCTAssertFalse(third.hasMore)
        XCTAssertNil(third.nextCursor)
        XCTAssertEqual(try ids([("limit", "1")]), [seeded[0]])
        XCTAssertEqual(try ids([("limit", "200")]), seeded)
    }

    /// A comma sent as `%2C` belongs to its value; a bare one separates any-of values (a company
    /// named "Acme, Inc" could not be found by name; found by a black-box audit). Cursors tell
    /// the two apart.
    func testAnEncodedCommaIsPartOfAValueAndABareOneSeparatesValues() throws {
        let comma = try api.createPerson("Acme, Inc")
        let plain = try api.createPerson("Acme")
        let inc = try api.createPerson("Inc")
        func found(_ query: String) throws -> [Int] {
            let reply = try api.send("GET", "/v1/customers?\(query)")
            XCTAssertEqual(reply.status, 200, reply.text)
            let body = try reply.json()
            return ((body["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }.sorted()
        }
        XCTAssertEqual(try found("name=Acme%2C%20Inc"), [comma])
        XCTAssertEqual(try found("name=Acme%2c+Inc"), [comma], "either case of hex, + as a space")
        XCTAssertEqual(try found("name=Acme,Inc"), [plain, inc].sorted(), "a bare comma still separates")
        XCTAssertEqual(try found("name=Acme%2C%20Inc,Acme"), [comma, plain].sorted())
        XCTAssertEqual(try found("name[ne]=Acme%2C%20Inc").contains(comma), false)
        // Paging one at a time: the cursor of one spelling does not serve the other.
        let first = try api.send("GET", "/v1/customers?name=Acme%2C%20Inc,Acme&limit=1").json()
        let cursor = try XCTUnwrap(first["next_cursor"] as? String)
        let encodedCursor = cursor.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics) ?? cursor
        XCTAssertEqual(try found("name=Acme%2C%20Inc,Acme&limit=1&cursor=\(encodedCursor)").count, 1)
        // The same text once decoded, but three values: not the list the cursor was made for.
        XCTAssertEqual(try api.send("GET", "/v1/customers?name=Acme,%20Inc,Acme&limit=1&cursor=\(encodedCursor)").status, 400)
    }

    func testLimitOutside1To200Is400() throws {
        for value in ["0", "201", "-1", "abc", "", "1.5"] {
            let reply = try status([("limit", value)])
            XCTAssertEqual(reply.status, 400, "limit=\(value)")
            XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
            XCTAssertTrue(reply.problemFields.contains("limit"), "limit=\(value): \(reply.text)")
        }
    }

    func testDefaultLimitIs50() throws {
        let records = (0..<55).map { ["type": "person", "name": "P\($0)"] }
        XCTAssertEqual(try api.send("POST", "/v1/customers/batch", json: ["upsert_by": "email", "records": records]).status, 200)
        let page = try api.list()
        XCTAssertEqual(page.ids.count, 50)
        XCTAssertTrue(page.hasMore)
    }

    // MARK: - Bad parameters

    func testUnknownParameterIs400NamingIt() throws {
        for name in ["colour", "colour[gt]", "limits", "metrics.bogus", "password"] {
            let reply = try status([(name, "x")])
            XCTAssertEqual(reply.status, 400, name)
            XCTAssertTrue(reply.problemFields.contains(name) || reply.text.contains(name), "\(name) not named: \(reply.text)")
        }
        let badOperator = try status([("created_at[like]", "2026-01-01")])
        XCTAssertEqual(badOperator.status, 400)
        XCTAssertTrue(badOperator.text.contains("created_at[like]"), badOperator.text)
    }

    func testBadFilterValueIs400NamingTheParameter() throws {
        for (name, value) in [
            ("created_at[gt]", "yesterday"), ("type", "robot"), ("marketing_opt_in", "maybe"), ("metrics.total_spent[gt]", "lots"),
            ("birthday", "2020-13-01"), ("country", "XYZ"), ("company_size", "huge"), ("lifecycle_stage", "vip"), ("tier", "gold"),
            ("id", "abc"), ("churn_risk[gte]", "high"), ("include_deleted", "yes"), ("source", "web,tv"),
        ] {
            let reply = try status([(name, value)])
            XCTAssertEqual(reply.status, 400, "\(name)=\(value): \(reply.text)")
            XCTAssertTrue(reply.problemFields.contains(name) || reply.text.contains(name), "\(name) not named: \(reply.text)")
        }
    }

    func testUnknownSortFieldIs400() throws {
        for sort in ["email", "-tags", "password", "metrics.order_count", "--name", ""] {
            let reply = try status([("sort", sort)])
            XCTAssertEqual(reply.status, 400, "sort=\(sort)")
            XCTAssertTrue(reply.problemFields.contains("sort"), reply.text)
        }
    }

    // MARK: - Filters

    func testEqualityAndAnyOfFilters() throws {
        let c = try seedFive()
        XCTAssertEqual(try ids([("type", "company")]), [c[1], c[2]])
        XCTAssertEqual(try ids([("type", "person"), ("country", "CN")]), [c[0]])
        XCTAssertEqual(try ids([("source", "web,referral")]), [c[0], c[1]])
        XCTAssertEqual(try ids([("source[ne]", "web")]), [c[1], c[2], c[3], c[4]], "ne keeps rows where the field is unset")
        XCTAssertEqual(try ids([("owner", "Li")]), [c[0]])
        XCTAssertEqual(try ids([("marketing_opt_in", "false")]), [c[2]])
        XCTAssertEqual(try ids([("id", "\(c[1]),\(c[3])")]), [c[1], c[3]])
        XCTAssertEqual(try ids([("lifecycle_stage", "lead")]), c)
        XCTAssertEqual(try ids([("tier", "vip")]), [])
        XCTAssertEqual(try ids([("company", "Initech")]), [c[3]])
        XCTAssertEqual(try ids([("phone", "+1 555 010 9999")]), [c[1]], "phone matches by digits")
    }

    func testCountryFilterIsCaseInsensitive() throws {
        let c = try seedFive()
        XCTAssertEqual(try ids([("country", "cn")]), [c[0], c[2]])
        XCTAssertEqual(try ids([("country", "CN")]), [c[0], c[2]])
        XCTAssertEqual(try ids([("country", "cn,us")]), [c[0], c[1], c[2]])
    }

    func testEmailFilterIsCaseInsensitive() throws {
        let c = try seedFive()
        XCTAssertEqual(try ids([("email", "ALICE@EXAMPLE.COM")]), [c[3]])
        XCTAssertEqual(try ids([("email", "zhang.wei@example.com")]), [c[0]])
        XCTAssertEqual(try ids([("email", "nobody@example.com")]), [])
    }

    func testTagFilter() throws {
        let c = try seedFive()
        XCTAssertEqual(try ids([("tag", "vip")]), [c[0], c[3]])
        XCTAssertEqual(try ids([("tag", "vip,gold")]), [c[0], c[1], c[3]])
        XCTAssertEqual(try ids([("tag", "nope")]), [])
    }

    func testCreatedAtComparisonFilters() throws {
        let c = try seedFive()
        let second = "2026-03-02T00:00:00.000Z"
        XCTAssertEqual(try ids([("created_at[gt]", second)]), Array(c[2...]))
        XCTAssertEqual(try ids([("created_at[gte]", second)]), Array(c[1...]))
        XCTAssertEqual(try ids([("created_at[lt]", second)]), [c[0]])
        XCTAssertEqual(try ids([("created_at[lte]", second)]), [c[0], c[1]])
        XCTAssertEqual(try ids([("created_at[ne]", second)]), [c[0], c[2], c[3], c[4]])
        XCTAssertEqual(try ids([("created_at", second)]), [c[1]])
        XCTAssertEqual(try ids([("created_at[gte]", "2026-03-02T08:00:00+08:00")]), Array(c[1...]), "any RFC 3339 offset")
        XCTAssertEqual(try ids([("created_at[gte]", "2026-03-04")]), [c[3], c[4]], "a date means its start")
        XCTAssertEqual(try ids([("created_at[gt]", second), ("created_at[lt]", "2026-03-05T00:00:00.000Z")]), [c[2], c[3]])
    }

    func testReadOnlyScalarsAreFiltersToo() throws {
        let c = try seedFive()
        clock.advance(milliseconds: Self.day)
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(c[1])", json: ["owner": "Ann"]).status, 200)
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(c[1])", json: ["owner": "Ben"]).status, 200)
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(c[2])").status, 204)
        let merged = try api.send("POST", "/v1/customers/\(c[3])/merge", json: ["from": [c[4]]])
        XCTAssertEqual(merged.status, 200, merged.text)
        XCTAssertEqual(try api.send("POST", "/v1/customers/\(c[0])/erase", json: ["reason": "asked"]).status, 200)

        var versions: [Int: Int] = [:]
        for id in [c[0], c[1], c[3]] { versions[id] = try XCTUnwrap(try api.get(id).json()["version"] as? Int) }
        XCTAssertEqual(versions[c[1]], 3)
        XCTAssertEqual(try ids([("version[gte]", "3")]), versions.filter { $0.value >= 3 }.keys.sorted())
        XCTAssertEqual(try ids([("version", "3")]), versions.filter { $0.value == 3 }.keys.sorted())
        XCTAssertEqual(try ids([("version[lt]", "2")]), [])
        XCTAssertEqual(try ids([("deleted_at[gte]", "2026-03-06"), ("include_deleted", "true")]), [c[2], c[4]])
        XCTAssertEqual(try ids([("deleted_at[gte]", "2026-03-06")]), [], "tombstones show only with include_deleted")
        XCTAssertEqual(try ids([("merged_into", "\(c[3])"), ("include_deleted", "true")]), [c[4]])
        XCTAssertEqual(try ids([("erased_at[lte]", "2026-03-06T00:00:00Z")]), [c[0]])
        for bad in [("version", "0"), ("deleted_at", "yesterday"), ("merged_into", "x"), ("erased_at[gt]", "2026-13-01")] {
            let reply = try api.send("GET", "/v1/customers" + queryString([bad]))
            XCTAssertEqual(reply.status, 400, "\(bad)")
        }
    }

    func testTotalSpentComparisonFilters() throws {
        let c = try seedFive()  // 5000, 120000, 0, 1000, 1000
        XCTAssertEqual(try ids([("metrics.total_spent[gt]", "1000")]), [c[0], c[1]])
        XCTAssertEqual(try ids([("metrics.total_spent[gte]", "1000")]), [c[0], c[1], c[3], c[4]])
        XCTAssertEqual(try ids([("metrics.total_spent[lt]", "1000")]), [c[2]])
        XCTAssertEqual(try ids([("metrics.total_spent[lte]", "1000")]), [c[2], c[3], c[4]])
        XCTAssertEqual(try ids([("metrics.total_spent[ne]", "1000")]), [c[0], c[1], c[2]])
        XCTAssertEqual(try ids([("metrics.total_spent", "1000")]), [c[3], c[4]])
        XCTAssertEqual(try ids([("sort", "-metrics.total_spent")]), [c[1], c[0], c[4], c[3], c[2]], "ties by id, in the sort direction")
    }

    // MARK: - Search

    func testSearchFindsChineseLatinPrefixesCompaniesAndTags() throws {
        let c = try seedFive()
        XCTAssertEqual(try ids([("q", "张")]), [c[0]])
        XCTAssertEqual(try ids([("q", "张伟")]), [c[0]])
        XCTAssertEqual(try ids([("q", "acme")]), [c[1]])
        XCTAssertEqual(try ids([("q", "ACME ltd")]), [c[1]])
        XCTAssertEqual(try ids([("q", "科技")]), [c[2]])
        XCTAssertEqual(try ids([("q", "ali")]), [c[3]], "prefix matching")
        XCTAssertEqual(try ids([("q", "alice@example.com")]), [c[3]])
        XCTAssertEqual(try ids([("q", "initech")]), [c[3]], "company is searched")
        XCTAssertEqual(try ids([("q", "gold")]), [c[0], c[1]], "tags are searched")
        XCTAssertEqual(try ids([("q", "15550109999")]), [c[1]], "phone digits are searched")
        XCTAssertEqual(try ids([("q", "555")]), [c[1]], "phone pieces are searched")
        XCTAssertEqual(try ids([("q", "zzzz")]), [])
        XCTAssertEqual(try ids([("q", "acme"), ("type", "person")]), [], "search combines with filters")
    }

    func testSearchPagesInEitherIDOrderAndUnderOtherSorts() throws {
        var expected: [Int] = []
        for index in 0..<7 { expected.append(try api.createPerson("Pager \(index)", ["company": "Acme Paging"])) }
        _ = try api.createPerson("Someone else")
        func walk(_ query: [(String, String)]) throws -> [Int] {
            var ids: [Int] = []
            var cursor: String?
            repeat {
                let page = try api.list(query + [("q", "acme"), ("limit", "3")] + (cursor.map { [("cursor", $0)] } ?? []))
                ids += page.ids
                cursor = page.nextCursor
            } while cursor != nil
            return ids
        }
        XCTAssertEqual(try walk([]), expected)
        XCTAssertEqual(try walk([("sort", "-id")]), expected.reversed())
        XCTAssertEqual(try walk([("sort", "-name")]), expected.reversed())
        XCTAssertEqual(try walk([("id[gt]", String(expected[2]))]), Array(expected[3...]))
    }

    /// Letters with no decomposition (ø, ł, đ), full-width Latin and accented Greek are found
    /// without their marks, as the tokenizer's own folding finds é (both engines alike).
    func testSearchFindsANameTypedWithoutItsMarks() throws {
        let soren = try api.createPerson("Søren Ørsted", ["company": "Łódź Straße"])
        let tokyo = try api.createPerson("Ｔｏｋｙｏ Ｄｅｓｉｇｎ")
        let athina = try api.createPerson("Αθηνά Παπαδοπούλου")
        _ = try api.createPerson("Soren Someone Else")
        XCTAssertEqual(try ids([("q", "soren orsted")]), [soren])
        XCTAssertEqual(try ids([("q", "Søren Ørsted")]), [soren])
        XCTAssertEqual(try ids([("q", "lodz strasse")]), [soren])
        XCTAssertEqual(try ids([("q", "tokyo")]), [tokyo])
        XCTAssertEqual(try ids([("q", "ＴＯＫＹＯ")]), [tokyo])
        XCTAssertEqual(try ids([("q", "αθηνα")]), [athina])
    }

    func testSearchOfOnlyPunctuationIsAnEmptyList() throws {
        _ = try seedFive()
        for query in ["!!!", "\"", "*", "()", "-", "\"*\"", "@.", "：。", "... ,,, ;"] {
            let reply = try status([("q", query)])
            XCTAssertEqual(reply.status, 200, "q=\(query): \(reply.text)")
            XCTAssertEqual((try reply.json()["data"] as? [Any])?.count, 0, "q=\(query)")
        }
        // FTS syntax cannot be injected: a quote or operator is just text.
        XCTAssertEqual(try ids([("q", "acme\" OR \"张")]), [])
    }

    func testSearchDoesNotFindDeletedCustomers() throws {
        let c = try seedFive()
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(c[1])").status, 204)
        XCTAssertEqual(try ids([("q", "acme")]), [])
    }

    // MARK: - Keyset pagination under concurrent inserts

    /// The value a sort orders by, as text that sorts like the server's comparison.
    private func sortKey(_ row: [String: Any], _ field: String) -> SortKey {
        switch field {
        case "id": return .number(Int64(row["id"] as? Int ?? 0))
        case "metrics.total_spent": return .number(Int64((row["metrics"] as? [String: Any])?["total_spent"] as? Int ?? 0))
        case "metrics.last_order_at": return .text((row["metrics"] as? [String: Any])?["last_order_at"] as? String ?? "")
        default: return .text(row[field] as? String ?? "")
        }
    }

    enum SortKey: Comparable {
        case number(Int64)
        case text(String)

        static func < (a: SortKey, b: SortKey) -> Bool {
            switch (a, b) {
            case (.number(let x), .number(let y)): x < y
            case (.text(let x), .text(let y)): Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
            default: false
            }
        }
    }

    private var insertCount = 0
    private let names = ["Mia", "Same Name", "adam", "Zoe", "张三", "Same Name", "Émile", "Bob", "Ava", "李四", "Same Name", "Kai"]

    /// Inserts one customer whose sort keys land anywhere, some of them tied with existing rows; its id.
    @discardableResult
    private func insertScattered() throws -> Int {
        insertCount += 1
        let n = insertCount
        if n % 3 != 0 { clock.advance(milliseconds: 1000) }  // every third shares a created_at with the one before
        let id = try api.createPerson(names[(n * 7) % names.count])
        let spent = [0, 500, 1000, 2500, 1000, 99_000, 0][n % 7]
        let lastOrder = n % 4 == 0 ? "NULL" : "'2025-0\(1 + n % 9)-1\(n % 10)T10:00:00.000Z'"
        try api.sql("UPDATE customers SET total_spent = \(spent), last_order_at = \(lastOrder) WHERE id = \(id)")
        return id
    }

    func testPaginationWalksTheWholeCollectionInEverySortOrderWhileRowsAreInserted() throws {
        for _ in 0..<20 { try insertScattered() }
        for sort in ["id", "-id", "name", "-name", "created_at", "-updated_at", "metrics.total_spent", "-metrics.last_order_at"] {
            let field = sort.hasPrefix("-") ? String(sort.dropFirst()) : sort
            let descending = sort.hasPrefix("-")
            let before = Set(try api.allIDs())
            XCTAssertEqual(before.count, 20)
            var seen: [Int] = []
            var rows: [[String: Any]] = []
            var inserted: [Int] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try api.list([("sort", sort), ("limit", "3")] + (cursor.map { [("cursor", $0)] } ?? []))
                XCTAssertLessThanOrEqual(page.ids.count, 3)
                seen += page.ids
                rows += page.data
                cursor = page.nextCursor
                XCTAssertEqual(page.hasMore, cursor != nil, sort)
                // Two new rows between page fetches, landing before and after the cursor.
                inserted.append(try insertScattered())
                inserted.append(try insertScattered())
                pages += 1
            } while cursor != nil && pages < 200
            XCTAssertLessThan(pages, 200, "\(sort): the walk did not end")

            XCTAssertEqual(seen.count, Set(seen).count, "\(sort): a row was repeated: \(seen)")
            XCTAssertEqual(before.subtracting(seen), [], "\(sort): rows that existed at the start were skipped")
            XCTAssertTrue(Set(seen).isSubset(of: before.union(inserted)))
            // The walk is in sort order with ties broken by id in the same direction.
            for (a, b) in zip(rows, rows.dropFirst()) {
                let (ka, kb) = (sortKey(a, field), sortKey(b, field))
                let (ia, ib) = (a["id"] as? Int ?? 0, b["id"] as? Int ?? 0)
                let inOrder = descending ? (kb < ka || (ka == kb && ib < ia)) : (ka < kb || (ka == kb && ia < ib))
                XCTAssertTrue(inOrder, "\(sort): \(ka) #\(ia) came before \(kb) #\(ib)")
            }
            // Back to the same 20 rows for the next sort order.
            for id in inserted { XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(id)").status, 204) }
        }
    }

    /// A page filtered on a column and sorted by another key: the same rows, in the same order,
    /// page after page, whether the sort's index is walked or the filter's read and sorted.
    func testFilteredPagesSortedByAnotherKeyWalkInOrder() throws {
        var expected: [(name: String, id: Int)] = []
        for index in 0..<14 {
            let source = index % 3 == 0 ? "event" : "web"
            let name = ["Kim", "Ada", "Bo", "Cy"][index % 4] + " \(index % 5)"
            let id = try api.createPerson(name, ["source": source])
            if source == "web" { expected.append((name, id)) }
        }
        // A rare value too: the walk runs out of rows to test and the planner's plan serves it.
        let rare = try api.createPerson("Zed", ["source": "ads"])
        expected.sort { $0.name < $1.name || ($0.name == $1.name && $0.id < $1.id) }
        for (sort, order) in [("name", expected.map(\.id)), ("-name", expected.reversed().map(\.id))] {
            var ids: [Int] = []
            var cursor: String?
            repeat {
                let page = try api.list([("source", "web"), ("sort", sort), ("limit", "3")] + (cursor.map { [("cursor", $0)] } ?? []))
                ids += page.ids
                cursor = page.nextCursor
            } while cursor != nil && ids.count < 100
            XCTAssertEqual(ids, order, sort)
        }
        XCTAssertEqual(try ids([("source", "ads"), ("sort", "-created_at")]), [rare])
        XCTAssertEqual(try ids([("source", "ads"), ("sort", "name"), ("include_deleted", "true")]), [rare])
    }

    func testSortByNameBreaksTiesByID() throws {
        let a = try api.createPerson("Same")
        let b = try api.createPerson("Other")
        let c = try api.createPerson("Same")
        XCTAssertEqual(try ids([("sort", "name")]), [b, a, c])
        XCTAssertEqual(try ids([("sort", "-name")]), [c, a, b])
    }

    // MARK: - Cursor integrity

    func testATamperedCursorIs400() throws {
        _ = try seedFive()
        let cursor = try XCTUnwrap(try api.list([("sort", "name"), ("limit", "2")]).nextCursor)
        XCTAssertEqual(try status([("sort", "name"), ("limit", "2"), ("cursor", cursor)]).status, 200)
        var characters = Array(cursor)
        for index in characters.indices {
            let original = characters[index]
            characters[index] = original == "A" ? "B" : "A"
            let altered = String(characters)
            characters[index] = original
            let reply = try status([("sort", "name"), ("limit", "2"), ("cursor", altered)])
            XCTAssertEqual(reply.status, 400, "cursor altered at \(index) ('\(original)'): \(altered)")
        }
        for altered in [String(cursor.dropLast()), cursor + "A", "", "garbage", "e30.AAAA"] {
            XCTAssertEqual(try status([("sort", "name"), ("limit", "2"), ("cursor", altered)]).status, 400, altered)
        }
        XCTAssertTrue(try status([("sort", "name"), ("cursor", "garbage")]).problemFields.contains("cursor"))
    }

    func testACursorReusedWithADifferentSortOrFilterIs400() throws {
        _ = try seedFive()
        let byName = try XCTUnwrap(try api.list([("sort", "name"), ("limit", "1")]).nextCursor)
        XCTAssertEqual(try status([("sort", "-name"), ("limit", "1"), ("cursor", byName)]).status, 400)
        XCTAssertEqual(try status([("sort", "created_at"), ("limit", "1"), ("cursor", byName)]).status, 400)
        XCTAssertEqual(try status([("limit", "1"), ("cursor", byName)]).status, 400)

        let inCN = try XCTUnwrap(try api.list([("country", "CN"), ("limit", "1")]).nextCursor)
        XCTAssertEqual(try status([("country", "CN"), ("limit", "1"), ("cursor", inCN)]).status, 200)
        XCTAssertEqual(try status([("country", "US"), ("limit", "1"), ("cursor", inCN)]).status, 400)
        XCTAssertEqual(try status([("country", "CN,US"), ("limit", "1"), ("cursor", inCN)]).status, 400)
        XCTAssertEqual(try status([("limit", "1"), ("cursor", inCN)]).status, 400)
        XCTAssertEqual(try status([("country", "CN"), ("type", "person"), ("limit", "1"), ("cursor", inCN)]).status, 400)
        XCTAssertEqual(try status([("country[ne]", "CN"), ("limit", "1"), ("cursor", inCN)]).status, 400)

        let search = try XCTUnwrap(try api.list([("q", "a"), ("limit", "1")]).nextCursor)
        XCTAssertEqual(try status([("q", "b"), ("limit", "1"), ("cursor", search)]).status, 400)

        // The defaults spelled out are the same sort and the same rows, so the cursor holds.
        let plain = try XCTUnwrap(try api.list([("limit", "1")]).nextCursor)
        XCTAssertEqual(try status([("sort", "id"), ("include_deleted", "false"), ("limit", "1"), ("cursor", plain)]).status, 200)
        XCTAssertEqual(try status([("include_deleted", "true"), ("limit", "1"), ("cursor", plain)]).status, 400)
        let spelled = try XCTUnwrap(try api.list([("sort", "id"), ("limit", "1")]).nextCursor)
        XCTAssertEqual(try status([("limit", "1"), ("cursor", spelled)]).status, 200)
    }
}
