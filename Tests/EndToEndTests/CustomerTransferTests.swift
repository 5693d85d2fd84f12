import Foundation
import XCTest

/// `GET /v1/customers/export` and `POST /v1/customers/import` (API.md §2 "customers").
final class CustomerTransferTests: CustomerTestCase {

    static let csvHeader = [
        "id", "type", "name", "email", "phone", "company", "title", "industry", "country", "region", "city", "company_size", "source",
        "owner", "tags", "birthday", "marketing_opt_in", "attributes", "external_id", "account_id", "tier_override", "lifecycle_stage",
        "tier",
        "loyalty_points", "created_at", "updated_at", "deleted_at", "merged_into",
    ]

    private func export(_ query: [(String, String)], session: APISession? = nil) throws -> RawClient.Reply {
        let reply = try (session ?? api).send("GET", "/v1/customers/export" + queryString(query))
        try XCTSkipIf(reply.status == 404, "GET /v1/customers/export is not implemented yet")
        return reply
    }

    private func importCSV(_ csv: String, contentType: String = "text/csv", session: APISession? = nil) throws -> RawClient.Reply {
        let reply = try (session ?? api).send("POST", "/v1/customers/import", json: csv, headers: [("Content-Type", contentType)])
        try XCTSkipIf(reply.status == 404 || reply.status == 405, "POST /v1/customers/import is not implemented yet")
        return reply
    }

    private func results(_ reply: RawClient.Reply, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return try XCTUnwrap(try reply.json()["results"] as? [[String: Any]], reply.text, file: file, line: line)
    }

    private func ndjsonObjects(_ reply: RawClient.Reply) throws -> [[String: Any]] {
        try reply.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    /// Customers 0..<count in batches of up to 1000, countries alternating CN and US.
    private func bulkCreate(_ count: Int) throws {
        var start = 0
        while start < count {
            let records = (start..<min(start + 1000, count)).map { index -> [String: Any] in
                ["type": "person", "name": "Bulk \(index)", "country": index % 2 == 0 ? "CN" : "US", "external_id": "bulk-\(index)"]
            }
            let reply = try api.send("POST", "/v1/customers/batch", json: ["upsert_by": "external_id", "records": records])
            XCTAssertEqual(reply.status, 200)
            start += 1000
        }
    }

    // MARK: - Export

    func testAnImportedRowWithAnInvalidFieldNamesItsMissingRequiredFieldsToo() throws {
        let reply = try importCSV("type,name,email\nperson,,bad\n")
        let results = try results(reply)
        XCTAssertEqual(results.first?["status"] as? Int, 422, reply.text)
        let errors = (results.first?["error"] as? [String: Any])?["errors"] as? [[String: Any]] ?? []
        XCTAssertEqual(Set(errors.compactMap { $0["field"] as? String }), ["email", "name"], reply.text)
        XCTAssertEqual(try api.list().ids, [])
    }
    func testNDJSONExportStreamsEveryMatchingRowOneCustomerPerLine() throws {
        try bulkCreate(1203)
        let deleted = try XCTUnwrap(try api.list([("limit", "1")]).ids.first)
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(deleted)").status, 204)

        let reply = try export([("format", "ndjson")])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.header("Transfer-Encoding")?.lowercased(), "chunked")
        XCTAssertTrue(reply.header("Content-Type")?.contains("ndjson") ?? false, reply.header("Content-Type") ?? "no Content-Type")
        XCTAssertTrue(reply.text.hasSuffix("\n"))
        let objects = try ndjsonObjects(reply)
        let expected = try api.allIDs()
        XCTAssertEqual(expected.count, 1202)
        XCTAssertEqual(objects.compactMap { $0["id"] as? Int }, expected, "every live row, in id order, once")
        XCTAssertEqual(canonicalJSON(objects[7]), canonicalJSON(try api.get(expected[7]).json()), "lines are the API representation")

        let filtered = try ndjsonObjects(try export([("format", "ndjson"), ("country", "cn")]))
        XCTAssertEqual(filtered.compactMap { $0["id"] as? Int }, try api.allIDs([("country", "cn")]))
        XCTAssertTrue(filtered.allSatisfy { $0["country"] as? String == "CN" })

        let searched = try ndjsonObjects(try export([("format", "ndjson"), ("q", "1202")]))
        XCTAssertEqual(searched.compactMap { $0["name"] as? String }, ["Bulk 1202"])

        let tombstones = try ndjsonObjects(try export([("format", "ndjson"), ("include_deleted", "true")]))
        XCTAssertEqual(tombstones.count, 1203)
    }

    func testCSVExportHasTheDocumentedHeaderAndJSONCellsForTagsAndAttributes() throws {
        let id = try api.createPerson(
            "Wang, \"Fang\"",
            [
                "email": "wf@example.cn", "company": "华信科技有限公司", "title": "Line one\nLine two", "country": "cn", "tags": ["vip", "重点客户"],
                "attributes": ["plan": "gold", "seats": 3, "trial": false], "marketing_opt_in": true, "birthday": "1988-08-08",
                "external_id": "wf-1", "tier_override": "vip",
            ])
        let other = try api.createPerson("Plain")
        let reply = try export([("format", "csv")])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertTrue(reply.header("Content-Type")?.hasPrefix("text/csv") ?? false, reply.header("Content-Type") ?? "no Content-Type")
        XCTAssertEqual(reply.header("Transfer-Encoding")?.lowercased(), "chunked")
        let rows = CSVText.parse(reply.text)
        XCTAssertEqual(rows.first, Self.csvHeader)
        XCTAssertEqual(rows.count, 3)
        guard rows.count == 3 else { return }
        let row = Dictionary(uniqueKeysWithValues: zip(Self.csvHeader, rows[1]))
        XCTAssertEqual(row["id"], String(id))
        XCTAssertEqual(row["name"], "Wang, \"Fang\"")
        XCTAssertEqual(row["title"], "Line one\nLine two")
        XCTAssertEqual(row["company"], "华信科技有限公司")
        XCTAssertEqual(row["country"], "CN")
        XCTAssertEqual(row["marketing_opt_in"], "true")
        XCTAssertEqual(row["birthday"], "1988-08-08")
        XCTAssertEqual(row["tier_override"], "vip")
        XCTAssertEqual(row["lifecycle_stage"], "lead")
        XCTAssertEqual(row["loyalty_points"], "0")
        XCTAssertEqual(
            canonicalJSON(try JSONSerialization.jsonObject(with: Data((row["tags"] ?? "").utf8))), canonicalJSON(["vip", "重点客户"]))
        XCTAssertEqual(
            canonicalJSON(try JSONSerialization.jsonObject(with: Data((row["attributes"] ?? "").utf8))),
            canonicalJSON(["plan": "gold", "seats": 3, "trial": false]))
        XCTAssertEqual(rows[2].first, String(other))

        let filtered = CSVText.parse(try export([("format", "csv"), ("tag", "vip")]).text)
        XCTAssertEqual(filtered.count, 2)
        XCTAssertEqual(filtered.last?.first, String(id))
    }

    func testExportWithABadFormatOrParameterIs400() throws {
        let bad = try export([("format", "xml")])
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.problemFields.contains("format") || bad.text.contains("format"), bad.text)
        XCTAssertEqual(try export([("format", "csv"), ("colour", "red")]).status, 400)
        XCTAssertEqual(try export([("format", "ndjson"), ("created_at[gt]", "soon")]).status, 400)
    }

    func testExportNeedsAKeyAndAViewerMayExport() throws {
        _ = try api.createPerson("Exported")
        let anonymous = try api.send("GET", "/v1/customers/export?format=ndjson", authorized: false)
        try XCTSkipIf(anonymous.status == 404, "GET /v1/customers/export is not implemented yet")
        XCTAssertEqual(anonymous.status, 401)
        let viewer = try APISession(server, key: try server.key(role: "viewer"))
        let reply = try export([("format", "ndjson")], session: viewer)
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(try ndjsonObjects(reply).count, 1)
    }

    // MARK: - Import

    func testImportAnswersPerRowResultsLikeBatch() throws {
        let csv =
            "type,name,email,country,tags,marketing_opt_in\r\n"
            + "person,Ann Lee,ann@example.com,sg,\"[\"\"vip\"\",\"\"vip\"\",\"\"new\"\"]\",true\r\n"
            + "person,Bad Mail,not-an-email,,,\r\n"
            + "company,Good Co,,DE,,false\r\n"
            + "robot,Bad Type,,,,\r\n"
            + "person,Taken,ANN@example.com,,,\r\n"
        let results = try results(try importCSV(csv))
        XCTAssertEqual(results.map { $0["index"] as? Int }, [0, 1, 2, 3, 4])
        XCTAssertEqual(results.map { $0["status"] as? Int }, [201, 422, 201, 422, 409])
        for index in [1, 3, 4] {
            let error = try XCTUnwrap(results[index]["error"] as? [String: Any], "row \(index)")
            XCTAssertEqual(error["status"] as? Int, results[index]["status"] as? Int)
            XCTAssertNotNil(error["type"] as? String)
        }
        let firstError = (results[1]["error"] as? [String: Any])?["errors"] as? [[String: Any]]
        XCTAssertEqual(firstError?.compactMap { $0["field"] as? String }, ["email"])

        let ann = try api.get(try XCTUnwrap(results[0]["id"] as? Int)).json()
        XCTAssertEqual(ann["country"] as? String, "SG")
        XCTAssertEqual(ann["tags"] as? [String], ["vip", "new"])
        XCTAssertEqual(ann["marketing_opt_in"] as? Bool, true)
        let good = try api.get(try XCTUnwrap(results[2]["id"] as? Int)).json()
        XCTAssertEqual(good["type"] as? String, "company")
        XCTAssertEqual(good["marketing_opt_in"] as? Bool, false)
        XCTAssertTrue(good["email"] is NSNull, "an empty cell is not given")
        XCTAssertEqual(try api.list().ids.count, 2)
    }

    func testImportUpsertsRowsThatCarryAnExternalID() throws {
        let first = try results(
            try importCSV("external_id,type,name,city\nsap-1,person,One,Paris\nsap-2,person,Two,Rome\n,person,Three,Oslo\n"))
        XCTAssertEqual(first.map { $0["status"] as? Int }, [201, 201, 201])
        let second = try results(try importCSV("external_id,type,name,city\nsap-1,person,One,Lyon\nsap-2,person,Two,Rome\n"))
        XCTAssertEqual(second.map { $0["status"] as? Int }, [200, 200])
        XCTAssertEqual(second.map { $0["id"] as? Int }, first.prefix(2).map { $0["id"] as? Int })
        XCTAssertEqual(try api.get(try XCTUnwrap(first[0]["id"] as? Int)).json()["city"] as? String, "Lyon")
        XCTAssertEqual(try api.list().ids.count, 3)
        // An update by external_id needs no type or name.
        let partial = try results(try importCSV("external_id,owner\nsap-2,Kim\n"))
        XCTAssertEqual(partial.map { $0["status"] as? Int }, [200])
        XCTAssertEqual(try api.get(try XCTUnwrap(first[1]["id"] as? Int)).json()["owner"] as? String, "Kim")
    }

    func testImportIgnoresReadOnlyColumns() throws {
        let csv =
            "id,type,name,lifecycle_stage,tier,loyalty_points,created_at,updated_at,version\n"
            + ",person,Read Only Columns,loyal,vip,5000,2001-01-01T00:00:00.000Z,2001-01-01T00:00:00.000Z,9\n"
        let results = try results(try importCSV(csv))
        XCTAssertEqual(results.map { $0["status"] as? Int }, [201])
        let id = try XCTUnwrap(results.first?["id"] as? Int)
        let body = try api.get(id).json()
        XCTAssertEqual(body["version"] as? Int, 1)
        XCTAssertEqual(body["lifecycle_stage"] as? String, "lead")
        XCTAssertEqual(body["tier"] as? String, "standard")
        XCTAssertEqual(body["loyalty_points"] as? Int, 0)
        XCTAssertNotEqual(body["created_at"] as? String, "2001-01-01T00:00:00.000Z")
    }

    /// A header column is a field name: one that names no field is an unknown field, a 422 as
    /// in a JSON body (API.md), every one named; a repeated column is malformed, a 400.
    func testImportWithAnUnknownColumnIs422NamingItAndWritesNothing() throws {
        let reply = try importCSV("type,name,shoe_size,nickname\nperson,Big Feet,47,Bigfoot\n")
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(reply.problemFields, ["shoe_size", "nickname"], reply.text)
        let repeated = try importCSV("type,name,name\nperson,Twice,Twice\n")
        XCTAssertEqual(repeated.status, 400, repeated.text)
        XCTAssertEqual(repeated.problemFields, ["name"], repeated.text)
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    /// An export with `include_deleted=true` tells tombstones apart (`deleted_at`, `merged_into`),
    /// and an import refuses their rows: loaded by external id into another server, a merged
    /// customer's row overwrote the survivor it shares its keys with (found by a black-box audit).
    func testTombstonesAreMarkedInACSVExportAndNotImported() throws {
        let survivor = try api.createPerson("Keep Me", ["title": "CEO"])
        let merged = try api.createPerson("Old Dup", ["title": "Intern", "external_id": "dup-1", "email": "dup@example.com"])
        let sales = try SalesClient.withNewKey(server, role: "sales").client
        try sales.expect(200, "POST", "/v1/customers/\(survivor)/merge", json: ["from": [merged]])
        let rows = CSVText.parse(try export([("format", "csv"), ("include_deleted", "true")]).text)
        let byID = Dictionary(
            uniqueKeysWithValues: rows.dropFirst().map { (Int($0[0]) ?? 0, Dictionary(uniqueKeysWithValues: zip(rows[0], $0))) })
        XCTAssertEqual(byID[merged]?["merged_into"], String(survivor))
        XCTAssertFalse(byID[merged]?["deleted_at"]?.isEmpty ?? true)
        XCTAssertEqual(byID[survivor]?["deleted_at"], "")
        XCTAssertEqual(byID[survivor]?["merged_into"], "")

        // Without the id column, as for another server: the tombstone's row is refused alone.
        let withoutIDs = rows.map { Array($0.dropFirst()) }.map(CSVText.line).joined()
        let imported = try results(try importCSV(withoutIDs))
        let statuses = Dictionary(
            uniqueKeysWithValues: zip(rows.dropFirst().map { Int($0[0]) ?? 0 }, imported.map { $0["status"] as? Int }))
        XCTAssertEqual(statuses[merged], 422)
        XCTAssertEqual(try api.get(survivor).json()["title"] as? String, "CEO", "the survivor is not overwritten")
    }

    func testImportNeedsTextCSVAndAWritingRole() throws {
        let csv = "type,name\nperson,Somebody\n"
        XCTAssertEqual(try importCSV(csv, contentType: "application/json").status, 415)
        XCTAssertEqual(try importCSV(csv, contentType: "text/plain").status, 415)
        let viewer = try APISession(server, key: try server.key(role: "viewer"))
        XCTAssertEqual(try importCSV(csv, session: viewer).status, 403)
        XCTAssertEqual(try importCSV(csv, contentType: "text/csv; charset=utf-8").status, 200)
        XCTAssertEqual(try importCSV(csv, contentType: "text/csv; charset=UTF-8").status, 200)
        XCTAssertEqual(try importCSV(csv, contentType: "text/csv; charset=iso-8859-1").status, 415, "read as UTF-8, it would be misread")
        XCTAssertEqual(try api.storedCustomerCount(), 2, "the two UTF-8 imports")
    }

    func testImportReadsQuotedCommasMultilineFieldsABOMAndChineseText() throws {
        let csv =
            "\u{FEFF}type,name,company,title,city,tags,email\r\n"
            + "person,\"Wang, Fang\",华信科技有限公司,\"Line one\r\nLine two\",上海,\"[\"\"重点客户\"\",\"\"vip\"\"]\",wf@example.cn\r\n"
            + "person,Bad Row,,,,,not-an-email\r\n"
            + "person,\"He said \"\"hi\"\"\",,,,vip;gold,\r\n"
        let results = try results(try importCSV(csv))
        XCTAssertEqual(results.map { $0["index"] as? Int }, [0, 1, 2], "a quoted field spanning lines is one row")
        XCTAssertEqual(results.map { $0["status"] as? Int }, [201, 422, 201])
        let wang = try api.get(try XCTUnwrap(results[0]["id"] as? Int)).json()
        XCTAssertEqual(wang["type"] as? String, "person", "the BOM is not part of the first column's name")
        XCTAssertEqual(wang["name"] as? String, "Wang, Fang")
        XCTAssertEqual(wang["company"] as? String, "华信科技有限公司")
        XCTAssertEqual(wang["title"] as? String, "Line one\r\nLine two")
        XCTAssertEqual(wang["city"] as? String, "上海")
        XCTAssertEqual(wang["tags"] as? [String], ["重点客户", "vip"])
        XCTAssertEqual(try api.list([("q", "科技")]).ids, [try XCTUnwrap(results[0]["id"] as? Int)])
        let quoted = try api.get(try XCTUnwrap(results[2]["id"] as? Int)).json()
        XCTAssertEqual(quoted["name"] as? String, "He said \"hi\"")
    }

    func testImportRowsWithAnIDUpdateThatCustomerAndABadIDFailsThatRowAlone() throws {
        let lin = try api.createPerson("Lin", ["email": "lin@example.cn", "city": "Suzhou", "tags": ["vip"]])
        let gone = try api.createPerson("Gone")
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(gone)").status, 204)
        let csv =
            "id,type,name,city,email\n"
            + "\(lin),,,Hangzhou,\n"  // an update needs no type or name; empty cells keep what is stored
            + "abc,person,Letters,,\n"  // not an id
            + "0\(lin),person,Padded,,\n"  // not the one spelling of an id
            + "\(gone),person,Deleted,,\n"  // no live customer
            + "99999,person,Nobody,,\n"  // no customer at all: an id never creates one
            + "-1,person,Bad Mail,,not-an-email\n"  // every invalid field at once
            + ",person,Ann,,ann@example.cn\n"  // no id: created, as before
            + ",person,Ann,,ann@example.cn\n"  // no id: a second Ann with her email is a conflict, as before
        let results = try results(try importCSV(csv))
        XCTAssertEqual(results.map { $0["status"] as? Int }, [200, 422, 422, 422, 422, 422, 201, 409])
        XCTAssertEqual(results[0]["id"] as? Int, lin)
        for index in 1...4 {
            let error = try XCTUnwrap(results[index]["error"] as? [String: Any], "row \(index)")
            XCTAssertEqual((error["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }, ["id"], "row \(index)")
        }
        let both = try XCTUnwrap((results[5]["error"] as? [String: Any])?["errors"] as? [[String: Any]])
        XCTAssertEqual(Set(both.compactMap { $0["field"] as? String }), ["id", "email"])

        let updated = try api.get(lin).json()
        XCTAssertEqual(updated["city"] as? String, "Hangzhou")
        XCTAssertEqual(updated["name"] as? String, "Lin")
        XCTAssertEqual(updated["email"] as? String, "lin@example.cn")
        XCTAssertEqual(updated["tags"] as? [String], ["vip"])
        XCTAssertEqual(updated["version"] as? Int, 2)
        XCTAssertEqual(try api.send("GET", "/v1/customers/\(gone)").status, 404, "a deleted customer stays deleted")
        XCTAssertEqual(try api.list().ids.count, 2, "Lin and the one Ann")
    }

    // MARK: - Round trip

    func testAnExportEditedAndImportedAgainUpdatesItsCustomersAndDuplicatesNothing() throws {
        let zhang = try api.createPerson(
            "张伟", ["email": "zw@example.cn", "city": "上海", "tags": ["重点客户"], "attributes": ["wechat": "zw_1985"]])
        let acme = try XCTUnwrap(try api.create(["type": "company", "name": "Acme Trading Ltd", "country": "GB"])["id"] as? Int)
        try api.createPerson("Bare Minimum")
        let exported = try export([("format", "csv")])
        XCTAssertEqual(exported.status, 200, exported.text)

        // Change one cell, as a spreadsheet would, and send the whole file back.
        var rows = CSVText.parse(exported.text)
        let header = rows[0]
        let idColumn = try XCTUnwrap(header.firstIndex(of: "id"))
        let cityColumn = try XCTUnwrap(header.firstIndex(of: "city"))
        let zhangRow = try XCTUnwrap(rows.firstIndex { $0[idColumn] == String(zhang) })
        rows[zhangRow][cityColumn] = "杭州"
        let edited = rows.map(CSVText.line).joined()

        let results = try results(try importCSV(edited))
        XCTAssertEqual(results.map { $0["status"] as? Int }, [200, 200, 200], "\(results)")
        XCTAssertEqual(results.compactMap { $0["id"] as? Int }, try api.allIDs())
        XCTAssertEqual(try api.allIDs().count, 3, "nothing duplicated")

        let changed = try api.get(zhang).json()
        XCTAssertEqual(changed["city"] as? String, "杭州")
        XCTAssertEqual(changed["email"] as? String, "zw@example.cn")
        XCTAssertEqual(changed["tags"] as? [String], ["重点客户"])
        XCTAssertEqual((changed["attributes"] as? [String: Any])?["wechat"] as? String, "zw_1985")
        XCTAssertEqual(changed["version"] as? Int, 2)
        // Rows imported as they were exported change nothing, not even the version.
        XCTAssertEqual(try api.get(acme).json()["version"] as? Int, 1)
    }

    func testExportImportIntoAFreshServerAndExportAgainGivesTheSameRows() throws {
        let customers: [[String: Any]] = [
            [
                "type": "person", "name": "张伟", "email": "zw@example.cn", "phone": "+86 138 0013 8000", "company": "华信科技有限公司",
                "title": "总经理", "industry": "制造业", "country": "CN", "region": "上海", "city": "上海", "company_size": "201-1000",
                "source": "event", "owner": "李娜", "tags": ["重点客户", "vip"], "birthday": "1985-05-20", "marketing_opt_in": true,
                "attributes": ["wechat": "zw_1985", "score": 4.5, "seats": 12, "active": true, "legacy": NSNull()], "external_id": "erp-1",
                "tier_override": "vip",
            ],
            [
                "type": "company", "name": "Acme, \"The\" Ltd", "title": "Two\nlines", "marketing_opt_in": false, "tags": ["a,b", "c\"d"],
                "attributes": ["note": "comma, quote \" and\nnewline"],
            ],
            ["type": "person", "name": "Bare Minimum"],
            ["type": "person", "name": "O'Brien", "email": "ob@example.ie", "country": "ie", "source": "web", "company_size": "1-10"],
        ]
        for customer in customers { try api.create(customer) }
        let first = try export([("format", "csv")])
        XCTAssertEqual(first.status, 200, first.text)

        // Into another server, the rows are new customers: without the id column, which would
        // name customers of the first server.
        let withoutIDs = CSVText.parse(first.text).map { CSVText.line(Array($0.dropFirst())) }.joined()
        XCTAssertEqual(CSVText.parse(first.text).first?.first, "id")
        let fresh = try TestServer()
        defer { fresh.stop() }
        let freshAPI = try APISession(fresh)
        let imported = try results(try importCSV(withoutIDs, contentType: "text/csv; charset=utf-8", session: freshAPI))
        XCTAssertEqual(imported.map { $0["status"] as? Int }, Array(repeating: 201, count: customers.count), "\(imported)")

        let second = try export([("format", "csv")], session: freshAPI)
        XCTAssertEqual(second.status, 200)
        let compared = Set(Self.csvHeader).subtracting(["id", "created_at", "updated_at"])
        func comparable(_ text: String) -> [[String: String]] {
            let rows = CSVText.parse(text)
            guard let header = rows.first else { return [] }
            return rows.dropFirst().map { row in
                Dictionary(uniqueKeysWithValues: zip(header, row).filter { compared.contains($0.0) }.map { ($0.0, $0.1) })
            }
        }
        let before = comparable(first.text)
        let after = comparable(second.text)
        XCTAssertEqual(before.count, customers.count)
        XCTAssertEqual(after.count, before.count)
        for (index, (a, b)) in zip(before, after).enumerated() {
            for column in Self.csvHeader where compared.contains(column) {
                // JSON cells compare as JSON (key order is not significant).
                if column == "attributes" || column == "tags" {
                    let ja = try? JSONSerialization.jsonObject(with: Data((a[column] ?? "").utf8))
                    let jb = try? JSONSerialization.jsonObject(with: Data((b[column] ?? "").utf8))
                    XCTAssertEqual(canonicalJSON(ja), canonicalJSON(jb), "row \(index) column \(column)")
                } else {
                    XCTAssertEqual(a[column], b[column], "row \(index) column \(column)")
                }
            }
        }
    }
}
