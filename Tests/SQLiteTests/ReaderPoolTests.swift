import Foundation
import WriteQueue
import XCTest

@testable import SQLite

final class ReaderPoolTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var writer: Writer!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        writer = try Writer(path: directory.path())
        try writer.exclusive { connection in
            try connection.execute("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        }
        try writer.perform { try $0.run("INSERT INTO customers(name) VALUES (?)", ["张伟"]) }
    }

    override func tearDown() {
        writer?.close()
        writer = nil
        directory.remove()
    }

    private static func count(_ connection: Connection) throws -> Int {
        try connection.queryOne("SELECT count(*) FROM customers")?.int(0) ?? -1
    }

    func testReadersSeeOnlyCommittedData() throws {
        let pool = try ReaderPool(path: directory.path(), maximumCount: 2)
        let inserted = DispatchSemaphore(value: 0)
        let proceed = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        done.enter()
        writer.submit(
            { connection in
                try connection.run("INSERT INTO customers(name) VALUES (?)", ["李娜"])
                inserted.signal()
                proceed.wait()
            }, completion: { _ in done.leave() })

        inserted.wait()
        XCTAssertEqual(try pool.read(Self.count), 1, "the open batch transaction is invisible")
        proceed.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(try pool.read(Self.count), 2, "visible once committed")
    }

    func testAReadTransactionKeepsOneSnapshot() throws {
        let pool = try ReaderPool(path: directory.path(), maximumCount: 1)
        let writer = self.writer!
        try pool.read { connection in
            try connection.transaction(.deferred) {
                XCTAssertEqual(try Self.count(connection), 1)
                try writer.perform { try $0.run("INSERT INTO customers(name) VALUES (?)", ["王芳"]) }
                XCTAssertEqual(try Self.count(connection), 1, "same snapshot within the transaction")
            }
            XCTAssertEqual(try Self.count(connection), 2)
        }
    }

    func testPoolOpensAtMostMaximumCountConnections() throws {
        let pool = try ReaderPool(path: directory.path(), maximumCount: 2)
        XCTAssertEqual(pool.openCount, 0, "opened lazily")
        let peakBusy = GuardedState(0)
        let peakOpen = GuardedState(0)
        let reads = GuardedState(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<5 {
                let value = try? pool.read { connection -> Int in
                    peakBusy.withLock { $0 = max($0, pool.busyCount) }
                    peakOpen.withLock { $0 = max($0, pool.openCount) }
                    usleep(2_000)
                    return try Self.count(connection)
                }
                if value == 1 { reads.withLock { $0 += 1 } }
            }
        }
        XCTAssertEqual(reads.withLock { $0 }, 40)
        XCTAssertLessThanOrEqual(peakOpen.withLock { $0 }, 2)
        XCTAssertLessThanOrEqual(peakBusy.withLock { $0 }, 2)
        XCTAssertLessThanOrEqual(pool.openCount, 2)
        XCTAssertEqual(pool.busyCount, 0)
    }

    func testReaderConnectionsCannotWrite() throws {
        let pool = try ReaderPool(path: directory.path(), maximumCount: 1)
        XCTAssertThrowsError(
            try pool.read { try $0.run("INSERT INTO customers(name) VALUES ('x')") }
        ) { error in
            XCTAssertEqual((error as? SQLiteError)?.primaryCode, 8, "SQLITE_READONLY: \(error)")
        }
    }

    func testClosedPoolRefusesReads() throws {
        let pool = try ReaderPool(path: directory.path(), maximumCount: 2)
        XCTAssertEqual(try pool.read(Self.count), 1)
        XCTAssertEqual(pool.openCount, 1)
        pool.close()
        XCTAssertEqual(pool.openCount, 0)
        XCTAssertThrowsError(try pool.read(Self.count)) {
            XCTAssertEqual($0 as? SQLiteError, ReaderPool.closedError)
        }
        XCTAssertThrowsError(try ReaderPool(path: directory.path(), maximumCount: 0))
    }

    func testBackupIsACompleteConsistentCopy() throws {
        let writer = self.writer!
        try writer.perform { connection in
            for index in 0..<200 {
                try connection.run("INSERT INTO customers(name) VALUES (?)", [.text("客户 \(index)")])
            }
        }
        let backupPath = directory.path("backup.sqlite")
        try writer.exclusive { try $0.backup(to: backupPath) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: backupPath + ".partial"))

        // A backup taken by a reader while a write is in progress holds only committed rows.
        let pool = try ReaderPool(path: directory.path(), maximumCount: 1)
        let inserted = DispatchSemaphore(value: 0)
        let proceed = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        done.enter()
        writer.submit(
            { connection in
                try connection.run("INSERT INTO customers(name) VALUES (?)", ["uncommitted"])
                inserted.signal()
                proceed.wait()
            }, completion: { _ in done.leave() })
        inserted.wait()
        let readerBackupPath = directory.path("reader-backup.sqlite")
        try pool.read { try $0.backup(to: readerBackupPath) }
        proceed.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        for path in [backupPath, readerBackupPath] {
            let copy = try Connection(path: path)
            XCTAssertEqual(try copy.queryOne("PRAGMA integrity_check")?.string(0), "ok")
            XCTAssertEqual(try Self.count(copy), 201)
            XCTAssertEqual(try copy.queryOne("SELECT name FROM customers WHERE id = 2")?.string(0), "客户 0")
        }
    }
}
