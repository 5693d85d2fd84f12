import Foundation
import XCTest

/// `POST /v1/customers` and `GET /v1/customers/{id}` over a real socket (API.md §1, §2 "customers").
final class CustomerCreateTests: XCTestCase {
    var server: TestServer!
    var api: APISession!

    override func setUpWithError() throws {
        server = try TestServer { $0.maxBodyBytes = 4096 }
        api = try APISession(server)
    }

    override func tearDown() { server.stop() }

    static let timestampPattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#

    private func isTimestamp(_ value: Any?) -> Bool {
        guard let text = value as? String else { return false }
        return text.range(of: Self.timestampPattern, options: .regularExpression) != nil
    }

    // MARK: - Create and read

    func testCreateAnswers201WithLocationETagAndEveryDocumentedField() throws {
        let attributes: [String: Any] = ["plan": "gold", "seats": 12, "score": 4.5, "active": true, "legacy": NSNull()]
        let reply = try api.send(
            "POST", "/v1/customers",
            json: [
                "type": "person", "name": "  Zhang Wei  ", "email": "zhang.wei@example.com", "phone": "+86 138-0013-8000",
                "company": "Acme Ltd", "title": "CTO", "industry": "Software", "country": "cn", "region": "Shanghai",
                "city": "Shanghai", "company_size": "51-200", "source": "referral", "owner": "Li Na",
                "tags": ["vip", "beta", "vip", "alpha", "beta"], "birthday": "1990-02-28", "marketing_opt_in": true,
                "attributes": attributes, "external_id": "ext-1", "tier_override": "important",
            ])
        XCTAssertEqual(reply.status, 201, reply.text)
        XCTAssertTrue(reply.header("Content-Type")?.hasPrefix("application/json") ?? false)
        XCTAssertEqual(reply.header("ETag"), "\"1\"")
        let body = try reply.json()
        let id = try XCTUnwrap(body["id"] as? Int)
        XCTAssertGreaterThan(id, 0)
        XCTAssertEqual(reply.header("Location"), "/v1/customers/\(id)")

        XCTAssertEqual(body["type"] as? String, "person")
        XCTAssertEqual(body["name"] as? String, "Zhang Wei", "required strings are trimmed")
        XCTAssertEqual(body["email"] as? String, "zhang.wei@example.com")
        XCTAssertEqual(body["phone"] as? String, "+86 138-0013-8000")
        XCTAssertEqual(body["company"] as? String, "Acme Ltd")
        XCTAssertEqual(body["title"] as? String, "CTO")
        XCTAssertEqual(body["industry"] as? String, "Software")
        XCTAssertEqual(body["country"] as? String, "CN", "country is upper-cased")
        XCTAssertEqual(body["region"] as? String, "Shanghai")
        XCTAssertEqual(body["city"] as? String, "Shanghai")
        XCTAssertEqual(body["company_size"] as? String, "51-200")
        XCTAssertEqual(body["source"] as? String, "referral")
        XCTAssertEqual(body["owner"] as? String, "Li Na")
        XCTAssertEqual(body["tags"] as? [String], ["vip", "beta", "alpha"], "duplicates dropped, first occurrence order kept")
        XCTAssertEqual(body["birthday"] as? String, "1990-02-28")
        XCTAssertEqual(body["marketing_opt_in"] as? Bool, true)
        XCTAssertEqual(canonicalJSON(body["attributes"]), canonicalJSON(attributes), "attributes are stored as given, nulls included")
        XCTAssertEqual(body["external_id"] as? String, "ext-1")
        XCTAssertEqual(body["tier_override"] as? String, "important")
        XCTAssertTrue(
            ["lead", "prospect", "customer", "repeat", "loyal", "at_risk", "churned"].contains(body["lifecycle_stage"] as? String ?? ""),
            "lifecycle_stage: \(String(describing: body["lifecycle_stage"]))")
        XCTAssertTrue(
            ["standard", "important", "vip"].contains(body["tier"] as? String ?? ""), "tier: \(String(describing: body["tier"]))")
        XCTAssertEqual(body["loyalty_points"] as? Int, 0)
        XCTAssertTrue(isTimestamp(body["created_at"]), "created_at: \(String(describing: body["created_at"]))")
        XCTAssertTrue(isTimestamp(body["updated_at"]))
        XCTAssertEqual(body["created_at"] as? String, body["updated_at"] as? String)
        XCTAssertTrue(body.keys.contains("deleted_at"))
        XCTAssertTrue(body["deleted_at"] is NSNull)
        XCTAssertEqual(body["version"] as? Int, 1)

        let metrics = try XCTUnwrap(body["metrics"] as? [String: Any], "metrics object")
        XCTAssertEqual(
            Set(metrics.keys),
            [
                "order_count", "total_spent", "currency", "first_order_at", "last_order_at", "last_interaction_at", "open_tickets",
                "nps_last", "csat_avg", "rfm", "churn_risk", "account",
            ])
        XCTAssertEqual(metrics["order_count"] as? Int, 0)
        XCTAssertEqual(metrics["total_spent"] as? Int, 0)
        XCTAssertEqual((metrics["currency"] as? String)?.count, 3)
        XCTAssertEqual(metrics["open_tickets"] as? Int, 0)
        for name in ["first_order_at", "last_order_at", "last_interaction_at", "nps_last", "csat_avg"] {
            XCTAssertTrue(metrics[name] is NSNull, "\(name) is null before any activity")
        }
        XCTAssertTrue(
            metrics["rfm"] is NSNull || (metrics["rfm"] as? [String: Any]).map { Set($0.keys) == ["r", "f", "m", "score"] } == true)
        let churn = try XCTUnwrap(metrics["churn_risk"] as? [String: Any])
        let churnScore = try XCTUnwrap(churn["score"] as? Int)
        XCTAssertTrue((0...100).contains(churnScore))
        XCTAssertNotNil(churn["reasons"] as? [Any])

        let expectedKeys: Set<String> = [
            "id", "type", "name", "email", "phone", "company", "title", "industry", "country", "region", "city", "company_size",
            "source", "owner", "tags", "birthday", "marketing_opt_in", "attributes", "external_id", "lifecycle_stage", "tier",
            "tier_override", "loyalty_points", "metrics", "created_at", "updated_at", "deleted_at", "version",
        ]
        XCTAssertEqual(expectedKeys.subtracting(body.keys), [], "documented fields missing from the response")

        // GET by id answers the same representation.
        let fetched = try api.get(id)
        XCTAssertEqual(fetched.status, 200)
        XCTAssertEqual(fetched.header("ETag"), "\"1\"")
        XCTAssertEqual(canonicalJSON(try fetched.json()), canonicalJSON(body))
    }

    func testMinimalCreateHasEmptyOptionalFields() throws {
        let body = try api.create(["type": "company", "name": "华信科技有限公司"])
        XCTAssertEqual(body["name"] as? String, "华信科技有限公司")
        XCTAssertEqual(body["tags"] as? [String], [])
        XCTAssertEqual(canonicalJSON(body["attributes"]), "{}")
        for name in ["email", "phone", "company", "country", "birthday", "marketing_opt_in", "external_id", "tier_override"] {
            XCTAssertTrue(body[name] is NSNull, "\(name) should be null, got \(String(describing: body[name]))")
        }
    }

    func testUnknownDeletedAndNonNumericIDsAre404() throws {
        let id = try api.createPerson("Short Lived")
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(id)").status, 204)
        for target in [
            "/v1/customers/\(id)", "/v1/customers/999999", "/v1/customers/abc", "/v1/customers/0", "/v1/customers/-1",
            "/v1/customers/1.5", "/v1/customers/99999999999999999999999",
        ] {
            let reply = try api.send("GET", target)
            XCTAssertEqual(reply.status, 404, target)
            XCTAssertEqual(reply.header("Content-Type"), "application/problem+json", target)
        }
    }

    // MARK: - Validation

    func testEveryInvalidFieldIsListedInOne422() throws {
        let reply = try api.send(
            "POST", "/v1/customers",
            json: [
                "type": "robot", "name": "Valid Name", "email": "not-an-email", "phone": "call me maybe", "country": "USA",
                "company_size": "huge", "source": "tv", "birthday": "1990-02-30", "marketing_opt_in": "yes", "tags": "vip",
                "attributes": ["nested": ["no": "objects"]], "company": 42, "tier_override": "platinum",
            ])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        let problem = try reply.json()
        XCTAssertEqual(problem["status"] as? Int, 422)
        XCTAssertEqual(problem["type"] as? String, "https://crm.example/problems/validation")
        XCTAssertNotNil(problem["request_id"] as? String)
        XCTAssertEqual(
            Set(reply.problemFields),
            [
                "type", "email", "phone", "country", "company_size", "source", "birthday", "marketing_opt_in", "tags", "attributes",
                "company", "tier_override",
            ])
        XCTAssertEqual(reply.problemEntry("email")?["code"] as? String, "invalid_format")
        for entry in (try reply.json()["errors"] as? [[String: Any]]) ?? [] {
            XCTAssertFalse((entry["code"] as? String ?? "").isEmpty)
            XCTAssertFalse((entry["message"] as? String ?? "").isEmpty)
        }
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    func testABirthdayStillToComeIs422() throws {
        let later = ISO8601DateFormatter.string(
            from: Date().addingTimeInterval(3 * 86_400), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let refused = try api.send("POST", "/v1/customers", json: ["type": "person", "name": "Unborn", "birthday": later])
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(refused.problemEntry("birthday")?["code"] as? String, "in_future")
        // Listed with the body's own issues, as every invalid field is.
        let both = try api.send("POST", "/v1/customers", json: ["type": "person", "name": "Unborn", "birthday": later, "email": "nope"])
        XCTAssertEqual(both.status, 422, both.text)
        XCTAssertEqual(Set(both.problemFields), ["birthday", "email"])
        XCTAssertEqual(try api.storedCustomerCount(), 0)

        let id = try api.createPerson("Born", ["birthday": "1990-02-28"])
        let patched = try api.send("PATCH", "/v1/customers/\(id)", json: ["birthday": "2999-01-01"])
        XCTAssertEqual(patched.status, 422, patched.text)
        XCTAssertEqual(try api.get(id).json()["birthday"] as? String, "1990-02-28")
        let batch = try api.send(
            "POST", "/v1/customers/batch",
            json: [
                "upsert_by": "external_id",
                "records": [["type": "person", "name": "Later", "birthday": "2999-01-01", "external_id": "x-1"]],
            ])
        XCTAssertEqual(batch.status, 200, batch.text)
        let result = try XCTUnwrap((try batch.json()["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(result["status"] as? Int, 422)
    }

    func testMissingRequiredFieldsAndWhitespaceOnlyNameAre422() throws {
        let empty = try api.send("POST", "/v1/customers", json: [String: Any]())
        XCTAssertEqual(empty.status, 422)
        XCTAssertEqual(Set(empty.problemFields), ["type", "name"])

        let blank = try api.send("POST", "/v1/customers", json: ["type": "person", "name": " \t\u{3000} "])
        XCTAssertEqual(blank.status, 422)
        XCTAssertEqual(blank.problemFields, ["name"])

        let nulls = try api.send("POST", "/v1/customers", json: ["type": NSNull(), "name": NSNull()])
        XCTAssertEqual(nulls.status, 422)
        XCTAssertEqual(Set(nulls.problemFields), ["type", "name"])

        let wrongTypes = try api.send("POST", "/v1/customers", json: ["type": 1, "name": ["x"], "marketing_opt_in": 1, "tags": [1, 2]])
        XCTAssertEqual(wrongTypes.status, 422)
        XCTAssertEqual(Set(wrongTypes.problemFields), ["type", "name", "marketing_opt_in", "tags"])
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    func testUnknownAndServerOwnedFieldsAre422() throws {
        let reply = try api.send(
            "POST", "/v1/customers",
            json: [
                "type": "person", "name": "Mass Assigner", "id": 7, "created_at": "2020-01-01T00:00:00.000Z", "version": 9,
                "metrics": ["total_spent": 100], "lifecycle_stage": "loyal", "tier": "vip", "loyalty_points": 500,
                "updated_at": "2020-01-01T00:00:00.000Z", "deleted_at": NSNull(), "favourite_colour": "red",
            ])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(
            Set(reply.problemFields),
            [
                "id", "created_at", "version", "metrics", "lifecycle_stage", "tier", "loyalty_points", "updated_at", "deleted_at",
                "favourite_colour",
            ])
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    // MARK: - Unique keys

    func testTakenEmailIs409NamingTheHolderCaseInsensitively() throws {
        let holder = try api.createPerson("First", ["email": "Alice@Example.com"])
        let reply = try api.send("POST", "/v1/customers", json: ["type": "person", "name": "Second", "email": "  aLIce@example.COM  "])
        XCTAssertEqual(reply.status, 409, reply.text)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        let entry = try XCTUnwrap(reply.problemEntry("email"))
        XCTAssertEqual(entry["code"] as? String, "taken")
        XCTAssertEqual(entry["holder_id"] as? Int, holder)
        XCTAssertEqual(try api.storedCustomerCount(), 1)

        // Changing another customer's email to the taken one is a 409 too.
        let other = try api.createPerson("Other", ["email": "other@example.com"])
        let patch = try api.send("PATCH", "/v1/customers/\(other)", json: ["email": "ALICE@example.com"])
        XCTAssertEqual(patch.status, 409)
        XCTAssertEqual(patch.problemEntry("email")?["holder_id"] as? Int, holder)
        // Re-saving one's own email in another case is not a conflict.
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(holder)", json: ["email": "alice@example.com"]).status, 200)
    }

    func testTakenExternalIDIs409NamingTheHolder() throws {
        let holder = try api.createPerson("First", ["external_id": "sap-001"])
        let reply = try api.send("POST", "/v1/customers", json: ["type": "person", "name": "Second", "external_id": "sap-001"])
        XCTAssertEqual(reply.status, 409, reply.text)
        let entry = try XCTUnwrap(reply.problemEntry("external_id"))
        XCTAssertEqual(entry["code"] as? String, "taken")
        XCTAssertEqual(entry["holder_id"] as? Int, holder)
    }

    func testEmailAndExternalIDAreReusableAfterTheHolderIsDeleted() throws {
        let holder = try api.createPerson("First", ["email": "reuse@example.com", "external_id": "x-9"])
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(holder)").status, 204)
        let again = try api.createPerson("Second", ["email": "REUSE@example.com", "external_id": "x-9"])
        XCTAssertNotEqual(again, holder)
    }

    // MARK: - Malformed requests

    func testMalformedJSONIs400() throws {
        for body in ["{\"type\":\"person\",", "not json", "[{\"type\":\"person\",\"name\":\"A\"}]", "\"just a string\"", ""] {
            let reply = try api.send("POST", "/v1/customers", json: body)
            XCTAssertEqual(reply.status, 400, "body \(body): \(reply.text)")
        }
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    func testWrongContentTypeIs415() throws {
        let body = "{\"type\":\"person\",\"name\":\"A\"}"
        for type in ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"] {
            let reply = try api.send("POST", "/v1/customers", json: body, headers: [("Content-Type", type)])
            XCTAssertEqual(reply.status, 415, type)
        }
        XCTAssertEqual(
            try api.send("POST", "/v1/customers", json: body, headers: [("Content-Type", "application/json; charset=UTF-8")]).status, 201)
        XCTAssertEqual(try api.storedCustomerCount(), 1)
    }

    func testBodyOverTheLimitIs413AndNothingIsWritten() throws {
        let reply = try api.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "Big", "title": String(repeating: "x", count: 5000)])
        XCTAssertEqual(reply.status, 413)
        try api.reconnect()
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }
}
