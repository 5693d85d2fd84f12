import Foundation
import XCTest

@testable import API

/// Long work runs on a bounded pool: a full queue refuses at once instead of growing.
final class WorkerPoolTests: XCTestCase {
    func testAFullQueueRefusesAndEveryAcceptedJobRuns() {
        let pool = WorkerPool(threads: 1, queueLimit: 2)
        defer { pool.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        done.enter()
        XCTAssertTrue(
            pool.submit {
                started.signal()
                gate.wait()
                done.leave()
            })
        started.wait()
        for _ in 0..<2 {
            done.enter()
            XCTAssertTrue(pool.submit { done.leave() })
        }
        XCTAssertEqual(pool.waiting, 2)
        XCTAssertFalse(pool.submit {}, "the queue holds two jobs already")
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(pool.waiting, 0)
    }

    func testEveryThreadRunsItsStartHookFirst() {
        let count = Counter()
        let ready = DispatchSemaphore(value: 0)
        let pool = WorkerPool(threads: 3, queueLimit: 8) {
            count.add()
            ready.signal()
        }
        defer { pool.shutdown() }
        for _ in 0..<3 { XCTAssertEqual(ready.wait(timeout: .now() + 5), .success) }
        XCTAssertEqual(count.value, 3)
    }

    func testAStoppedPoolRefusesWork() {
        let pool = WorkerPool(threads: 1, queueLimit: 1)
        pool.shutdown()
        XCTAssertFalse(pool.submit {})
    }
}

private final class Counter: @unchecked Sendable {
    // @unchecked Sendable: `number` is only touched under `lock`.
    private let lock = NSLock()
    private var number = 0
    func add() { lock.withLock { number += 1 } }
    var value: Int { lock.withLock { number } }
}
