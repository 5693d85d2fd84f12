import Foundation
import XCTest

@testable import SQLite

/// A thread that owns a reader uses it for every read and never waits for the pool.
final class OwnedReaderTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var path: String { directory.path("owned.sqlite") }

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        let writer = try Connection(path: path)
        try writer.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
        writer.close()
    }

    func testAnOwningThreadReadsWhileEveryPooledConnectionIsBorrowed() throws {
        let pool = try ReaderPool(path: path, maximumCount: 1)
        defer { pool.close() }
        let borrowed = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        // Another thread holds the pool's only connection.
        Thread {
            try? pool.read { _ in
                borrowed.signal()
                release.wait()
            }
        }.start()
        borrowed.wait()
        let answered = DispatchSemaphore(value: 0)
        let value = Box()
        Thread {
            try? pool.ownReader()
            value.number = (try? pool.read { try $0.queryOne("SELECT x FROM t")?.int64(0) }) ?? nil
            answered.signal()
        }.start()
        XCTAssertEqual(answered.wait(timeout: .now() + 5), .success, "the owning thread waited for the pool")
        XCTAssertEqual(value.number, 1)
        XCTAssertEqual(pool.openCount, 2)
        release.signal()
    }

    func testANestedReadOnAnOwningThreadBorrowsInstead() throws {
        let pool = try ReaderPool(path: path, maximumCount: 2)
        defer { pool.close() }
        try pool.ownReader()
        let nested = try pool.read { outer in
            try pool.read { inner in
                XCTAssertFalse(outer === inner)
                return try inner.queryOne("SELECT x FROM t")?.int64(0)
            }
        }
        XCTAssertEqual(nested, 1)
    }

    func testReadsInsideAHeldSnapshotUseTheOwnedConnectionAndSeeTheFirstRowsSnapshot() throws {
        let pool = try ReaderPool(path: path, maximumCount: 2)
        defer { pool.close() }
        try pool.ownReader()
        let writer = try Connection(path: path)
        defer { writer.close() }
        var holder: Connection?
        let (first, seen) = try pool.readHoldingSnapshot("SELECT x FROM t", { $0?.int64(at: 0) }) { first in
            // Committed after the snapshot was taken: the reads below must not see it.
            try writer.run("INSERT INTO t VALUES (2)")
            let seen = try pool.read { connection in
                holder = connection
                return try connection.queryOne("SELECT count(*) FROM t")?.int64(0)
            }
            // One read after another: the second gets the same connection and snapshot.
            let again = try pool.read { connection in
                XCTAssertTrue(connection === holder)
                return try connection.queryOne("SELECT max(x) FROM t")?.int64(0)
            }
            XCTAssertEqual(again, 1)
            return (first, seen)
        }
        XCTAssertEqual(first, 1)
        XCTAssertEqual(seen, 1)
        XCTAssertEqual(pool.openCount, 1, "reads in the snapshot borrowed from the pool")
        // Released: the next read is a new snapshot on the same connection.
        let after = try pool.read { connection in
            XCTAssertTrue(connection === holder)
            return try connection.queryOne("SELECT count(*) FROM t")?.int64(0)
        }
        XCTAssertEqual(after, 2)
    }

    func testAReadInsideAReadInAHeldSnapshotStillBorrows() throws {
        let pool = try ReaderPool(path: path, maximumCount: 2)
        defer { pool.close() }
        try pool.ownReader()
        let nested = try pool.readHoldingSnapshot("SELECT x FROM t", { $0?.int64(at: 0) }) { _ in
            try pool.read { outer in
                try pool.read { inner in
                    XCTAssertFalse(outer === inner)
                    return try inner.queryOne("SELECT x FROM t")?.int64(0)
                }
            }
        }
        XCTAssertEqual(nested, 1)
    }

    func testAHeldSnapshotWithoutAnOwnedConnectionReadsTheRowAndRunsTheBody() throws {
        let pool = try ReaderPool(path: path, maximumCount: 1)
        defer { pool.close() }
        let none = try pool.readHoldingSnapshot("SELECT x FROM t WHERE x > 5", { $0?.int64(at: 0) }) { value in
            // The pool's only connection is free again: `sql` was read on its own.
            XCTAssertEqual(pool.busyCount, 0)
            return try pool.read { _ in value }
        }
        XCTAssertNil(none)
    }
}

private final class Box: @unchecked Sendable {
    // @unchecked Sendable: written by one thread before it signals, read after the wait.
    var number: Int64?
}
