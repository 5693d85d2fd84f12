import Foundation
import Synchronization
import XCTest

/// Two crm-server nodes on one PostgreSQL database, as behind a load balancer: what one writes the
/// other serves, the feed stays gap-free in commit order, a webhook delivery is sent by one node,
/// a long-poll on one wakes on a write through the other, a revoked key is refused by both.
final class TwoNodeTests: XCTestCase {
    private var first: TestServer!
    private var second: TestServer!

    override func setUpWithError() throws {
        try TestDatabase.requirePostgres("two nodes on one database")
        first = try TestServer { $0.allowPrivateWebhooks = true }
        second = try TestServer(joining: first) { $0.allowPrivateWebhooks = true }
    }

    override func tearDown() {
        second?.stop()
        first?.stop()
    }

    private static func request(
        _ server: TestServer, _ method: String, _ target: String, key: String? = nil, body: String? = nil, timeout: TimeInterval = 5
    ) throws -> RawClient.Reply {
        try server.client(timeout: timeout).request(
            method, target, headers: [("Authorization", "Bearer \(key ?? server.adminKey)")], body: body)
    }

    private static func createCustomer(_ server: TestServer, _ name: String) throws -> Int {
        let reply = try request(server, "POST", "/v1/customers", body: "{\"name\":\"\(name)\",\"type\":\"person\"}")
        guard reply.status == 201, let id = try reply.json()["id"] as? Int else {
            throw RawClient.ClientError("create failed: \(reply.status) \(reply.text)")
        }
        return id
    }

    /// Every feed entry from the start, page by page, through `server`.
    private func feed(_ server: TestServer) throws -> [(seq: Int, type: String, id: Int)] {
        var entries: [(seq: Int, type: String, id: Int)] = []
        var after = 0
        while true {
            let page = try Self.request(server, "GET", "/v1/changes?after=\(after)&limit=200").json()
            let data = try XCTUnwrap(page["data"] as? [[String: Any]])
            for entry in data {
                entries.append(
                    (entry["seq"] as? Int ?? -1, entry["type"] as? String ?? "", (entry["record_id"] ?? entry["id"]) as? Int ?? -1))
            }
            guard let next = page["next_after"] as? Int, !data.isEmpty else { return entries }
            after = next
        }
    }

    func testConcurrentWritersOnTwoNodesLeaveAGapFreeFeedInCommitOrder() throws {
        let perWriter = 25
        let servers: [TestServer] = [first, second, first, second]
        let created = Mutex<[Int]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: servers.count) { writer in
            for index in 0..<perWriter {
                do {
                    let id = try Self.createCustomer(servers[writer], "写手 \(writer)-\(index)")
                    created.withLock { $0.append(id) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        let ids = created.withLock { $0 }
        XCTAssertEqual(Set(ids).count, servers.count * perWriter, "every create got its own id")

        for server in [first!, second!] {
            let entries = try feed(server)
            XCTAssertEqual(
                entries.map(\.seq), Array(stride(from: 1, through: entries.count, by: 1)), "seqs run 1, 2, 3 … without a gap or a repeat")
            let createdEntries = entries.filter { $0.type == "customer.created" }
            XCTAssertEqual(createdEntries.map(\.id).sorted(), ids.sorted(), "each acknowledged create is in the feed once")
        }
    }

    func testWhatOneNodeWritesTheOtherServesAtOnce() throws {
        let id = try Self.createCustomer(first, "李娜")
        let reply = try Self.request(second, "GET", "/v1/customers/\(id)")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(try reply.json()["name"] as? String, "李娜")
        let patched = try Self.request(second, "PATCH", "/v1/customers/\(id)", body: "{\"city\":\"上海\"}")
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(try Self.request(first, "GET", "/v1/customers/\(id)").json()["city"] as? String, "上海")
    }

    func testARevokedKeyIsRefusedByTheOtherNodeAtItsNextRequest() throws {
        let created = try Self.request(first, "POST", "/v1/api-keys", body: "{\"name\":\"sales\",\"role\":\"sales\"}").json()
        let secret = try XCTUnwrap(created["secret"] as? String)
        let keyID = try XCTUnwrap(created["id"] as? Int)
        XCTAssertEqual(try Self.request(second, "GET", "/v1/customers", key: secret).status, 200)
        XCTAssertEqual(try Self.request(first, "DELETE", "/v1/api-keys/\(keyID)").status, 204)
        XCTAssertEqual(try Self.request(second, "GET", "/v1/customers", key: secret).status, 401)
    }

    func testALongPollOnOneNodeWakesOnAWriteThroughTheOther() throws {
        let before = try feed(first).count
        let answered = Mutex<(reply: RawClient.Reply?, seconds: Double)>((nil, 0))
        let poll = Thread { [second] in
            let started = Date()
            let reply = try? second!.client(timeout: 20).request(
                "GET", "/v1/changes?after=\(before)&wait=15", headers: [("Authorization", "Bearer \(second!.adminKey)")])
            answered.withLock { $0 = (reply, Date().timeIntervalSince(started)) }
        }
        poll.start()
        Thread.sleep(forTimeInterval: 0.5)
        let id = try Self.createCustomer(first, "王芳")
        let deadline = Date().addingTimeInterval(10)
        while answered.withLock({ $0.reply }) == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let (reply, seconds) = answered.withLock { $0 }
        let page = try XCTUnwrap(reply).json()
        let data = try XCTUnwrap(page["data"] as? [[String: Any]])
        XCTAssertEqual(data.compactMap { ($0["record_id"] ?? $0["id"]) as? Int }, [id])
        XCTAssertLessThan(seconds, 5, "woken by the other node's commit, not by the end of the wait")
    }

    func testEachWebhookDeliveryIsSentByOneNodeOnly() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let webhook = try Self.request(
            first, "POST", "/v1/webhooks", body: "{\"url\":\"http://127.0.0.1:\(receiver.port)/hook\",\"events\":[\"customer.created\"]}")
        XCTAssertEqual(webhook.status, 201, webhook.text)
        let count = 20
        for index in 0..<count { _ = try Self.createCustomer(index.isMultiple(of: 2) ? first : second, "收件 \(index)") }
        let received = receiver.waitFor(count, timeout: 20)
        XCTAssertEqual(received.count, count)
        // Both dispatchers poll; a delivery sent twice would arrive within their next rounds.
        Thread.sleep(forTimeInterval: 2)
        let all = receiver.waitFor(count, timeout: 0.1)
        let eventIDs = try all.map { try XCTUnwrap($0.json()["id"] as? String) }
        XCTAssertEqual(eventIDs.count, count, "no delivery was sent twice")
        XCTAssertEqual(Set(eventIDs).count, count)
    }

    func testDailyRunsOnBothNodesAtOnceActOnEachRecordOnce() throws {
        let automation = try Self.request(
            first, "POST", "/v1/automations",
            body: """
                {"name":"Birthdays","trigger":"schedule.daily","schedule":{"select":"birthday_today"},
                 "actions":[{"type":"create_task","title":"Happy birthday","kind":"care"}]}
                """)
        XCTAssertEqual(automation.status, 201, automation.text)
        let today = String(ISO8601DateFormatter().string(from: Date()).dropFirst(4).prefix(6))  // -MM-DD
        let count = 12
        for index in 0..<count {
            let reply = try Self.request(
                index.isMultiple(of: 2) ? first : second, "POST", "/v1/customers",
                body: "{\"name\":\"寿星 \(index)\",\"type\":\"person\",\"birthday\":\"1990\(today)\"}")
            XCTAssertEqual(reply.status, 201, reply.text)
        }
        let runs = Mutex<[Int]>([])
        let servers: [TestServer] = [first, second, first, second]
        DispatchQueue.concurrentPerform(iterations: servers.count) { index in
            let reply = try? Self.request(servers[index], "POST", "/v1/automations/run-daily", timeout: 30)
            runs.withLock { $0.append((try? reply?.json()["runs"] as? Int) ?? -1) }
        }
        XCTAssertEqual(runs.withLock { $0.reduce(0, +) }, count, "\(runs.withLock { $0 })")
        let tasks = try Self.request(first, "GET", "/v1/tasks?limit=200").json()["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(tasks.count, count, "one task per birthday, whichever node ran it")
    }

    func testPeriodicWorkRunsOnOneNodeAtATime() throws {
        let firstDatabase = first.application.database
        let secondDatabase = second.application.database
        let inner = try firstDatabase.onOneNode(.scoring) { try secondDatabase.onOneNode(.scoring) { "ran" } }
        XCTAssertEqual(inner, .some(nil), "the other node skips scoring while this one holds it")
        XCTAssertEqual(try secondDatabase.onOneNode(.scoring) { "ran" }, "ran", "and runs it once it is let go")
        XCTAssertEqual(
            try firstDatabase.onOneNode(.dailyAutomations) { try secondDatabase.onOneNode(.scoring) { "ran" } }, "ran",
            "another job is not held up")
    }
}
