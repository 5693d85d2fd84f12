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
}

private final class Box: @unchecked Sendable {
    // @unchecked Sendable: written by one thread before it signals, read after the wait.
    var number: Int64?
}
