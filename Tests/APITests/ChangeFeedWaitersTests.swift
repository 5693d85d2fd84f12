import CRM
import Foundation
import XCTest

@testable import API

/// The long-poll parking lot alone, with a fake feed: what wakes a waiter, what does not, and
/// the race between a request's first read and a commit.
final class ChangeFeedWaitersTests: XCTestCase {
    /// A feed whose entries the test sets; counts reads.
    private final class FakeFeed: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [ChangeFeed.Entry] = []
        private(set) var reads = 0

        func append(seq: Int64, recordType: String) {
            lock.withLock {
                entries.append(
                    ChangeFeed.Entry(seq: seq, type: "\(recordType).created", recordID: seq, occurredAt: "", data: nil))
            }
        }

        func page(_ query: ChangeFeed.Query) -> ChangeFeed.Page {
            lock.withLock {
                reads += 1
                let matching = entries.filter { $0.seq > query.after && query.matches(recordType: String($0.type.prefix { $0 != "." })) }
                return ChangeFeed.Page(
                    entries: Array(matching.prefix(query.limit)), hasMore: matching.count > query.limit,
                    nextAfter: matching.last?.seq ?? query.after)
            }
        }

        var readCount: Int { lock.withLock { reads } }
    }

    private final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private var pages: [ChangeFeed.Page] = []
        func add(_ page: ChangeFeed.Page) { lock.withLock { pages.append(page) } }
        var all: [ChangeFeed.Page] { lock.withLock { pages } }
    }

    private func wait(until condition: () -> Bool, seconds: Double = 2) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !condition() && Date() < deadline { usleep(2000) }
    }

    func testAMatchingCommitWakesTheWaiterAndAnOtherTypeDoesNot() {
        let feed = FakeFeed()
        let waiters = ChangeFeedWaiters(lastSeq: 0, threadStarted: {}, read: { feed.page($0) })
        defer { waiters.stop() }
        let answers = Answers()
        let query = ChangeFeed.Query(after: 0, types: ["ticket"], limit: 10)
        XCTAssertTrue(waiters.park(query, seconds: 10, seenUpTo: 0) { answers.add(try! $0.get()) })
        XCTAssertEqual(waiters.count, 1)

        feed.append(seq: 1, recordType: "customer")
        waiters.committed(through: 1, recordTypes: ["customer"])
        usleep(50_000)
        XCTAssertTrue(answers.all.isEmpty, "a customer change must not answer a ticket consumer")

        feed.append(seq: 2, recordType: "ticket")
        waiters.committed(through: 2, recordTypes: ["ticket"])
        wait(until: { !answers.all.isEmpty })
        XCTAssertEqual(answers.all.first?.entries.map(\.seq), [2])
        XCTAssertEqual(waiters.count, 0)
    }

    func testACommitBetweenTheFirstReadAndParkingIsNotMissed() {
        let feed = FakeFeed()
        let waiters = ChangeFeedWaiters(lastSeq: 0, threadStarted: {}, read: { feed.page($0) })
        defer { waiters.stop() }
        let answers = Answers()
        let seen = waiters.committedSeq
        // The request read an empty page; before it parks, a change commits and is reported.
        feed.append(seq: 1, recordType: "customer")
        waiters.committed(through: 1, recordTypes: ["customer"])
        XCTAssertTrue(
            waiters.park(ChangeFeed.Query(after: 0, types: [], limit: 10), seconds: 10, seenUpTo: seen) { answers.add(try! $0.get()) })
        wait(until: { !answers.all.isEmpty })
        XCTAssertEqual(answers.all.first?.entries.map(\.seq), [1])
    }

    func testTheDeadlineAnswersWithAnEmptyPage() {
        let feed = FakeFeed()
        let waiters = ChangeFeedWaiters(lastSeq: 5, threadStarted: {}, read: { feed.page($0) })
        defer { waiters.stop() }
        let answers = Answers()
        let started = Date()
        XCTAssertTrue(
            waiters.park(ChangeFeed.Query(after: 5, types: [], limit: 10), seconds: 0.2, seenUpTo: 5) { answers.add(try! $0.get()) })
        wait(until: { !answers.all.isEmpty })
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(answers.all.count, 1)
        XCTAssertEqual(answers.all.first?.entries.count, 0)
        XCTAssertEqual(answers.all.first?.nextAfter, 5)
        XCTAssertGreaterThanOrEqual(elapsed, 0.15)
        XCTAssertLessThan(elapsed, 1.5)
    }

    func testWaitersAtTheSamePositionShareOneRead() {
        let feed = FakeFeed()
        let waiters = ChangeFeedWaiters(lastSeq: 0, threadStarted: {}, read: { feed.page($0) })
        defer { waiters.stop() }
        let answers = Answers()
        for _ in 0..<200 {
            XCTAssertTrue(
                waiters.park(ChangeFeed.Query(after: 0, types: [], limit: 10), seconds: 10, seenUpTo: 0) { answers.add(try! $0.get()) })
        }
        feed.append(seq: 1, recordType: "order")
        waiters.committed(through: 1, recordTypes: ["order"])
        wait(until: { answers.all.count == 200 })
        XCTAssertEqual(answers.all.count, 200)
        XCTAssertLessThanOrEqual(feed.readCount, 3, "200 identical waiters should cost about one read")
    }

    func testStopAnswersEveryWaiterAndRefusesNewOnes() {
        let feed = FakeFeed()
        let waiters = ChangeFeedWaiters(lastSeq: 0, threadStarted: {}, read: { feed.page($0) })
        let answers = Answers()
        for _ in 0..<5 {
            XCTAssertTrue(
                waiters.park(ChangeFeed.Query(after: 0, types: [], limit: 10), seconds: 30, seenUpTo: 0) { answers.add(try! $0.get()) })
        }
        waiters.stop()
        XCTAssertEqual(answers.all.count, 5)
        XCTAssertFalse(waiters.park(ChangeFeed.Query(after: 0, types: [], limit: 10), seconds: 30, seenUpTo: 0) { _ in })
    }
}
