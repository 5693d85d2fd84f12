import Foundation
import WriteQueue
import XCTest

@testable import SQLite

/// The writer under storage faults: a full disk (`PRAGMA max_page_count` makes SQLite's
/// `SQLITE_FULL` deterministic) and a file removed or made read-only under it. A failed batch
/// leaves nothing behind, every job in it hears why, and the writer goes on once the fault is gone.
final class WriterFaultTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var writer: Writer!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        writer = try Writer(path: directory.path())
        try writer.exclusive { connection in
            try connection.execute("CREATE TABLE t(x INTEGER); CREATE TABLE log(note TEXT NOT NULL);")
        }
    }

    override func tearDown() {
        writer?.close()
        writer = nil
        directory.remove()
    }

    /// Holds the writer thread in a job until the returned gate opens, so the jobs submitted
    /// meanwhile all join that job's batch.
    private func blockWriter(done: DispatchGroup) -> DispatchSemaphore {
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        done.enter()
        writer.submit(
            { _ in
                started.signal()
                gate.wait()
            }, completion: { _ in done.leave() })
        started.wait()
        return gate
    }

    /// Lets the file grow by only `pages` more pages.
    private func limitGrowth(to pages: Int) throws {
        try writer.exclusive { connection in
            let count = try connection.queryOne("PRAGMA page_count")?.int(0) ?? 0
            try connection.execute("PRAGMA max_page_count = \(count + pages)")
        }
    }

    private func count(_ table: String) throws -> Int? {
        try writer.perform { try $0.queryOne("SELECT count(*) FROM \(table)")?.int(0) }
    }

    func testAFullDiskThatRollsTheBatchBackFailsEveryJobAndNoStatementRunsOutsideIt() throws {
        try limitGrowth(to: 2)
        let done = DispatchGroup()
        let gate = blockWriter(done: done)
        let results = GuardedState<[String: Result<Int, any Error>]>([:])
        let after = GuardedState<(any Error)?>(nil)
        let jobs: [(String, @Sendable (Connection) throws -> Int)] = [
            ("before", { try $0.run("INSERT INTO t(x) VALUES (1)") }),
            (
                "full",
                { connection in
                    // One large row without an index: SQLite rolls the whole transaction back.
                    do {
                        try connection.run("INSERT INTO log(note) VALUES (?)", [.text(String(repeating: "x", count: 100_000))])
                    } catch {
                        // A job that swallows the error and goes on must not write on its own.
                        do { try connection.run("INSERT INTO t(x) VALUES (2)") } catch { after.withLock { $0 = error } }
                    }
                    return 0
                }
            ),
            ("after", { try $0.run("INSERT INTO t(x) VALUES (3)") }),
        ]
        for (name, job) in jobs {
            done.enter()
            writer.submit(job) { result in
                results.withLock { $0[name] = result }
                done.leave()
            }
        }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        for (name, result) in results.withLock({ $0 }) {
            XCTAssertThrowsError(try result.get(), name) { error in
                XCTAssertEqual((error as? SQLiteError)?.isFull, true, "\(name): \(error)")
            }
        }
        XCTAssertEqual((after.withLock { $0 } as? SQLiteError)?.isFull, true, "the statement after the loss was refused")
        XCTAssertEqual(writer.statistics.failedTransactions, 1)
        XCTAssertEqual(try count("t"), 0, "no statement committed on its own")
        XCTAssertEqual(try count("log"), 0)

        // Small writes that fit still go in; once there is room again, so do large ones.
        XCTAssertEqual(try writer.perform { try $0.run("INSERT INTO t(x) VALUES (4)") }, 1)
        try limitGrowth(to: 1000)
        XCTAssertEqual(
            try writer.perform { try $0.run("INSERT INTO log(note) VALUES (?)", [.text(String(repeating: "y", count: 100_000))]) }, 1)
        XCTAssertEqual(try count("t"), 1)
    }

    func testAFullDiskThatRollsBackOnlyTheStatementFailsThatJobAlone() throws {
        try writer.exclusive { try $0.execute("CREATE TABLE u(v TEXT UNIQUE)") }
        try limitGrowth(to: 3)
        let done = DispatchGroup()
        let gate = blockWriter(done: done)
        let results = GuardedState<[String: Result<Int, any Error>]>([:])
        let jobs: [(String, @Sendable (Connection) throws -> Int)] = [
            ("small", { try $0.run("INSERT INTO t(x) VALUES (1)") }),
            // Several rows into an indexed table: SQLite undoes only the statement.
            (
                "large",
                {
                    try $0.run(
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) INSERT INTO u(v) SELECT i || hex(zeroblob(2500)) FROM n"
                    )
                }
            ),
        ]
        for (name, job) in jobs {
            done.enter()
            writer.submit(job) { result in
                results.withLock { $0[name] = result }
                done.leave()
            }
        }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        let outcome = results.withLock { $0 }
        XCTAssertThrowsError(try outcome["large"]?.get()) { XCTAssertEqual(($0 as? SQLiteError)?.isFull, true, "\($0)") }
        // Whether SQLite kept the transaction decides whether "small" committed; either way
        // "large" left nothing and "small" was told the truth.
        let small = try count("t")
        if case .success = outcome["small"] { XCTAssertEqual(small, 1) } else { XCTAssertEqual(small, 0) }
        XCTAssertEqual(try count("u"), 0)
    }

    func testBatchesFailWhileTheFileIsGoneOrReadOnlyAndSucceedOnceItIsBack() throws {
        let path = directory.path()
        let insert: @Sendable (Connection) throws -> Int = { try $0.run("INSERT INTO t(x) VALUES (1)") }
        XCTAssertNoThrow(try writer.checkFile())

        try FileManager.default.moveItem(atPath: path, toPath: path + ".away")
        XCTAssertThrowsError(try writer.perform(insert)) {
            XCTAssertEqual(($0 as? SQLiteError)?.code, SQLiteError.readOnlyMoved, "\($0)")
            XCTAssertEqual(($0 as? SQLiteError)?.isStorageFailure, true)
        }
        XCTAssertThrowsError(try writer.checkFile())
        try FileManager.default.moveItem(atPath: path + ".away", toPath: path)
        XCTAssertNoThrow(try writer.checkFile())
        XCTAssertEqual(try writer.perform(insert), 1)

        // No write bit for anyone: read-only even for root, whom file modes do not stop.
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        XCTAssertThrowsError(try writer.perform(insert)) {
            XCTAssertEqual(($0 as? SQLiteError)?.code, 8, "SQLITE_READONLY: \($0)")
        }
        XCTAssertThrowsError(try writer.checkFile())
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        XCTAssertEqual(try writer.perform(insert), 1)

        // Another file at the path (a copy put back) is not the one the writer has open.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".away")
        try FileManager.default.copyItem(atPath: path + ".away", toPath: path)
        XCTAssertThrowsError(try writer.perform(insert)) {
            XCTAssertEqual(($0 as? SQLiteError)?.code, SQLiteError.readOnlyMoved, "\($0)")
        }
        XCTAssertEqual(writer.statistics.failedTransactions, 3)
        XCTAssertEqual(try writer.exclusive { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }, 2)
    }
}
