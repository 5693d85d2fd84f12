import API
import CRM
import Foundation
import XCTest

/// API keys and roles over a real socket (API.md §1 "Auth", "Roles").
final class AuthTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    private func bearer(_ key: String) -> [(String, String)] { [("Authorization", "Bearer \(key)")] }

    func testMissingKeyIs401WithChallenge() throws {
        let reply = try server.client().request("GET", "/v1/api-keys")
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.header("WWW-Authenticate"), "Bearer")
        XCTAssertEqual(try reply.json()["type"] as? String, "https://crm.example/problems/unauthorized")
    }

    func testUnknownOrMalformedKeyIs401() throws {
        let client = try server.client()
        for value in ["Bearer crm_1_notthesecret", "Bearer nonsense", "Basic abc", "Bearer "] {
            let reply = try client.request("GET", "/v1/api-keys", headers: [("Authorization", value)])
            XCTAssertEqual(reply.status, 401, value)
        }
    }

    /// What the server sets is `read_only` when sent, anything else `unknown_field`.
    func testServerOwnedMembersOfAKeyOrAWebhookAreReadOnly() throws {
        let client = try server.client()
        let key = try client.request(
            "POST", "/v1/api-keys", headers: bearer(server.adminKey),
            body: #"{"name":"k","role":"viewer","id":7,"created_at":"2026-01-01T00:00:00Z","secret":"x","colour":"red"}"#)
        XCTAssertEqual(key.status, 422, key.text)
        let codes = Dictionary(
            uniqueKeysWithValues: ((try key.json()["errors"] as? [[String: Any]]) ?? []).compactMap { entry in
                (entry["field"] as? String).map { ($0, entry["code"] as? String ?? "") }
            })
        XCTAssertEqual(codes, ["id": "read_only", "created_at": "read_only", "secret": "read_only", "colour": "unknown_field"])
        let webhook = try client.request(
            "POST", "/v1/webhooks", headers: bearer(server.adminKey),
            body: #"{"url":"https://hooks.example.com/crm","events":["*"],"secret":"x"}"#)
        XCTAssertEqual(webhook.status, 422, webhook.text)
        let entry = ((try webhook.json()["errors"] as? [[String: Any]]) ?? []).first
        XCTAssertEqual(entry?["field"] as? String, "secret")
        XCTAssertEqual(entry?["code"] as? String, "read_only")
    }

    func testAdminCreatesKeyAndTheNewKeyWorks() throws {
        let client = try server.client()
        let created = try client.request(
            "POST", "/v1/api-keys", headers: bearer(server.adminKey), body: "{\"name\":\"sales bot\",\"role\":\"sales\"}")
        XCTAssertEqual(created.status, 201)
        let body = try created.json()
        XCTAssertEqual(body["role"] as? String, "sales")
        let secret = try XCTUnwrap(body["secret"] as? String)
        XCTAssertGreaterThanOrEqual(secret.utf8.count, 32)
        // A sales key may not read keys: it is known (not 401) but forbidden.
        let forbidden = try client.request("GET", "/v1/api-keys", headers: bearer(secret))
        XCTAssertEqual(forbidden.status, 403)
        XCTAssertNotNil(forbidden.header("RateLimit-Limit"))
        // The secret is never shown again.
        let list = try client.request("GET", "/v1/api-keys", headers: bearer(server.adminKey))
        XCTAssertEqual(list.status, 200)
        XCTAssertFalse(list.text.contains(secret))
        XCTAssertFalse(list.text.contains("\"secret\""))
        let data = try XCTUnwrap(try list.json()["data"] as? [[String: Any]])
        XCTAssertEqual(data.count, 2)
    }

    func testEveryNonAdminRoleIsForbiddenFromKeys() throws {
        for role in ["sales", "support", "marketing", "viewer"] {
            let key = try server.key(role: role)
            let client = try server.client()
            XCTAssertEqual(try client.request("GET", "/v1/api-keys", headers: bearer(key)).status, 403, role)
            XCTAssertEqual(
                try client.request("POST", "/v1/api-keys", headers: bearer(key), body: "{\"name\":\"x\",\"role\":\"admin\"}").status, 403,
                role)
            XCTAssertEqual(try client.request("DELETE", "/v1/api-keys/1", headers: bearer(key)).status, 403, role)
        }
    }

    func testRevokedKeyIsRefusedOnItsNextRequest() throws {
        let client = try server.client()
        let created = try client.request(
            "POST", "/v1/api-keys", headers: bearer(server.adminKey), body: "{\"name\":\"temp\",\"role\":\"admin\"}")
        let body = try created.json()
        let secret = try XCTUnwrap(body["secret"] as? String)
        let id = try XCTUnwrap(body["id"] as? Int)
        XCTAssertEqual(try client.request("GET", "/v1/api-keys", headers: bearer(secret)).status, 200)
        XCTAssertEqual(try client.request("DELETE", "/v1/api-keys/\(id)", headers: bearer(server.adminKey)).status, 204)
        XCTAssertEqual(try client.request("GET", "/v1/api-keys", headers: bearer(secret)).status, 401)
        XCTAssertEqual(try client.request("DELETE", "/v1/api-keys/\(id)", headers: bearer(server.adminKey)).status, 404)
    }

    /// Revoking the last live admin key over the API would leave nobody to manage keys, webhooks
    /// or automations there: a `409` naming `id` that writes nothing (it was a 204; found by a
    /// black-box audit). With a second admin key, either may go, itself included.
    func testTheLastAdminKeyIsNotRevokedOverTheAPI() throws {
        let client = try server.client()
        let admins = try client.request("GET", "/v1/api-keys", headers: bearer(server.adminKey)).json()["data"] as? [[String: Any]]
        let own = try XCTUnwrap(admins?.first { $0["role"] as? String == "admin" }?["id"] as? Int)
        let refused = try client.request("DELETE", "/v1/api-keys/\(own)", headers: bearer(server.adminKey))
        XCTAssertEqual(refused.status, 409, refused.text)
        XCTAssertEqual(refused.problemEntry("id")?["code"] as? String, "last_admin")
        XCTAssertEqual(try client.request("GET", "/v1/api-keys", headers: bearer(server.adminKey)).status, 200, "not revoked")

        let created = try client.request(
            "POST", "/v1/api-keys", headers: bearer(server.adminKey), body: "{\"name\":\"second\",\"role\":\"admin\"}")
        let secret = try XCTUnwrap(try created.json()["secret"] as? String)
        XCTAssertEqual(try client.request("DELETE", "/v1/api-keys/\(own)", headers: bearer(server.adminKey)).status, 204)
        let id = try XCTUnwrap(try created.json()["id"] as? Int)
        XCTAssertEqual(try client.request("DELETE", "/v1/api-keys/\(id)", headers: bearer(secret)).status, 409, "now the last one")
    }

    func testRevokingHonoursIfMatchAsEveryDeleteDoes() throws {
        let client = try server.client()
        let created = try client.request(
            "POST", "/v1/api-keys", headers: bearer(server.adminKey), body: "{\"name\":\"temp\",\"role\":\"viewer\"}")
        let secret = try XCTUnwrap(try created.json()["secret"] as? String)
        let id = try XCTUnwrap(try created.json()["id"] as? Int)
        // A key is never changed, only revoked: its one version is 1.
        let stale = try client.request("DELETE", "/v1/api-keys/\(id)", headers: bearer(server.adminKey) + [("If-Match", "\"999\"")])
        XCTAssertEqual(stale.status, 412, stale.text)
        XCTAssertEqual(try client.request("GET", "/v1/customers", headers: bearer(secret)).status, 200, "not revoked")
        let listed = try client.request(
            "DELETE", "/v1/api-keys/\(id)", headers: bearer(server.adminKey) + [("If-Match", "\"999\""), ("If-Match", "\"1\"")])
        XCTAssertEqual(listed.status, 204, "repeated If-Match lines are one list")
        XCTAssertEqual(try client.request("GET", "/v1/customers", headers: bearer(secret)).status, 401)
        let gone = try client.request("DELETE", "/v1/api-keys/\(id)", headers: bearer(server.adminKey) + [("If-Match", "\"1\"")])
        XCTAssertEqual(gone.status, 412, "If-Match names a version of a key no longer there")
        XCTAssertEqual(try client.request("DELETE", "/v1/api-keys/\(id)", headers: bearer(server.adminKey)).status, 404)
    }

    func testKeyCreatedOutsideTheServerIsHonouredAtOnce() throws {
        // What `crm-server keys create` does: another connection writes the key into the same file.
        let other = try server.application.configuration.openDatabase(maximumReaders: 1)
        let issued = try other.writeAndWait { try APIKeyService().create($0, name: "cli", role: .viewer) }
        other.close()
        let client = try server.client()
        XCTAssertEqual(try client.request("GET", "/v1/api-keys", headers: bearer(issued.secret)).status, 403)
        XCTAssertEqual(try client.request("GET", "/v1/openapi.yaml", headers: bearer(issued.secret)).status, 200)
    }

    func testCreateKeyValidation() throws {
        let client = try server.client()
        let invalid = try client.request(
            "POST", "/v1/api-keys", headers: bearer(server.adminKey), body: "{\"name\":\" \",\"role\":\"owner\",\"id\":3}")
        XCTAssertEqual(invalid.status, 422)
        let fields = try XCTUnwrap(try invalid.json()["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String }
        XCTAssertEqual(Set(fields), ["name", "role", "id"])
        let notJSON = try client.request(
            "POST", "/v1/api-keys", headers: bearer(server.adminKey) + [("Content-Type", "text/plain")], body: "name=x")
        XCTAssertEqual(notJSON.status, 415)
        let broken = try client.request("POST", "/v1/api-keys", headers: bearer(server.adminKey), body: "{\"name\":")
        XCTAssertEqual(broken.status, 400)
    }

    func testRateLimitAnswers429WithRetryAfterAndChangesNothing() throws {
        let limited = try TestServer { $0.rateLimit = .init(requests: 3, window: .seconds(60)) }
        defer { limited.stop() }
        let client = try limited.client()
        var last: RawClient.Reply?
        for expected in [2, 1, 0] {
            let reply = try client.request("GET", "/v1/api-keys", headers: bearer(limited.adminKey))
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.header("RateLimit-Remaining"), String(expected))
            XCTAssertEqual(reply.header("RateLimit-Limit"), "3")
            last = reply
        }
        XCTAssertNotNil(last?.header("RateLimit-Reset"))
        let refused = try client.request(
            "POST", "/v1/api-keys", headers: bearer(limited.adminKey), body: "{\"name\":\"x\",\"role\":\"viewer\"}")
        XCTAssertEqual(refused.status, 429)
        XCTAssertGreaterThanOrEqual(Int(refused.header("Retry-After") ?? "") ?? 0, 1)
        let count = try limited.application.database.read { try APIKeyService().count($0) }
        XCTAssertEqual(count, 1)
    }

    func testARateLimitedKeyGets429BeforeItsBodyNotContinue() throws {
        let limited = try TestServer { $0.rateLimit = .init(requests: 2, window: .seconds(60)) }
        defer { limited.stop() }
        let client = try limited.client()
        // A request with a body is counted once, though its head is screened before the body.
        let body = "{\"type\":\"person\",\"name\":\"Counted\"}"
        let created = try client.request("POST", "/v1/customers", headers: bearer(limited.adminKey), body: body)
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.header("RateLimit-Remaining"), "1")
        XCTAssertEqual(try client.request("GET", "/v1/api-keys", headers: bearer(limited.adminKey)).status, 200)

        let waiting = try limited.client()
        try waiting.send(
            "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(limited.adminKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        // Peeked, so that a `100 Continue` first would show (`readResponse` passes over it).
        var first = [UInt8](repeating: 0, count: 12)
        let count = first.withUnsafeMutableBytes {
            recv(waiting.descriptor, $0.baseAddress, $0.count, Int32(MSG_PEEK | MSG_WAITALL))
        }
        XCTAssertEqual(String(decoding: first[0..<max(0, count)], as: UTF8.self), "HTTP/1.1 429")
        let refused = try waiting.readResponse()
        XCTAssertEqual(refused.header("RateLimit-Remaining"), "0")
        XCTAssertGreaterThanOrEqual(Int(refused.header("Retry-After") ?? "") ?? 0, 1)
        // A client told to wait may never send the body, so nothing on this connection can follow.
        XCTAssertEqual(refused.header("Connection"), "close")
    }

    func testCORSPreflightAndActualResponses() throws {
        let cors = try TestServer { $0.corsOrigins = ["https://app.example"] }
        defer { cors.stop() }
        let client = try cors.client()
        let preflight = try client.request(
            "OPTIONS", "/v1/api-keys",
            headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.header("Access-Control-Allow-Origin"), "https://app.example")
        XCTAssertEqual(preflight.header("Access-Control-Allow-Methods"), "GET, HEAD, POST, OPTIONS")
        XCTAssertTrue(preflight.header("Access-Control-Allow-Headers")?.contains("Idempotency-Key") ?? false)
        let actual = try client.request("GET", "/v1/api-keys", headers: bearer(cors.adminKey) + [("Origin", "https://app.example")])
        XCTAssertEqual(actual.header("Access-Control-Allow-Origin"), "https://app.example")
        XCTAssertTrue(actual.header("Access-Control-Expose-Headers")?.contains("ETag") ?? false)
        XCTAssertEqual(actual.header("Vary"), "Origin")
        let stranger = try client.request("GET", "/v1/api-keys", headers: bearer(cors.adminKey) + [("Origin", "https://evil.example")])
        XCTAssertFalse(stranger.headers.contains { $0.0.lowercased().hasPrefix("access-control-") })
        XCTAssertEqual(stranger.header("Vary"), "Origin")
    }
}
