import Foundation
import Postgres
import PostgresTestSupport
import Synchronization
import XCTest

final class ConnectionPoolTests: PostgresTestCase {
    func testConnectionsOpenLazilyAndAreReused() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 3)
        XCTAssertEqual(pool.openCount, 0)
        var processIDs: Set<Int32> = []
        for _ in 0..<5 {
            try pool.withConnection { processIDs.insert($0.backendProcessID) }
        }
        XCTAssertEqual(processIDs.count, 1, "one borrower at a time needs one connection")
        XCTAssertEqual(pool.openCount, 1)
        XCTAssertEqual(pool.busyCount, 0)
    }

    func testACheckoutGivesUpAtItsDeadline() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 1)
        try pool.withConnection { _ in
            let started = ContinuousClock.now
            XCTAssertThrowsError(try pool.withConnection(deadline: started + .milliseconds(200)) { _ in }) { error in
                let error = error as? PostgresError
                XCTAssertEqual(error?.sqlState, PostgresError.tooManyConnections)
                XCTAssertEqual(error?.isUnavailable, true)
            }
            let elapsed = ContinuousClock.now - started
            XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(200))
            XCTAssertLessThan(elapsed, .seconds(1))
        }
        XCTAssertEqual(try pool.withConnection(deadline: .now + .milliseconds(200)) { try $0.queryOne("SELECT 1")?.int(0) }, 1)
    }

    func testAWaitingBorrowerGetsTheConnectionWhenItIsReturned() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 1)
        let borrowed = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? pool.withConnection { _ in
                borrowed.signal()
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        holder.start()
        XCTAssertEqual(borrowed.wait(timeout: .now() + 5), .success)
        let started = ContinuousClock.now
        XCTAssertEqual(try pool.withConnection(deadline: started + .seconds(5)) { try $0.queryOne("SELECT 2")?.int(0) }, 2)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }

    func testManyThreadsShareAFewConnections() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 3)
        try pool.withConnection { try $0.execute("CREATE TABLE hits(thread int, n int)") }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for n in 0..<20 {
                do {
                    try pool.withConnection(deadline: .now + .seconds(10)) {
                        try $0.run("INSERT INTO hits VALUES ($1, $2)", [.integer(Int64(thread)), .integer(Int64(n))])
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        XCTAssertLessThanOrEqual(pool.openCount, 3)
        XCTAssertEqual(try pool.withConnection { try $0.queryOne("SELECT count(*) FROM hits")?.int(0) }, 160)
    }

    func testAReturnedConnectionIsClearedForTheNextBorrower() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 1)
        try pool.withConnection { connection in
            try connection.execute("CREATE TABLE t(x int)")
            try connection.execute("BEGIN")
            try connection.run("INSERT INTO t VALUES (1)")
            try connection.listen("left_behind")
            XCTAssertTrue(try connection.tryAdvisoryLock(5))
        }
        let other = try connect()
        XCTAssertTrue(try other.tryAdvisoryLock(5), "the session lock was released")
        try pool.withConnection { connection in
            XCTAssertEqual(connection.transactionStatus, .idle)
            XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM t")?.int(0), 0, "the open transaction was rolled back")
            XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM pg_listening_channels()")?.int(0), 0)
        }
    }

    func testATransactionThroughThePoolRetries() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 2)
        try pool.withConnection { try $0.execute("CREATE TABLE counter(id int PRIMARY KEY, value int); INSERT INTO counter VALUES (1, 0)") }
        let other = try connect()
        var attempts = 0
        try pool.transaction(.serializable) { connection in
            attempts += 1
            let value = try XCTUnwrap(try connection.queryOne("SELECT value FROM counter WHERE id = 1")?.int64(0))
            if attempts == 1 { try other.run("UPDATE counter SET value = value + 10 WHERE id = 1") }
            try connection.run("UPDATE counter SET value = $1 WHERE id = 1", [.integer(value + 1)])
        }
        XCTAssertEqual(attempts, 2)
        XCTAssertEqual(try other.queryOne("SELECT value FROM counter")?.int(0), 11)
    }

    func testAClosedPoolRefusesBorrowers() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 1)
        try pool.withConnection { _ in }
        pool.close()
        XCTAssertEqual(pool.openCount, 0)
        XCTAssertThrowsError(try pool.withConnection { _ in }) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, PostgresError.connectionClosed)
        }
    }

    /// The server stops as if it crashed and starts again: while it is down borrowers fail at once
    /// as unavailable, and afterwards the pool lends working connections, without being recreated.
    func testThePoolRecoversAfterTheServerRestarts() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 2, checkoutTimeout: .seconds(2))
        let held = try connect()
        // Two idle connections that will be dead after the restart.
        try pool.withConnection { first in
            try pool.withConnection { second in
                XCTAssertNotEqual(first.backendProcessID, second.backendProcessID)
            }
        }
        XCTAssertEqual(pool.openCount, 2)

        try cluster.stopImmediately()
        do {
            let started = ContinuousClock.now
            XCTAssertThrowsError(try pool.withConnection { try $0.queryOne("SELECT 1") }) { error in
                XCTAssertEqual((error as? PostgresError)?.isUnavailable, true, "\(error)")
            }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(1), "refused at once, not at the deadline")
            XCTAssertThrowsError(try held.queryOne("SELECT 1")) { error in
                XCTAssertEqual((error as? PostgresError)?.isUnavailable, true, "\(error)")
            }
            XCTAssertTrue(held.isBroken)
        }
        try cluster.start()

        for _ in 0..<3 {
            XCTAssertEqual(try pool.withConnection { try $0.queryOne("SELECT 1")?.int(0) }, 1)
        }
        try pool.withConnection { first in
            try pool.withConnection { second in
                XCTAssertEqual(try second.queryOne("SELECT 2")?.int(0), 2)
            }
            XCTAssertEqual(try first.queryOne("SELECT 3")?.int(0), 3)
        }
        XCTAssertEqual(pool.openCount, 2)
    }

    func testAConnectionThatBreaksWhileLentIsNotLentAgain() throws {
        let pool = try ConnectionPool(configuration, maximumCount: 1)
        let administrator = try connect()
        let firstProcess = try pool.withConnection { connection -> Int32 in
            try administrator.run("SELECT pg_terminate_backend($1)", [.integer(Int64(connection.backendProcessID))])
            XCTAssertThrowsError(try connection.queryOne("SELECT 1"))
            return connection.backendProcessID
        }
        XCTAssertEqual(pool.openCount, 0, "closed on return")
        let secondProcess = try pool.withConnection { $0.backendProcessID }
        XCTAssertNotEqual(firstProcess, secondProcess)
    }
}
