import Foundation
import XCTest

/// `GET /v1/changes?wait=`: long polls that answer as soon as a matching write commits, after
/// about the wait when nothing comes, and lose nothing while several writers write at once.
final class ChangeFeedLongPollTests: CustomerTestCase {
    private var auth: [(String, String)] { [("Authorization", "Bearer \(server.adminKey)")] }

    /// The newest seq in the feed now.
    private func lastSeq() throws -> Int {
        var after = 0
        while true {
            let page = try api.feed([("after", String(after)), ("limit", "200")])
            after = page.nextAfter
            if !page.hasMore { return after }
        }
    }

    func testFourWritersAndALongPollingConsumerSeeEveryAcknowledgedWriteExactlyOnce() throws {
        let writers = 4
        let perWriter = 40
        let port = server.port
        let key = server.adminKey
        let acknowledged = Locked<[Int]>([])
        let failures = Locked<[String]>([])
        let finished = DispatchGroup()
        for writer in 0..<writers {
            finished.enter()
            Thread {
                defer { finished.leave() }
                do {
                    let client = try RawClient(port: port)
                    for index in 0..<perWriter {
                        let reply = try client.request(
                            "POST", "/v1/customers", headers: [("Authorization", "Bearer \(key)")],
                            body: jsonText(["type": "person", "name": "Writer \(writer) customer \(index)"]))
                        if reply.status == 201, let id = try reply.json()["id"] as? Int {
                            acknowledged.withLock { $0.append(id) }
                        } else {
                            failures.withLock { $0.append("\(reply.status) \(reply.text)") }
                        }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            .start()
        }

        // The consumer follows next_after with long polls until the writers are done and it has
        // seen what they were told was written.
        let consumer = try APISession(server)
        var entries: [[String: Any]] = []
        var after = 0
        var polls = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            // Every create seen (the writers may not have read their last 201 yet), or every write
            // answered and so everything acknowledged committed: no need to wait any more.
            if entries.count >= writers * perWriter { break }
            let answered = acknowledged.current
            let writing = answered.count + failures.current.count < writers * perWriter
            if !writing, Set(entries.compactMap { $0["id"] as? Int }).isSuperset(of: answered) { break }
            let page = try consumer.feed([("after", String(after)), ("limit", "37"), ("wait", writing ? "2" : "0")])
            polls += 1
            XCTAssertLessThanOrEqual(page.entries.count, 37)
            entries += page.entries
            if let last = page.seqs.last { XCTAssertEqual(page.nextAfter, last) } else { XCTAssertEqual(page.nextAfter, after) }
            after = page.nextAfter
        }
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success, "the writers finish")
        XCTAssertEqual(failures.current, [])
        // Nothing more is there once everything acknowledged was seen.
        XCTAssertEqual(try consumer.feed([("after", String(after))]).entries.count, 0)

        let ids = acknowledged.current
        XCTAssertEqual(ids.count, writers * perWriter)
        let seen = entries.compactMap { $0["id"] as? Int }
        XCTAssertEqual(seen.count, entries.count)
        XCTAssertEqual(Set(seen).count, seen.count, "no write seen twice")
        XCTAssertEqual(Set(seen), Set(ids), "every acknowledged write seen")
        XCTAssertEqual(Set(entries.compactMap { $0["type"] as? String }), ["customer.created"])
        let seqs = entries.compactMap { $0["seq"] as? Int }
        XCTAssertEqual(seqs, Array(1..<(1 + seqs.count)), "seqs strictly increasing with no gap")
        // Each writer's own creates are in the order it made them.
        for writer in 0..<writers {
            let names = entries.compactMap { ($0["data"] as? [String: Any])?["name"] as? String }.filter {
                $0.hasPrefix("Writer \(writer) ")
            }
            XCTAssertEqual(names, (0..<perWriter).map { "Writer \(writer) customer \($0)" })
        }
        XCTAssertLessThan(polls, 200, "long polls, not a busy loop")
    }

    func testAWaitingPollAnswersPromptlyAfterAMatchingWriteFromAnotherConnection() throws {
        let after = try lastSeq()
        let consumer = try server.client(timeout: 15)
        let sent = Date()
        try consumer.send(RawClient.format("GET", "/v1/changes?after=\(after)&wait=10", headers: auth))
        try server.waitForParkedLongPolls(1)

        let id = try api.createPerson("Written while someone waits")
        let written = Date()
        let reply = try consumer.readResponse()
        let answered = Date()
        XCTAssertEqual(reply.status, 200, reply.text)
        let page = try FeedPage(reply)
        XCTAssertEqual(page.entries.compactMap { $0["id"] as? Int }, [id])
        XCTAssertEqual(page.entries.first?["type"] as? String, "customer.created")
        XCTAssertEqual(page.nextAfter, after + 1)
        XCTAssertLessThan(answered.timeIntervalSince(written), 0.5, "answered well under a second after the write")
        XCTAssertLessThan(answered.timeIntervalSince(sent), 5, "not at the end of the wait")
        XCTAssertEqual(try server.gauge("crm_feed_waiters"), 0)

        // The same with types naming the written resource, and a write that commits several
        // entries at once (an order also updates its customer's metrics).
        try consumer.send(RawClient.format("GET", "/v1/changes?after=\(page.nextAfter)&types=order&wait=10", headers: auth))
        try server.waitForParkedLongPolls(1)
        let order = try api.created(
            "/v1/orders", ["customer_id": id, "amount": 100, "currency": "CNY", "ordered_at": "2026-01-01T00:00:00.000Z"])
        let orderWritten = Date()
        let orderPage = try FeedPage(try consumer.readResponse())
        XCTAssertLessThan(Date().timeIntervalSince(orderWritten), 0.5)
        XCTAssertEqual(orderPage.entries.compactMap { $0["type"] as? String }, ["order.created"])
        XCTAssertEqual(canonicalJSON(orderPage.entries.first?["data"]), canonicalJSON(order))
    }

    func testAnIdleWaitEndsAfterAboutTheWaitWithAnEmptyPage() throws {
        _ = try api.createPerson("Already there")
        let after = try lastSeq()
        for wait in ["0.5", "0.25"] {
            let started = Date()
            let page = try api.feed([("after", String(after)), ("wait", wait)])
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertTrue(page.entries.isEmpty)
            XCTAssertEqual(page.nextAfter, after)
            XCTAssertFalse(page.hasMore)
            XCTAssertGreaterThanOrEqual(elapsed, Double(wait)! - 0.1, "wait=\(wait)")
            XCTAssertLessThan(elapsed, Double(wait)! + 1.5, "wait=\(wait)")
        }
        // wait=0 answers at once.
        let started = Date()
        XCTAssertTrue(try api.feed([("after", String(after)), ("wait", "0")]).entries.isEmpty)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.2)
        // The connection is still usable after a long poll.
        XCTAssertEqual(try api.send("GET", "/v1/customers").status, 200)
    }

    func testAWriteTheQueryDoesNotAskForDoesNotEndTheWaitEarly() throws {
        let customer = try api.createPerson("Ticket owner")
        let after = try lastSeq()
        let consumer = try server.client(timeout: 15)
        let sent = Date()
        try consumer.send(RawClient.format("GET", "/v1/changes?after=\(after)&types=ticket&wait=1", headers: auth))
        try server.waitForParkedLongPolls(1)
        _ = try api.createPerson("Not a ticket")
        try api.expecting(200, "PATCH", "/v1/customers/\(customer)", json: ["title": "Still not a ticket"])
        let reply = try consumer.readResponse()
        let elapsed = Date().timeIntervalSince(sent)
        let page = try FeedPage(reply)
        XCTAssertTrue(page.entries.isEmpty, "\(page.entries)")
        XCTAssertEqual(page.nextAfter, after, "an empty page keeps the position")
        XCTAssertGreaterThanOrEqual(elapsed, 0.9, "the customers did not end the wait")
        XCTAssertLessThan(elapsed, 2.5)

        // A ticket does, at once; the page holds only the ticket.
        try consumer.send(RawClient.format("GET", "/v1/changes?after=\(after)&types=ticket,feedback&wait=10", headers: auth))
        try server.waitForParkedLongPolls(1)
        let ticket = try api.created("/v1/tickets", ["customer_id": customer, "subject": "Finally a ticket"])
        let written = Date()
        let ticketPage = try FeedPage(try consumer.readResponse())
        XCTAssertLessThan(Date().timeIntervalSince(written), 0.5)
        XCTAssertEqual(ticketPage.entries.compactMap { $0["type"] as? String }, ["ticket.created"])
        XCTAssertEqual(ticketPage.entries.first?["id"] as? Int, ticket["id"] as? Int)
    }

    func testManyWaitersAtDifferentPositionsAreEachAnsweredWithTheirOwnPage() throws {
        _ = try api.createPerson("First")
        let first = try lastSeq()
        // Three consumers: one behind (answered at once), two caught up (customer, ticket).
        let behind = try server.client(timeout: 15)
        try behind.send(RawClient.format("GET", "/v1/changes?after=0&wait=10", headers: auth))
        XCTAssertEqual(try FeedPage(try behind.readResponse()).seqs, Array(1...first))
        let customers = try server.client(timeout: 15)
        let tickets = try server.client(timeout: 15)
        try customers.send(RawClient.format("GET", "/v1/changes?after=\(first)&types=customer&wait=10", headers: auth))
        try tickets.send(RawClient.format("GET", "/v1/changes?after=\(first)&types=ticket&wait=1", headers: auth))
        try server.waitForParkedLongPolls(2)
        let id = try api.createPerson("Second")
        let customerPage = try FeedPage(try customers.readResponse())
        XCTAssertEqual(customerPage.entries.compactMap { $0["id"] as? Int }, [id])
        // The ticket consumer is still waiting.
        XCTAssertEqual(try server.gauge("crm_feed_waiters"), 1)
        let ticketPage = try FeedPage(try tickets.readResponse())
        XCTAssertTrue(ticketPage.entries.isEmpty)
    }

    func testParkedLongPollsHoldNoThreadAndAreAllAnsweredByOneWrite() throws {
        _ = try api.createPerson("Ada Lovelace")
        let after = try lastSeq()
        // More long polls than the server has worker threads and event loops together.
        var consumers: [RawClient] = []
        for _ in 0..<12 {
            let consumer = try server.client(timeout: 15)
            try consumer.send(RawClient.format("GET", "/v1/changes?after=\(after)&wait=20", headers: auth))
            consumers.append(consumer)
        }
        try server.waitForParkedLongPolls(12)
        // Requests that need a worker thread (full-text search, export) still run at once.
        for path in ["/v1/customers?q=Ada", "/v1/customers/export?format=ndjson", "/v1/customers", "/v1/changes?after=0"] {
            let started = Date()
            let reply = try api.send("GET", path)
            XCTAssertEqual(reply.status, 200, "\(path): \(reply.text)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 0.5, path)
        }
        let id = try api.createPerson("Wakes everyone")
        let written = Date()
        for consumer in consumers {
            let page = try FeedPage(try consumer.readResponse())
            XCTAssertEqual(page.entries.compactMap { $0["id"] as? Int }, [id])
        }
        XCTAssertLessThan(Date().timeIntervalSince(written), 1, "all twelve answered promptly")
        XCTAssertEqual(try server.gauge("crm_feed_waiters"), 0)
    }

    func testShutdownAnswersAParkedLongPollAtOnce() throws {
        let after = try lastSeq()
        let consumer = try server.client(timeout: 15)
        try consumer.send(RawClient.format("GET", "/v1/changes?after=\(after)&wait=30", headers: auth))
        try server.waitForParkedLongPolls(1)
        let started = Date()
        server.stop()
        let reply = try consumer.readResponse()
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertTrue(try FeedPage(reply).entries.isEmpty)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "shutdown does not wait for the long poll")
        server = nil
    }
}
