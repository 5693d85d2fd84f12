import Foundation
import XCTest

/// A node killed with SIGKILL while it holds webhook deliveries it claimed: the other node goes on
/// serving, and sends those deliveries once the dead node's claim runs out (at-least-once, by one
/// node at a time).
final class NodeKillTests: XCTestCase {
    func testTheOtherNodeServesOnAndSendsWhatTheKilledNodeHadClaimed() throws {
        try TestDatabase.requirePostgres("a node of several killed")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try TestDatabase.url(sqliteFolder: directory)
        let keyFile = directory.appendingPathComponent("crm.key").path

        // The receiver holds the first request unanswered: the delivery stays claimed, in flight.
        let receiver = try WebhookReceiver { index in index == 0 ? .hang : .status(200) }
        defer { receiver.stop() }
        let doomed = try ServerProcess(
            binary: try ServerProcess.binary(),
            arguments: [
                "serve", "--db", db, "--secret-key-file", keyFile, "--host", "127.0.0.1", "--port", "0", "--allow-private-webhooks",
            ])
        var alive = true
        defer { if alive { doomed.kill9() } }
        let key = try XCTUnwrap(doomed.bootstrapKey, doomed.log)
        let auth = [("Authorization", "Bearer \(key)")]
        let webhook = try RawClient(port: doomed.port).request(
            "POST", "/v1/webhooks", headers: auth,
            body: "{\"url\":\"http://127.0.0.1:\(receiver.port)/hook\",\"events\":[\"customer.created\"]}")
        XCTAssertEqual(webhook.status, 201, webhook.text)
        let created = try RawClient(port: doomed.port).request(
            "POST", "/v1/customers", headers: auth, body: "{\"name\":\"周八\",\"type\":\"person\"}")
        XCTAssertEqual(created.status, 201, created.text)
        let first = receiver.waitFor(1, timeout: 10)
        XCTAssertEqual(first.count, 1, "the doomed node claimed the delivery and is sending it")
        let eventID = try XCTUnwrap(first.first?.json()["id"] as? String)

        doomed.kill9()
        alive = false
        let survivor = try TestServer(adminKey: key) { configuration in
            configuration.db = db
            configuration.secretKeyFile = keyFile
            configuration.allowPrivateWebhooks = true
        }
        defer { survivor.stop() }
        let read = try survivor.client().request("GET", "/v1/customers", headers: auth)
        XCTAssertEqual(read.status, 200, "the other node serves on")
        XCTAssertEqual((try read.json()["data"] as? [[String: Any]])?.count, 1)

        // Sent again once the claim (three attempt deadlines, 30 s) has run out, with the same id.
        let both = receiver.waitFor(2, timeout: 45)
        XCTAssertEqual(both.count, 2)
        XCTAssertEqual(try both.last.map { try $0.json()["id"] as? String }, eventID)
    }
}
