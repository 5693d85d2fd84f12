import Foundation
import XCTest

/// `POST /v1/customers/batch` (API.md §2 "customers"): per-record results, one bad record never
/// rejects the others.
final class CustomerBatchTests: CustomerTestCase {

    private func results(_ reply: RawClient.Reply, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return try XCTUnwrap(try reply.json()["results"] as? [[String: Any]], file: file, line: line)
    }

    /// The fields a result's problem names.
    private func errorFields(_ result: [String: Any]) -> Set<String> {
        Set(((result["error"] as? [String: Any])?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
    }

    func testMixedGoodAndBadRecordsGetPerRecordResultsAndTheBadNeverRejectTheGood() throws {
        let existing = try api.createPerson("Existing", ["external_id": "e-0", "email": "taken@example.com", "title": "Old"])
        let reply = try api.send(
            "POST", "/v1/customers/batch",
            json: [
                "upsert_by": "external_id",
                "records": [
                    ["external_id": "e-1", "type": "person", "name": "New One", "country": "fr"],  // 0: created
                    ["external_id": "e-0", "title": "Updated"],  // 1: updates the existing record
                    ["external_id": "e-2", "type": "person", "name": "Bad Email", "email": "nope"],  // 2: 422
                    "not an object",  // 3: 422
                    ["external_id": "e-3", "name": "No Type"],  // 4: 422 (required on create)
                    ["external_id": "e-4", "type": "person", "name": "Dup Email", "email": "TAKEN@example.com"],  // 5: 409
                    ["type": "company", "name": "No External ID"],  // 6: created
                    ["external_id": "e-5", "type": "person", "name": "Unknown", "shoe_size": 44],  // 7: 422
                    ["external_id": "e-1", "title": "Second touch"],  // 8: the record created at 0
                ] as [Any],
            ])
        let results = try results(reply)
        XCTAssertEqual(results.count, 9)
        XCTAssertEqual(results.map { $0["index"] as? Int }, Array(0..<9))
        XCTAssertEqual(results.map { $0["status"] as? Int }, [201, 200, 422, 422, 422, 409, 201, 422, 200])
        XCTAssertEqual(results[1]["id"] as? Int, existing)
        XCTAssertEqual(results[8]["id"] as? Int, results[0]["id"] as? Int)

        for index in [2, 3, 4, 5, 7] {
            let error = try XCTUnwrap(results[index]["error"] as? [String: Any], "result \(index) carries an error problem")
            XCTAssertEqual(error["status"] as? Int, results[index]["status"] as? Int)
            XCTAssertNotNil(error["type"] as? String)
            XCTAssertNotNil(error["title"] as? String)
            XCTAssertNil(results[index]["id"])
        }
        func fields(_ index: Int) -> Set<String> { errorFields(results[index]) }
        XCTAssertEqual(fields(2), ["email"])
        XCTAssertEqual(fields(4), ["type"])
        XCTAssertEqual(fields(5), ["email"])
        XCTAssertEqual(fields(7), ["shoe_size"])
        let conflict = ((results[5]["error"] as? [String: Any])?["errors"] as? [[String: Any]])?.first
        XCTAssertEqual(conflict?["holder_id"] as? Int, existing)

        let createdID = try XCTUnwrap(results[0]["id"] as? Int)
        let created = try api.get(createdID).json()
        XCTAssertEqual(created["country"] as? String, "FR")
        XCTAssertEqual(created["title"] as? String, "Second touch")
        XCTAssertEqual(try api.get(existing).json()["title"] as? String, "Updated")
        XCTAssertEqual(try api.get(try XCTUnwrap(results[6]["id"] as? Int)).json()["name"] as? String, "No External ID")
        XCTAssertEqual(try api.list().ids.count, 3, "only the good records were written")
    }

    func testAnInvalidRecordNamesEveryInvalidFieldAsItsSingleRequestWould() throws {
        // A record with an invalid email still gets the write's checks of its other fields: a
        // create's required fields, the account. An update needs no type or name.
        let existing = try api.createPerson("Existing", ["external_id": "e-0"])
        let reply = try api.send(
            "POST", "/v1/customers/batch",
            json: [
                "upsert_by": "external_id",
                "records": [
                    ["external_id": "e-new", "email": "bad"],
                    ["external_id": "e-0", "email": "bad", "account_id": 999_999],
                ],
            ])
        let results = try results(reply)
        XCTAssertEqual(results.map { $0["status"] as? Int }, [422, 422])
        func fields(_ index: Int) -> Set<String> { errorFields(results[index]) }
        XCTAssertEqual(fields(0), ["email", "type", "name"])
        XCTAssertEqual(fields(1), ["email", "account_id"])
        XCTAssertEqual(try api.list().ids, [existing], "nothing was written")

        // The single-record endpoints answer the same.
        let put = try api.send("PUT", "/v1/customers/by-external-id/e-new", json: ["email": "bad"])
        XCTAssertEqual(put.status, 422, put.text)
        XCTAssertEqual(Set(put.problemFields), ["email", "type", "name"], put.text)
        let post = try api.send("POST", "/v1/customers", json: ["type": "person", "email": "bad", "account_id": 999_999])
        XCTAssertEqual(post.status, 422, post.text)
        XCTAssertEqual(Set(post.problemFields), ["email", "name", "account_id"], post.text)
        let patch = try api.send("PATCH", "/v1/customers/\(existing)", json: ["email": "bad", "account_id": 999_999])
        XCTAssertEqual(patch.status, 422, patch.text)
        XCTAssertEqual(Set(patch.problemFields), ["email", "account_id"], patch.text)
        XCTAssertEqual(try api.get(existing).header("ETag"), "\"1\"")
    }

    func testUpsertByEmailMatchesCaseInsensitively() throws {
        let existing = try api.createPerson("Mail Match", ["email": "Match@Example.com"])
        let reply = try api.send(
            "POST", "/v1/customers/batch",
            json: [
                "upsert_by": "email",
                "records": [
                    ["email": " match@EXAMPLE.com ", "city": "Berlin"], ["email": "fresh@example.com", "type": "person", "name": "Fresh"],
                ],
            ])
        let results = try results(reply)
        XCTAssertEqual(results.map { $0["status"] as? Int }, [200, 201])
        XCTAssertEqual(results[0]["id"] as? Int, existing)
        XCTAssertEqual(try api.get(existing).json()["city"] as? String, "Berlin")
        XCTAssertEqual(try api.list().ids.count, 2)
    }

    func testARecordCreatedByTheBatchStoresItsAttributesAsGivenAndAnUpdateMergesThem() throws {
        let attributes: [String: Any] = ["plan": "gold", "legacy": NSNull(), "seats": 3]
        let created = try results(
            try api.send(
                "POST", "/v1/customers/batch",
                json: [
                    "upsert_by": "external_id",
                    "records": [["external_id": "attr-1", "type": "person", "name": "Attr", "attributes": attributes]],
                ]))
        let id = try XCTUnwrap(created.first?["id"] as? Int)
        XCTAssertEqual(created.first?["status"] as? Int, 201)
        XCTAssertEqual(
            canonicalJSON(try api.get(id).json()["attributes"]), canonicalJSON(attributes),
            "on create, attributes are stored as given (as POST /v1/customers does), null values included")

        let updated = try results(
            try api.send(
                "POST", "/v1/customers/batch",
                json: ["upsert_by": "external_id", "records": [["external_id": "attr-1", "attributes": ["seats": 4, "plan": NSNull()]]]]))
        XCTAssertEqual(updated.first?["status"] as? Int, 200)
        XCTAssertEqual(canonicalJSON(try api.get(id).json()["attributes"]), canonicalJSON(["legacy": NSNull(), "seats": 4]))
    }

    func testMoreThan1000RecordsIs422AndNothingIsWritten() throws {
        let records = (0...1000).map { ["type": "person", "name": "Bulk \($0)"] }
        let reply = try api.send("POST", "/v1/customers/batch", json: ["upsert_by": "external_id", "records": records])
        XCTAssertEqual(reply.status, 422, String(reply.text.prefix(300)))
        XCTAssertEqual(reply.problemFields, ["records"])
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    func testExactly1000RecordsAreAccepted() throws {
        let records = (0..<1000).map { ["type": "person", "name": "Bulk \($0)", "external_id": "bulk-\($0)"] }
        let results = try results(try api.send("POST", "/v1/customers/batch", json: ["upsert_by": "external_id", "records": records]))
        XCTAssertEqual(results.count, 1000)
        XCTAssertTrue(results.allSatisfy { $0["status"] as? Int == 201 })
        XCTAssertEqual(try api.storedCustomerCount(), 1000)
    }

    func testBadEnvelopeIs422() throws {
        for body: [String: Any] in [
            ["records": [["type": "person", "name": "A"]]],  // no upsert_by
            ["upsert_by": "phone", "records": [["type": "person", "name": "A"]]],
            ["upsert_by": "email"],
            ["upsert_by": "email", "records": [Any]()],
            ["upsert_by": "email", "records": [["type": "person", "name": "A"]], "dry_run": true],
        ] {
            let reply = try api.send("POST", "/v1/customers/batch", json: body)
            XCTAssertEqual(reply.status, 422, "\(body): \(reply.text)")
        }
        XCTAssertEqual(try api.send("POST", "/v1/customers/batch", json: "[").status, 400)
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }
}
