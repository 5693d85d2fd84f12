import Foundation
import XCTest

/// Who may read and write customers, `Idempotency-Key` and rate limits on customers
/// (API.md §1 "Auth", "Roles", "Idempotency", "Rate limits").
final class CustomerAccessTests: CustomerTestCase {

    // MARK: - Auth and roles

    func testNoKeyIs401OnEveryCustomerEndpoint() throws {
        let id = try api.createPerson("Private")
        let requests: [(String, String, Any?)] = [
            ("GET", "/v1/customers", nil), ("GET", "/v1/customers/\(id)", nil), ("POST", "/v1/customers", ["type": "person", "name": "X"]),
            ("PATCH", "/v1/customers/\(id)", ["title": "x"]), ("DELETE", "/v1/customers/\(id)", nil),
            ("PUT", "/v1/customers/by-external-id/e1", ["type": "person", "name": "X"]),
            ("POST", "/v1/customers/batch", ["upsert_by": "external_id", "records": [["type": "person", "name": "X"]]]),
        ]
        for (method, target, body) in requests {
            let reply = try api.send(method, target, json: body, authorized: false)
            XCTAssertEqual(reply.status, 401, "\(method) \(target)")
            XCTAssertEqual(reply.header("WWW-Authenticate"), "Bearer", "\(method) \(target)")
        }
        XCTAssertEqual(try api.storedCustomerCount(), 1)
        XCTAssertEqual(try api.get(id).status, 200)
    }

    func testViewerMayReadButEveryWriteIs403AndChangesNothing() throws {
        let id = try api.createPerson("Read Only", ["external_id": "ro-1"])
        let viewer = try APISession(server, key: try server.key(role: "viewer"))
        XCTAssertEqual(try viewer.get(id).status, 200)
        XCTAssertEqual(try viewer.list().ids, [id])

        let writes: [(String, String, Any?)] = [
            ("POST", "/v1/customers", ["type": "person", "name": "X"]), ("PATCH", "/v1/customers/\(id)", ["title": "x"]),
            ("DELETE", "/v1/customers/\(id)", nil), ("PUT", "/v1/customers/by-external-id/ro-1", ["name": "Renamed"]),
            ("PUT", "/v1/customers/by-external-id/ro-2", ["type": "person", "name": "New"]),
            ("POST", "/v1/customers/batch", ["upsert_by": "external_id", "records": [["type": "person", "name": "X"]]]),
        ]
        for (method, target, body) in writes {
            let reply = try viewer.send(method, target, json: body)
            XCTAssertEqual(reply.status, 403, "\(method) \(target): \(reply.text)")
            XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        }
        XCTAssertEqual(try api.storedCustomerCount(), 1)
        let body = try api.get(id).json()
        XCTAssertEqual(body["name"] as? String, "Read Only")
        XCTAssertEqual(body["version"] as? Int, 1)
    }

    func testAdminSalesSupportAndMarketingMayAllWriteCustomers() throws {
        for role in ["admin", "sales", "support", "marketing"] {
            let session = try APISession(server, key: role == "admin" ? server.adminKey : try server.key(role: role))
            let id = try session.createPerson("By \(role)", ["external_id": "by-\(role)"])
            XCTAssertEqual(try session.send("PATCH", "/v1/customers/\(id)", json: ["title": role]).status, 200, role)
            XCTAssertEqual(try session.send("PUT", "/v1/customers/by-external-id/by-\(role)", json: ["city": "Paris"]).status, 200, role)
            let batch = try session.send(
                "POST", "/v1/customers/batch",
                json: ["upsert_by": "external_id", "records": [["external_id": "by-\(role)", "owner": role]]])
            XCTAssertEqual(batch.status, 200, role)
            XCTAssertEqual(try session.get(id).json()["owner"] as? String, role)
            XCTAssertEqual(try session.list().ids.contains(id), true, role)
            XCTAssertEqual(try session.send("DELETE", "/v1/customers/\(id)").status, 204, role)
        }
    }

    // MARK: - Idempotency-Key

    func testSameIdempotencyKeyAndBodyReplaysTheFirstResponseAndCreatesOnce() throws {
        let body = jsonText(["type": "person", "name": "Once Only", "email": "once@example.com"])
        let first = try api.send("POST", "/v1/customers", json: body, headers: [("Idempotency-Key", "create-once-1")])
        XCTAssertEqual(first.status, 201, first.text)
        XCTAssertNil(first.header("Idempotent-Replayed"))
        let replay = try api.send("POST", "/v1/customers", json: body, headers: [("Idempotency-Key", "create-once-1")])
        XCTAssertEqual(replay.status, 201, replay.text)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(replay.text, first.text)
        XCTAssertEqual(replay.header("Location"), first.header("Location"))
        XCTAssertEqual(replay.header("ETag"), first.header("ETag"))
        XCTAssertEqual(try api.storedCustomerCount(), 1)
        XCTAssertEqual(try api.list().ids.count, 1)
    }

    func testSameIdempotencyKeyWithADifferentBodyIs422() throws {
        let first = try api.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "Original"], headers: [("Idempotency-Key", "k-reused")])
        XCTAssertEqual(first.status, 201)
        let reused = try api.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "Different"], headers: [("Idempotency-Key", "k-reused")])
        XCTAssertEqual(reused.status, 422, reused.text)
        XCTAssertNil(reused.header("Idempotent-Replayed"))
        XCTAssertEqual(try api.storedCustomerCount(), 1)
    }

    func testDifferentIdempotencyKeysCreateTwoRecords() throws {
        let body = jsonText(["type": "person", "name": "Twice"])
        let first = try api.send("POST", "/v1/customers", json: body, headers: [("Idempotency-Key", "key-a")])
        let second = try api.send("POST", "/v1/customers", json: body, headers: [("Idempotency-Key", "key-b")])
        XCTAssertEqual(first.status, 201)
        XCTAssertEqual(second.status, 201)
        XCTAssertNil(second.header("Idempotent-Replayed"))
        XCTAssertNotEqual(try first.json()["id"] as? Int, try second.json()["id"] as? Int)
        XCTAssertEqual(try api.storedCustomerCount(), 2)
    }

    func testTwoIdempotencyKeysAre400AndNothingIsWritten() throws {
        let body = jsonText(["type": "person", "name": "Ambiguous"])
        let reply = try api.send(
            "POST", "/v1/customers", json: body, headers: [("Idempotency-Key", "key-a"), ("Idempotency-Key", "key-b")])
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertEqual(reply.problemFields, ["Idempotency-Key"])
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    // MARK: - Rate limit

    func testOverTheRateLimitIs429WithRetryAfterAndNothingIsWritten() throws {
        let limited = try TestServer { $0.rateLimit = .init(requests: 2, window: .seconds(60)) }
        defer { limited.stop() }
        let session = try APISession(limited)
        XCTAssertEqual(try session.send("GET", "/v1/customers").status, 200)
        XCTAssertEqual(try session.send("GET", "/v1/customers").status, 200)
        for (method, target, body) in [
            ("POST", "/v1/customers", ["type": "person", "name": "Too Many"] as [String: Any]),
            ("PUT", "/v1/customers/by-external-id/rl-1", ["type": "person", "name": "Too Many"]),
            ("POST", "/v1/customers/batch", ["upsert_by": "external_id", "records": [["type": "person", "name": "Too Many"]]]),
        ] {
            let refused = try session.send(method, target, json: body)
            XCTAssertEqual(refused.status, 429, "\(method) \(target)")
            XCTAssertGreaterThanOrEqual(Int(refused.header("Retry-After") ?? "") ?? 0, 1)
            XCTAssertEqual(refused.header("RateLimit-Limit"), "2")
            XCTAssertEqual(refused.header("RateLimit-Remaining"), "0")
        }
        XCTAssertEqual(try session.send("GET", "/v1/customers").status, 429)
        XCTAssertEqual(try session.storedCustomerCount(), 0)
    }

    func testAWriteRefusedForItsRoleCountsAgainstTheLimitAndSaysSo() throws {
        // Refused from its head before the body is read, a viewer's write is still an
        // authenticated request: it takes a token and carries the RateLimit headers, and over
        // the limit it is a 429 like any other.
        let limited = try TestServer { $0.rateLimit = .init(requests: 2, window: .seconds(60)) }
        defer { limited.stop() }
        let viewer = try APISession(limited, key: try limited.key(role: "viewer"))
        let body: [String: Any] = ["type": "person", "name": "Not Mine"]
        let first = try viewer.send("POST", "/v1/customers", json: body)
        XCTAssertEqual(first.status, 403, first.text)
        XCTAssertEqual(first.header("RateLimit-Limit"), "2")
        XCTAssertEqual(first.header("RateLimit-Remaining"), "1")
        XCTAssertNotNil(first.header("RateLimit-Reset"))
        XCTAssertEqual(try viewer.send("PATCH", "/v1/customers/1", json: ["title": "x"]).header("RateLimit-Remaining"), "0")
        let over = try viewer.send("POST", "/v1/customers", json: body)
        XCTAssertEqual(over.status, 429, over.text)
        XCTAssertGreaterThanOrEqual(Int(over.header("Retry-After") ?? "") ?? 0, 1)
        XCTAssertEqual(try viewer.send("GET", "/v1/customers").status, 429)
    }
}
