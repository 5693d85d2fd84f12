import Crypto
import Foundation
import XCTest

/// Webhook deliveries to real receivers on 127.0.0.1 (API.md §2, "webhooks"): signed bodies,
/// retries on the backoff schedule with the same event id, the deliveries list, and a receiver
/// that hangs slowing down nobody else.
final class WebhookDeliveryTests: XCTestCase {
    static let backoffMilliseconds = 150

    var server: TestServer!
    var api: APISession!
    var receivers: [WebhookReceiver] = []

    override func setUpWithError() throws {
        server = try TestServer {
            $0.allowPrivateWebhooks = true
            $0.webhookBackoff = .milliseconds(Self.backoffMilliseconds)
        }
        api = try APISession(server)
    }

    override func tearDown() {
        // Receivers first: a hanging one would otherwise hold a sender, and so the server's
        // shutdown, until the delivery deadline.
        for receiver in receivers { receiver.stop() }
        server?.stop()
    }

    private func receiver(_ answer: @escaping @Sendable (Int) -> WebhookReceiver.Answer = { _ in .status(200) }) throws -> WebhookReceiver {
        let receiver = try WebhookReceiver(answer: answer)
        receivers.append(receiver)
        return receiver
    }

    /// Creates a webhook; its id and secret.
    private func webhook(_ url: String, events: [String]) throws -> (id: Int, secret: String) {
        let body = try api.created("/v1/webhooks", ["url": url, "events": events])
        return (try XCTUnwrap(body["id"] as? Int), try XCTUnwrap(body["secret"] as? String))
    }

    private func deliveries(_ webhook: Int) throws -> [[String: Any]] {
        try XCTUnwrap(try api.expecting(200, "GET", "/v1/webhooks/\(webhook)/deliveries")["data"] as? [[String: Any]])
    }

    /// Polls the deliveries list until `condition` holds for it; the list then.
    private func deliveries(
        _ webhook: Int, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line,
        until condition: ([[String: Any]]) -> Bool
    ) throws -> [[String: Any]] {
        var list: [[String: Any]] = []
        let held = try eventually(timeout: timeout) {
            list = try deliveries(webhook)
            return condition(list)
        }
        XCTAssertTrue(held, "deliveries never got there: \(list)", file: file, line: line)
        return list
    }

    /// Checks `CRM-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` with the
    /// test's own computation; the signed time.
    @discardableResult
    private func verifySignature(
        _ request: WebhookReceiver.Request, secret: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Int {
        let header = try XCTUnwrap(request.header("CRM-Signature"), "no CRM-Signature", file: file, line: line)
        var fields: [String: String] = [:]
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            XCTAssertEqual(pair.count, 2, header, file: file, line: line)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        XCTAssertEqual(Set(fields.keys), ["t", "v1"], header, file: file, line: line)
        let time = try XCTUnwrap(fields["t"].flatMap { Int($0) }, header, file: file, line: line)
        XCTAssertLessThan(
            abs(Double(time) - Date().timeIntervalSince1970), 60, "t is the unix time in seconds: \(header)", file: file, line: line)
        let expected = HMACSHA256.authenticationCode(for: Array("\(time).".utf8) + request.body, key: Array(secret.utf8)).hexString
        XCTAssertEqual(fields["v1"], expected, "the signature is HMAC-SHA256(secret, t + \".\" + body)", file: file, line: line)
        let other = HMACSHA256.authenticationCode(for: Array("\(time).".utf8) + request.body, key: Array("whsec_other".utf8)).hexString
        XCTAssertNotEqual(fields["v1"], other, file: file, line: line)
        return time
    }

    func testTheTestsHMACMatchesRFC4231() {
        // The signature checks below are only as good as this: RFC 4231 test case 2.
        XCTAssertEqual(
            HMACSHA256.authenticationCode(for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)).hexString,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testADeliveryIsSignedAndCarriesTheEventAsTheFeedHasIt() throws {
        let receiver = try receiver()
        let hook = try webhook(receiver.url, events: ["customer.created"])
        let customer = try api.created("/v1/customers", ["type": "person", "name": "Ada Lovelace", "email": "ada@example.com"])
        let id = try XCTUnwrap(customer["id"] as? Int)

        let requests = receiver.waitFor(1)
        let request = try XCTUnwrap(requests.first, "the receiver got nothing")
        XCTAssertEqual(request.target, "/hooks/crm")
        XCTAssertEqual(request.header("Content-Type")?.hasPrefix("application/json"), true)
        try verifySignature(request, secret: hook.secret)

        let body = try request.json()
        XCTAssertEqual(Set(body.keys), ["id", "type", "occurred_at", "data"])
        let eventID = try XCTUnwrap(body["id"] as? String)
        XCTAssertFalse(eventID.isEmpty)
        XCTAssertEqual(body["type"] as? String, "customer.created")
        XCTAssertEqual(canonicalJSON(body["data"]), canonicalJSON(customer), "data is the record as the API answered it")
        let entry = try XCTUnwrap(try api.wholeFeed().first { $0["type"] as? String == "customer.created" && $0["id"] as? Int == id })
        XCTAssertEqual(body["occurred_at"] as? String, entry["occurred_at"] as? String)
        XCTAssertEqual(canonicalJSON(body["data"]), canonicalJSON(entry["data"]))

        // Only what the webhook asked for: an update is not delivered, a second create is.
        try api.expecting(200, "PATCH", "/v1/customers/\(id)", json: ["title": "Countess"])
        let second = try api.createPerson("Charles Babbage")
        let both = receiver.waitFor(2)
        XCTAssertEqual(both.count, 2)
        let secondBody = try both[1].json()
        XCTAssertEqual((secondBody["data"] as? [String: Any])?["id"] as? Int, second)
        XCTAssertNotEqual(secondBody["id"] as? String, eventID, "each event has its own id")
        try verifySignature(both[1], secret: hook.secret)

        let list = try deliveries(hook.id) { $0.count == 2 && $0.allSatisfy { $0["status"] as? String == "delivered" } }
        XCTAssertEqual(
            list.compactMap { $0["event_id"] as? String }, [secondBody["id"] as? String, eventID].compactMap { $0 }, "newest first")
        for delivery in list {
            XCTAssertEqual(delivery["type"] as? String, "customer.created")
            XCTAssertEqual(delivery["attempts"] as? Int, 1)
            XCTAssertEqual(delivery["last_status_code"] as? Int, 200)
            XCTAssertTrue(delivery["last_error"] is NSNull, "\(delivery)")
            XCTAssertTrue(delivery["next_attempt_at"] is NSNull, "\(delivery)")
            XCTAssertNotNil((delivery["created_at"] as? String).flatMap(rfc3339Milliseconds), "\(delivery)")
            XCTAssertNotNil(delivery["id"] as? Int)
        }
        // The list pages like every other.
        let first = try api.expecting(200, "GET", "/v1/webhooks/\(hook.id)/deliveries?limit=1")
        XCTAssertEqual((first["data"] as? [[String: Any]])?.first?["event_id"] as? String, secondBody["id"] as? String)
        XCTAssertEqual(first["has_more"] as? Bool, true)
        let cursor = try XCTUnwrap(first["next_cursor"] as? String)
        let rest = try api.expecting(200, "GET", "/v1/webhooks/\(hook.id)/deliveries?limit=1&cursor=\(cursor)")
        XCTAssertEqual((rest["data"] as? [[String: Any]])?.first?["event_id"] as? String, eventID)
        XCTAssertEqual(rest["has_more"] as? Bool, false)
        XCTAssertEqual(receiver.requests.count, 2, "nothing else was sent")
    }

    func testAWebhookSubscribedToAnEventAndToEverythingGetsEachEventOnce() throws {
        let everything = try receiver()
        let both = try webhook(everything.url, events: ["customer.created", "*"])
        let createdOnly = try receiver()
        let second = try webhook(createdOnly.url, events: ["customer.created"])
        let id = try api.createPerson("Grace Hopper")
        for hook in [both.id, second.id] {
            let list = try deliveries(hook) { $0.count == 1 && $0[0]["status"] as? String == "delivered" }
            XCTAssertEqual(list.first?["type"] as? String, "customer.created")
        }
        let request = try XCTUnwrap(everything.waitFor(1).first)
        let data = try request.json()["data"] as? [String: Any]
        XCTAssertEqual(data?["id"] as? Int, id)
        // Wait past another delivery's time: a second copy would have arrived by now.
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(everything.requests.count, 1, "one delivery per event and webhook")
        XCTAssertEqual(try deliveries(both.id).count, 1)
    }

    func testAFailingReceiverIsRetriedAfterTheBackoffDoublingWithTheSameEventID() throws {
        let third = DispatchSemaphore(value: 0)
        let receiver = try receiver { index in
            if index == 2 { _ = third.wait(timeout: .now() + 10) }
            return .status(index < 2 ? 500 : 200)
        }
        let hook = try webhook(receiver.url, events: ["customer.created"])
        let customer = try api.created("/v1/customers", ["type": "company", "name": "Difference Engines"])

        let requests = receiver.waitFor(3)
        XCTAssertEqual(requests.count, 3, "two failures and a third attempt")
        // While the third is unanswered the list shows two failed attempts, pending.
        let pending = try XCTUnwrap(try deliveries(hook.id) { $0.first?["attempts"] as? Int == 2 }.first)
        XCTAssertEqual(pending["status"] as? String, "pending", "\(pending)")
        XCTAssertEqual(pending["last_status_code"] as? Int, 500, "\(pending)")
        XCTAssertTrue((pending["last_error"] as? String ?? "").contains("500"), "\(pending)")
        XCTAssertNotNil((pending["next_attempt_at"] as? String).flatMap(rfc3339Milliseconds), "\(pending)")
        third.signal()

        let delivered = try XCTUnwrap(try deliveries(hook.id) { $0.first?["status"] as? String == "delivered" }.first)
        XCTAssertEqual(delivered["attempts"] as? Int, 3, "\(delivered)")
        XCTAssertEqual(delivered["last_status_code"] as? Int, 200, "\(delivered)")
        XCTAssertTrue(delivered["next_attempt_at"] is NSNull, "\(delivered)")
        XCTAssertEqual(try deliveries(hook.id).count, 1, "one delivery, attempted three times")

        // The same event every time: same id, same bytes; each attempt signed.
        let bodies = try requests.map { try $0.json() }
        XCTAssertEqual(Set(bodies.compactMap { $0["id"] as? String }), [delivered["event_id"] as? String ?? "?"])
        XCTAssertEqual(Set(requests.map(\.body)).count, 1, "the body is byte for byte the same on every attempt")
        XCTAssertEqual(canonicalJSON(bodies[0]["data"]), canonicalJSON(customer))
        for request in requests { try verifySignature(request, secret: hook.secret) }

        // After the backoff, doubling: ≥ 150 ms, then ≥ 300 ms (the scheduler looks every 50 ms).
        let backoff = Double(Self.backoffMilliseconds) / 1000
        let firstGap = requests[1].receivedAt.timeIntervalSince(requests[0].receivedAt)
        let secondGap = requests[2].receivedAt.timeIntervalSince(requests[1].receivedAt)
        XCTAssertGreaterThanOrEqual(firstGap, backoff - 0.01)
        XCTAssertGreaterThanOrEqual(secondGap, 2 * backoff - 0.01)
        XCTAssertLessThan(firstGap, backoff + 1.5)
        XCTAssertLessThan(secondGap, 2 * backoff + 1.5)
        XCTAssertGreaterThan(secondGap, firstGap * 1.4, "the delay doubles")
    }

    func testAHangingReceiverDelaysNeitherAnotherWebhookNorTheAPI() throws {
        let stuck = try receiver { _ in .hang }
        let healthy = try receiver()
        let stuckHook = try webhook(stuck.url, events: ["*"])
        let healthyHook = try webhook(healthy.url, events: ["customer.created"])

        // The first create gets the stuck receiver holding connections open.
        _ = try api.createPerson("First")
        XCTAssertEqual(stuck.waitFor(1).count, 1, "the stuck receiver was called")
        var slowest = 0.0
        var ids: [Int] = []
        for index in 0..<6 {
            let started = Date()
            ids.append(try api.createPerson("Customer \(index)"))
            XCTAssertEqual(try api.send("GET", "/v1/customers/\(ids.last!)").status, 200)
            XCTAssertEqual(try api.send("GET", "/v1/changes?limit=5").status, 200)
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        XCTAssertLessThan(slowest, 0.5, "API requests are not held up by the hanging receiver")

        // Every create reaches the healthy receiver at once, in well under the 10 s deadline.
        let started = Date()
        let received = healthy.waitFor(7, timeout: 5)
        XCTAssertEqual(received.count, 7)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        let delivered = try received.compactMap { (try $0.json()["data"] as? [String: Any])?["id"] as? Int }
        XCTAssertEqual(Set(delivered).isSuperset(of: ids), true)
        _ = try deliveries(healthyHook.id) { $0.count == 7 && $0.allSatisfy { $0["status"] as? String == "delivered" } }

        // The stuck one has at most a couple of deliveries in flight, the rest wait.
        XCTAssertLessThanOrEqual(stuck.requests.count, 4, "at most four senders per webhook")
        let stuckList = try deliveries(stuckHook.id)
        XCTAssertGreaterThanOrEqual(stuckList.count, 7)
        XCTAssertTrue(stuckList.allSatisfy { $0["status"] as? String == "pending" }, "\(stuckList)")
    }

    func testABacklogForAHangingReceiverDoesNotStarveAnotherWebhook() throws {
        let stuck = try receiver { _ in .hang }
        _ = try webhook(stuck.url, events: ["*"])
        // A backlog builds up for the stuck receiver: four deliveries in flight, the rest due.
        for index in 0..<20 { _ = try api.createPerson("Backlog \(index)") }
        XCTAssertEqual(stuck.waitFor(4).count, 4)

        // A healthy webhook created afterwards gets its events at once all the same.
        let healthy = try receiver()
        let healthyHook = try webhook(healthy.url, events: ["customer.created"])
        let id = try api.createPerson("After the backlog")
        let received = healthy.waitFor(1, timeout: 3)
        let list = try deliveries(healthyHook.id)
        XCTAssertEqual(
            received.count, 1,
            "the healthy receiver got nothing within 3 s: it waits behind the stuck webhook's backlog (deliveries: \(list))")
        if let first = received.first { XCTAssertEqual((try first.json()["data"] as? [String: Any])?["id"] as? Int, id) }
    }

    func testDeletingAWebhookGivesUpItsPendingDeliveries() throws {
        // Nothing listens yet: the delivery is refused and stays pending.
        let port = try WebhookReceiver.unusedPort()
        let hook = try webhook("http://127.0.0.1:\(port)/hooks/crm", events: ["customer.created"])
        _ = try api.createPerson("Undeliverable for now")
        let pending = try deliveries(hook.id) { ($0.first?["attempts"] as? Int ?? 0) >= 1 }
        XCTAssertEqual(pending.first?["status"] as? String, "pending", "\(pending)")
        XCTAssertNotNil(pending.first?["last_error"] as? String, "\(pending)")
        XCTAssertNil(pending.first?["last_status_code"] as? Int, "no answer, no status code: \(pending)")
        XCTAssertEqual(try server.gauge("crm_webhook_outbox_pending"), 1)

        try api.expecting(204, "DELETE", "/v1/webhooks/\(hook.id)")
        XCTAssertEqual(try server.gauge("crm_webhook_outbox_pending"), 0, "the deleted webhook's delivery is given up")
        // A receiver that comes up now hears nothing, even after several backoffs.
        let late = try WebhookReceiver(port: port)
        receivers.append(late)
        XCTAssertEqual(late.waitFor(1, timeout: Double(Self.backoffMilliseconds) * 4 / 1000).count, 0)
    }

    func testADisabledWebhookGetsNothingUntilEnabledAgain() throws {
        let receiver = try receiver()
        let hook = try webhook(receiver.url, events: ["customer.created"])
        try api.expecting(200, "PATCH", "/v1/webhooks/\(hook.id)", json: ["enabled": false])
        _ = try api.createPerson("While disabled")
        // Outbox rows are written with the change: none for a disabled webhook.
        XCTAssertEqual(try deliveries(hook.id).count, 0)
        try api.expecting(200, "PATCH", "/v1/webhooks/\(hook.id)", json: ["enabled": true])
        let id = try api.createPerson("While enabled")
        let requests = receiver.waitFor(1)
        XCTAssertEqual(requests.count, 1)
        XCTAssertEqual((try requests.first?.json()["data"] as? [String: Any])?["id"] as? Int, id)
        _ = try deliveries(hook.id) { $0.count == 1 && $0.first?["status"] as? String == "delivered" }
        XCTAssertEqual(receiver.requests.count, 1)
    }
}
