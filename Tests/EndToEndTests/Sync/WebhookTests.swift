import Foundation
import XCTest

/// `/v1/webhooks` (API.md §2, "webhooks", admin only): the secret shown once and never stored in
/// clear, the URL and event checks, roles, `If-Match` and soft delete.
final class WebhookTests: CustomerTestCase {
    private let publicURL = "https://hooks.example.com/crm"

    /// The server's database files as they are on disk now (main file, WAL, shared memory).
    private func databaseBytes() throws -> [UInt8] {
        let path = server.application.configuration.db
        if TestDatabase.engine == "postgres" { return try TestDatabase.postgresText(path) }
        var bytes: [UInt8] = []
        for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
            bytes += try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + suffix)))
        }
        return bytes
    }

    func testCreateShowsTheSecretOnceAndItIsNeverStoredOrShownAgain() throws {
        let reply = try api.send("POST", "/v1/webhooks", json: ["url": publicURL, "events": ["customer.created", "ticket.updated"]])
        XCTAssertEqual(reply.status, 201, reply.text)
        let created = try reply.json()
        let id = try XCTUnwrap(created["id"] as? Int)
        let secret = try XCTUnwrap(created["secret"] as? String)
        XCTAssertTrue(secret.hasPrefix("whsec_"), secret)
        XCTAssertGreaterThanOrEqual(secret.count - "whsec_".count, 32, "at least 128 bits, encoded")
        XCTAssertEqual(created["url"] as? String, publicURL)
        XCTAssertEqual(created["events"] as? [String], ["customer.created", "ticket.updated"])
        XCTAssertEqual(created["enabled"] as? Bool, true, "enabled by default")
        XCTAssertEqual(created["version"] as? Int, 1)
        XCTAssertEqual(reply.header("ETag"), "\"1\"")

        // A second webhook gets a different secret.
        let other = try api.created("/v1/webhooks", ["url": publicURL, "events": ["*"]])
        XCTAssertNotEqual(other["secret"] as? String, secret)

        // Never again: get, list (also with deleted ones), patch, deliveries.
        let secretBody = String(secret.dropFirst("whsec_".count))
        var shown: [(String, RawClient.Reply)] = [
            ("get", try api.send("GET", "/v1/webhooks/\(id)")),
            ("list", try api.send("GET", "/v1/webhooks")),
            ("patch", try api.send("PATCH", "/v1/webhooks/\(id)", json: ["enabled": false])),
            ("deliveries", try api.send("GET", "/v1/webhooks/\(id)/deliveries")),
        ]
        try api.expecting(204, "DELETE", "/v1/webhooks/\(other["id"] as? Int ?? 0)")
        shown.append(("list with deleted", try api.send("GET", "/v1/webhooks?include_deleted=true")))
        shown.append(("audit log", try api.send("GET", "/v1/audit-log?record_type=webhook")))
        for (what, reply) in shown {
            XCTAssertEqual(reply.status, 200, "\(what): \(reply.text)")
            XCTAssertFalse(reply.text.contains("secret"), "\(what) names no secret: \(reply.text)")
            XCTAssertFalse(reply.text.contains(secretBody), "\(what) holds no secret: \(reply.text)")
        }
        let listed = try XCTUnwrap(try shown[1].1.json()["data"] as? [[String: Any]])
        XCTAssertEqual(listed.compactMap { $0["id"] as? Int }.sorted(), [id, other["id"] as? Int ?? 0])

        // The database holds the secret only sealed: neither the secret nor its random part is in
        // the file's bytes, whatever is in the WAL still.
        let stored = try databaseBytes()
        XCTAssertNotNil(stored.firstRange(of: Array(publicURL.utf8)), "the webhook rows are in the bytes read")
        for text in [secret, secretBody, String(secretBody.prefix(16))] {
            XCTAssertNil(stored.firstRange(of: Array(text.utf8)), "\(text) is in the database file in clear")
        }

        // A client cannot choose the secret, nor any other server-owned field.
        for field: [String: Any] in [["secret": "whsec_mine"], ["id": 99], ["version": 3]] {
            var body: [String: Any] = ["url": publicURL, "events": ["*"]]
            body.merge(field) { $1 }
            let refused = try api.send("POST", "/v1/webhooks", json: body)
            XCTAssertEqual(refused.status, 422, "\(field): \(refused.text)")
            XCTAssertEqual(refused.problemFields, Array(field.keys), refused.text)
        }
        let patchSecret = try api.send("PATCH", "/v1/webhooks/\(id)", json: ["secret": "whsec_mine"])
        XCTAssertEqual(patchSecret.status, 422, patchSecret.text)
    }

    /// URLs refused without `--allow-private-webhooks`, each naming `url`.
    private let privateURLs = [
        "http://127.0.0.1/", "http://localhost/", "http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/latest/meta-data",
        "http://LOCALHOST:8080/hook", "http://localhost./", "http://api.localhost/", "http://192.168.1.10/", "http://172.16.0.1/",
        "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/",
        "http://[fc00::1]/", "https://100.64.0.1/", "http://127.0.0.1:9/", "http://198.18.0.1/", "http://192.0.2.1/",
        "https://198.51.100.10/", "https://203.0.113.5/", "http://[2001:db8::1]/", "http://[64:ff9b::7f00:1]/",
    ]
    /// URLs refused whatever the server allows.
    /// (The shorthand IPv4 forms a resolver would take for 127.0.0.1 are not accepted as hosts at all.)
    private let malformedURLs = [
        "ftp://hooks.example.com/", "/hooks/crm", "hooks.example.com/crm", "", "http://", "mailto:ops@example.com", "http://127.1/",
        "http://2130706433/", "http://0x7f000001/",
    ]

    func testBadOrPrivateURLsAndUnknownEventsAre422NamingTheField() throws {
        for url in malformedURLs + privateURLs {
            let reply = try api.send("POST", "/v1/webhooks", json: ["url": url, "events": ["customer.created"]])
            XCTAssertEqual(reply.status, 422, "\(url): \(reply.text)")
            XCTAssertEqual(reply.problemFields, ["url"], "\(url): \(reply.text)")
        }
        for events: Any in [["customer.exploded"], ["customer.created", "webhook.created"], [], ["customer"], "customer.created", [42]] {
            let reply = try api.send("POST", "/v1/webhooks", json: ["url": publicURL, "events": events])
            XCTAssertEqual(reply.status, 422, "\(events): \(reply.text)")
            XCTAssertEqual(reply.problemFields.first, "events", "\(events): \(reply.text)")
        }
        // What is not an event type is `unknown_event`, whatever it is; too many is `too_many`.
        for events: [Any] in [[42], [""], ["customer.created", NSNull()], ["nope"]] {
            let reply = try api.send("POST", "/v1/webhooks", json: ["url": publicURL, "events": events])
            XCTAssertEqual(reply.problemEntry("events")?["code"] as? String, "unknown_event", "\(events): \(reply.text)")
        }
        let many = try api.send("POST", "/v1/webhooks", json: ["url": publicURL, "events": (0...100).map { "e\($0)" }])
        XCTAssertEqual(many.problemEntry("events")?["code"] as? String, "too_many", many.text)
        XCTAssertEqual(many.problemEntry("events")?["message"] as? String, "at most 100 events", many.text)
        // Every field at once.
        let both = try api.send("POST", "/v1/webhooks", json: ["url": "http://10.1.2.3/", "events": ["nope"]])
        XCTAssertEqual(Set(both.problemFields), ["url", "events"], both.text)
        let missing = try api.send("POST", "/v1/webhooks", json: [String: Any]())
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual(Set(missing.problemFields), ["url", "events"], missing.text)
        // A field refused on its own (a bad flag, an unknown member) does not hide the rest.
        let flag = try api.send("POST", "/v1/webhooks", json: ["url": "ftp://x", "events": ["nope"], "enabled": "yes"])
        XCTAssertEqual(Set(flag.problemFields), ["url", "events", "enabled"], flag.text)
        let unknown = try api.send("POST", "/v1/webhooks", json: ["url": "ftp://x", "events": ["nope"], "colour": "red"])
        XCTAssertEqual(Set(unknown.problemFields), ["url", "events", "colour"], unknown.text)
        XCTAssertEqual((try api.send("GET", "/v1/webhooks").json()["data"] as? [Any])?.count, 0, "nothing was created")

        // A PATCH is held to the same rules; a refused one changes nothing.
        let webhook = try api.created("/v1/webhooks", ["url": publicURL, "events": ["*"]])
        let id = try XCTUnwrap(webhook["id"] as? Int)
        for url in ["http://127.0.0.1/", "http://[::1]:8080/", "ftp://hooks.example.com/"] {
            let reply = try api.send("PATCH", "/v1/webhooks/\(id)", json: ["url": url])
            XCTAssertEqual(reply.status, 422, "\(url): \(reply.text)")
            XCTAssertEqual(reply.problemFields, ["url"], reply.text)
        }
        let events = try api.send("PATCH", "/v1/webhooks/\(id)", json: ["events": ["order.shipped"]])
        XCTAssertEqual(events.status, 422, events.text)
        XCTAssertEqual(events.problemFields, ["events"], events.text)
        let unchanged = try api.expecting(200, "GET", "/v1/webhooks/\(id)")
        XCTAssertEqual(unchanged["url"] as? String, publicURL)
        XCTAssertEqual(unchanged["version"] as? Int, 1)

        // Every documented event is accepted.
        var every = ["*", "opportunity.stage_changed", "automation.fired"]
        for resource in ["customer", "order", "interaction", "opportunity", "pipeline", "ticket", "feedback"] {
            every += ["created", "updated", "deleted"].map { "\(resource).\($0)" }
        }
        let all = try api.created("/v1/webhooks", ["url": "http://hooks.example.com:8080/x?y=1", "events": every])
        XCTAssertEqual(Set(all["events"] as? [String] ?? []), Set(every))
    }

    func testPrivateTargetsAreAllowedWithAllowPrivateWebhooks() throws {
        let permissive = try TestServer { $0.allowPrivateWebhooks = true }
        defer { permissive.stop() }
        let admin = try APISession(permissive)
        for url in privateURLs {
            let reply = try admin.send("POST", "/v1/webhooks", json: ["url": url, "events": ["customer.created"]])
            XCTAssertEqual(reply.status, 201, "\(url): \(reply.text)")
        }
        for url in malformedURLs {
            let reply = try admin.send("POST", "/v1/webhooks", json: ["url": url, "events": ["customer.created"]])
            XCTAssertEqual(reply.status, 422, "\(url): \(reply.text)")
            XCTAssertEqual(reply.problemFields, ["url"], "\(url): \(reply.text)")
        }
        let unknown = try admin.send("POST", "/v1/webhooks", json: ["url": "http://127.0.0.1/", "events": ["nope"]])
        XCTAssertEqual(unknown.problemFields, ["events"], unknown.text)
    }

    func testEveryWebhookEndpointIsAdminOnly() throws {
        let webhook = try api.created("/v1/webhooks", ["url": publicURL, "events": ["*"]])
        let id = try XCTUnwrap(webhook["id"] as? Int)
        let requests: [(String, String, Any?)] = [
            ("GET", "/v1/webhooks", nil), ("POST", "/v1/webhooks", ["url": publicURL, "events": ["*"]]), ("GET", "/v1/webhooks/\(id)", nil),
            ("PATCH", "/v1/webhooks/\(id)", ["enabled": false]), ("DELETE", "/v1/webhooks/\(id)", nil),
            ("GET", "/v1/webhooks/\(id)/deliveries", nil),
        ]
        for role in ["sales", "support", "marketing", "viewer"] {
            let session = try APISession(server, key: try server.key(role: role))
            for (method, path, body) in requests {
                let reply = try session.send(method, path, json: body)
                XCTAssertEqual(reply.status, 403, "\(role) \(method) \(path): \(reply.text)")
                XCTAssertFalse(reply.text.contains("hooks.example.com"), "\(role) \(method) \(path) shows nothing")
            }
        }
        for (method, path, body) in requests {
            XCTAssertEqual(try api.send(method, path, json: body, authorized: false).status, 401, "\(method) \(path)")
        }
        // Nothing changed, nothing was created.
        let after = try api.expecting(200, "GET", "/v1/webhooks/\(id)")
        XCTAssertEqual(after["version"] as? Int, 1)
        XCTAssertEqual((try api.expecting(200, "GET", "/v1/webhooks")["data"] as? [[String: Any]])?.count, 1)
    }

    func testPatchAndDeleteHonourIfMatchAndADeletedWebhookIsGone() throws {
        let webhook = try api.created("/v1/webhooks", ["url": publicURL, "events": ["customer.created"]])
        let id = try XCTUnwrap(webhook["id"] as? Int)
        let get = try api.send("GET", "/v1/webhooks/\(id)")
        XCTAssertEqual(get.header("ETag"), "\"1\"")
        XCTAssertEqual(try api.send("GET", "/v1/webhooks/\(id)", headers: [("If-None-Match", "\"1\"")]).status, 304)

        let stale = try api.send("PATCH", "/v1/webhooks/\(id)", json: ["enabled": false], headers: [("If-Match", "\"7\"")])
        XCTAssertEqual(stale.status, 412, stale.text)
        let patched = try api.send(
            "PATCH", "/v1/webhooks/\(id)", json: ["events": ["ticket.created", "ticket.updated"]], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(patched.header("ETag"), "\"2\"")
        XCTAssertEqual(try patched.json()["events"] as? [String], ["ticket.created", "ticket.updated"])
        XCTAssertEqual(try patched.json()["url"] as? String, publicURL, "a merge patch keeps what it does not name")

        let staleDelete = try api.send("DELETE", "/v1/webhooks/\(id)", headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(staleDelete.status, 412, staleDelete.text)
        XCTAssertEqual(try api.send("GET", "/v1/webhooks/\(id)").status, 200, "a refused delete deletes nothing")
        let deleted = try api.send("DELETE", "/v1/webhooks/\(id)", headers: [("If-Match", "\"2\"")])
        XCTAssertEqual(deleted.status, 204, deleted.text)

        XCTAssertEqual(try api.send("GET", "/v1/webhooks/\(id)").status, 404)
        XCTAssertEqual(try api.send("PATCH", "/v1/webhooks/\(id)", json: ["enabled": true]).status, 404)
        XCTAssertEqual(try api.send("DELETE", "/v1/webhooks/\(id)").status, 404)
        XCTAssertEqual(try api.send("GET", "/v1/webhooks/\(id)/deliveries").status, 404)
        XCTAssertEqual(try api.send("GET", "/v1/webhooks/\(id + 100)").status, 404)
        XCTAssertEqual((try api.expecting(200, "GET", "/v1/webhooks")["data"] as? [[String: Any]])?.count, 0)
        let tombstones = try XCTUnwrap(try api.expecting(200, "GET", "/v1/webhooks?include_deleted=true")["data"] as? [[String: Any]])
        XCTAssertEqual(tombstones.compactMap { $0["id"] as? Int }, [id])
        XCTAssertNotNil(tombstones.first?["deleted_at"] as? String)
    }
}
