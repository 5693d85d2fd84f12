import Crypto
import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The outbox is durable (API.md §2, "webhooks": "a crash loses none"): the real `crm-server`
/// binary is killed with SIGKILL while deliveries are pending, and the restarted server on the
/// same database delivers them, with the same event ids and a secret that still opens.
final class WebhookCrashTests: XCTestCase {
    func testPendingDeliveriesSurviveKill9AndArriveAfterTheRestart() throws {
        let binary = try ServerProcess.binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("crm.sqlite").path
        let arguments = [
            "serve", "--db", db, "--host", "127.0.0.1", "--port", "0", "--allow-private-webhooks", "--webhook-backoff", "200ms",
        ]
        // Nothing listens here yet: every attempt is refused and retried.
        let receiverPort = try WebhookReceiver.unusedPort()

        let first = try ServerProcess(binary: binary, arguments: arguments)
        var firstAlive = true
        defer { if firstAlive { first.kill9() } }
        let key = try XCTUnwrap(first.bootstrapKey, first.log)
        let auth = [("Authorization", "Bearer \(key)")]
        var client = try RawClient(port: first.port)
        func expect(_ status: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
            let reply = try client.request(method, path, headers: auth, body: body.map { jsonText($0) })
            guard reply.status == status else { throw RawClient.ClientError("\(method) \(path): \(reply.status) \(reply.text)") }
            return reply.body.isEmpty ? [:] : try reply.json()
        }

        let webhook = try expect(
            201, "POST", "/v1/webhooks", ["url": "http://127.0.0.1:\(receiverPort)/hooks/crm", "events": ["customer.created"]])
        let webhookID = try XCTUnwrap(webhook["id"] as? Int)
        let secret = try XCTUnwrap(webhook["secret"] as? String)
        let early = try XCTUnwrap(try expect(201, "POST", "/v1/customers", ["type": "person", "name": "Before the crash"])["id"] as? Int)

        // The first attempt is refused and recorded; the delivery stays pending.
        var failed: [String: Any] = [:]
        let attempted = try eventually(timeout: 5) {
            failed = (try expect(200, "GET", "/v1/webhooks/\(webhookID)/deliveries")["data"] as? [[String: Any]])?.first ?? [:]
            return (failed["attempts"] as? Int ?? 0) >= 1
        }
        XCTAssertTrue(attempted, "\(failed)")
        XCTAssertEqual(failed["status"] as? String, "pending")
        XCTAssertNotNil(failed["last_error"] as? String, "\(failed)")
        let earlyEvent = try XCTUnwrap(failed["event_id"] as? String)

        // A second event is acknowledged and the process is killed at once: no graceful anything.
        let late = try XCTUnwrap(
            try expect(201, "POST", "/v1/customers", ["type": "person", "name": "Just before the crash"])["id"] as? Int)
        first.kill9()
        firstAlive = false
        XCTAssertEqual(first.process.terminationReason, .uncaughtSignal)

        // Now the receiver is up, and the server restarts on the same database and key file.
        let receiver = try WebhookReceiver(port: receiverPort)
        defer { receiver.stop() }
        let second = try ServerProcess(binary: binary, arguments: arguments)
        defer { second.stop() }
        XCTAssertNil(second.bootstrapKey, "the database already has a key")
        client = try RawClient(port: second.port)

        let requests = receiver.waitFor(2, timeout: 10)
        XCTAssertEqual(requests.count, 2, "both pending deliveries arrive after the restart: \(second.log)")
        var byCustomer: [Int: (event: String, request: WebhookReceiver.Request)] = [:]
        for request in requests {
            let body = try request.json()
            XCTAssertEqual(body["type"] as? String, "customer.created")
            if let id = (body["data"] as? [String: Any])?["id"] as? Int, let event = body["id"] as? String {
                byCustomer[id] = (event, request)
            }
            // Signed with the secret shown before the crash: the sealed secret opens after it.
            let header = request.header("CRM-Signature") ?? ""
            let time = header.split(separator: ",").first { $0.hasPrefix("t=") }.map { String($0.dropFirst(2)) } ?? ""
            let expected = HMACSHA256.authenticationCode(for: Array("\(time).".utf8) + request.body, key: Array(secret.utf8)).hexString
            XCTAssertEqual(header, "t=\(time),v1=\(expected)")
        }
        XCTAssertEqual(Set(byCustomer.keys), [early, late])
        XCTAssertEqual(byCustomer[early]?.event, earlyEvent, "the same event id as before the crash")

        var list: [[String: Any]] = []
        let settled = try eventually(timeout: 5) {
            list = try expect(200, "GET", "/v1/webhooks/\(webhookID)/deliveries")["data"] as? [[String: Any]] ?? []
            return list.count == 2 && list.allSatisfy { $0["status"] as? String == "delivered" }
        }
        XCTAssertTrue(settled, "\(list)")
        XCTAssertEqual(list.count, 2)
        XCTAssertEqual(Set(list.compactMap { $0["event_id"] as? String }), Set(byCustomer.values.map(\.event)))
        let earlyDelivery = list.first { $0["event_id"] as? String == earlyEvent }
        XCTAssertGreaterThanOrEqual(earlyDelivery?["attempts"] as? Int ?? 0, 2, "\(list)")
        XCTAssertEqual(earlyDelivery?["last_status_code"] as? Int, 200)
        // Delivered once each: nothing is sent again.
        XCTAssertEqual(receiver.requests.count, 2)
    }
}
