import Foundation
import Postgres
import PostgresTestSupport
import XCTest

final class AdvisoryLockTests: PostgresTestCase {
    private struct Boom: Error {}

    func testASessionLockKeepsOtherSessionsOutUntilUnlocked() throws {
        let first = try connect()
        let second = try connect()
        XCTAssertTrue(try first.tryAdvisoryLock(42))
        XCTAssertFalse(try second.tryAdvisoryLock(42))
        XCTAssertTrue(try second.tryAdvisoryLock(43), "another key is another lock")
        XCTAssertTrue(try first.advisoryUnlock(42))
        XCTAssertFalse(first.holdsSessionAdvisoryLocks)
        XCTAssertTrue(try second.tryAdvisoryLock(42))
        XCTAssertFalse(try first.advisoryUnlock(42), "not held by this session")
    }

    func testABlockingLockWaitsForTheHolder() throws {
        let first = try connect()
        try first.advisoryLock(7)
        let acquired = onAnotherConnection { connection -> Duration in
            let started = ContinuousClock.now
            try connection.advisoryLock(7)
            return ContinuousClock.now - started
        }
        Thread.sleep(forTimeInterval: 0.2)
        try first.advisoryUnlock(7)
        XCTAssertGreaterThanOrEqual(try acquired.wait(), .milliseconds(150), "it waited for the unlock")
    }

    func testWithAdvisoryLockReleasesTheLockWhenTheBodyThrows() throws {
        let first = try connect()
        let second = try connect()
        XCTAssertThrowsError(
            try first.withAdvisoryLock(9) {
                XCTAssertFalse(try second.tryAdvisoryLock(9))
                throw Boom()
            })
        XCTAssertTrue(try second.tryAdvisoryLock(9))
    }

    func testATransactionLockEndsWithTheTransaction() throws {
        let first = try connect()
        let second = try connect()
        try first.transaction {
            XCTAssertTrue(try first.tryTransactionAdvisoryLock(11))
            XCTAssertFalse(try second.tryAdvisoryLock(11))
            try second.transaction {
                XCTAssertFalse(try second.tryTransactionAdvisoryLock(11))
            }
        }
        XCTAssertTrue(try second.transaction { try second.tryTransactionAdvisoryLock(11) }, "released at COMMIT")
        XCTAssertThrowsError(try first.tryTransactionAdvisoryLock(11), "outside a transaction it would not hold")
    }
}
