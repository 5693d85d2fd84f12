import Foundation
import WriteQueue
import XCTest

@testable import SQLite

final class WriterTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var writer: Writer!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        writer = try Writer(path: directory.path())
        try writer.exclusive { connection in
            try connection.execute(
                """
                CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER UNIQUE);
                CREATE TABLE log(note TEXT NOT NULL);
                CREATE TABLE parent(id INTEGER PRIMARY KEY);
                CREATE TABLE child(parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
                """)
        }
    }

    override func tearDown() {
        writer?.close()
        writer = nil
        directory.remove()
    }

    /// Submits a job that holds the writer thread until the returned gate is signalled,
    /// so that jobs submitted meanwhile are all queued when it lets go.
    private func blockWriter(_ writer: Writer, done: DispatchGroup) -> DispatchSemaphore {
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

    private static func insertX(_ x: Int, note: String? = nil) -> @Sendable (Connection) throws -> Int64 {
        { connection in
            if let note { try connection.run("INSERT INTO log(note) VALUES (?)", [.text(note)]) }
            try connection.run("INSERT INTO t(x) VALUES (?)", [SQLValue(x)])
            return connection.lastInsertRowID
        }
    }

    func testConcurrentSubmitsFromSeveralThreadsEachGetTheirOwnResult() throws {
        let writer = self.writer!
        let results = GuardedState<[Int: Int64]>([:])
        let done = DispatchGroup()
        let threads = 4
        let jobsPerThread = 50
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<jobsPerThread {
                let x = thread * 1000 + index
                done.enter()
                writer.submit(Self.insertX(x)) { result in
                    if case .success(let rowID) = result {
                        results.withLock { $0[x] = rowID }
                    }
                    done.leave()
                }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        let rows = try writer.perform { try $0.query("SELECT id, x FROM t") }
        let rowIDs = results.withLock { $0 }
        XCTAssertEqual(rows.count, threads * jobsPerThread)
        XCTAssertEqual(rowIDs.count, threads * jobsPerThread)
        for row in rows {
            XCTAssertEqual(rowIDs[row.int("x") ?? -1], row.int64("id"), "each job got its own rowid")
        }
        let statistics = writer.statistics
        XCTAssertEqual(statistics.committedJobs, threads * jobsPerThread + 1)
        XCTAssertLessThanOrEqual(statistics.committedTransactions, statistics.committedJobs)
        XCTAssertEqual(writer.queueDepth, 0)
    }

    func testJobsQueuedWhileTheWriterIsBusyShareOneTransaction() throws {
        let writer = self.writer!
        let done = DispatchGroup()
        let before = writer.statistics
        let gate = blockWriter(writer, done: done)
        let jobs = 100
        let failures = GuardedState(0)
        for x in 0..<jobs {
            done.enter()
            writer.submit(Self.insertX(x)) { result in
                if case .failure = result { failures.withLock { $0 += 1 } }
                done.leave()
            }
        }
        XCTAssertEqual(writer.queueDepth, jobs)
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        let after = writer.statistics
        XCTAssertEqual(failures.withLock { $0 }, 0)
        XCTAssertEqual(after.committedJobs - before.committedJobs, jobs + 1)
        XCTAssertEqual(after.committedTransactions - before.committedTransactions, 1, "one COMMIT for all of them")
        XCTAssertEqual(try writer.perform { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }, jobs)
    }

    func testBatchSizeIsBounded() throws {
        writer.close()
        writer = try Writer(path: directory.path(), maximumBatchSize: 8)
        let writer = self.writer!
        let done = DispatchGroup()
        let gate = blockWriter(writer, done: done)
        for x in 0..<40 {
            done.enter()
            writer.submit(Self.insertX(x)) { _ in done.leave() }
        }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        // 41 jobs in batches of at most 8: 8, 8, 8, 8, 8, 1.
        XCTAssertEqual(writer.statistics.committedTransactions, 6)
        XCTAssertEqual(writer.statistics.committedJobs, 41)
    }

    func testFailingJobIsRolledBackAloneAndItsBatchMatesCommit() throws {
        let writer = self.writer!
        try writer.perform(Self.insertX(1))
        let done = DispatchGroup()
        let before = writer.statistics
        let gate = blockWriter(writer, done: done)
        let results = GuardedState<[String: Result<Int64, any Error>]>([:])
        for (name, job) in [("a", Self.insertX(2, note: "a")), ("bad", Self.insertX(1, note: "bad")), ("b", Self.insertX(3, note: "b"))] {
            done.enter()
            writer.submit(job) { result in
                results.withLock { $0[name] = result }
                done.leave()
            }
        }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        let outcome = results.withLock { $0 }
        XCTAssertNotNil(try outcome["a"]?.get())
        XCTAssertNotNil(try outcome["b"]?.get())
        XCTAssertThrowsError(try outcome["bad"]?.get()) { error in
            XCTAssertEqual((error as? SQLiteError)?.isUniqueViolation, true, "\(error)")
        }
        XCTAssertEqual(writer.statistics.committedTransactions - before.committedTransactions, 1)
        let notes = try writer.perform { try $0.query("SELECT note FROM log ORDER BY rowid").compactMap { $0.string(0) } }
        XCTAssertEqual(notes, ["a", "b"], "the failed job's first insert left no trace")
        let xs = try writer.perform { try $0.query("SELECT x FROM t ORDER BY x").compactMap { $0.int(0) } }
        XCTAssertEqual(xs, [1, 2, 3])
    }

    func testAnOutermostJobLeadsABatchOfItsOwnOutsideAJobSavepoint() throws {
        let writer = self.writer!
        let done = DispatchGroup()
        let before = writer.statistics
        let gate = blockWriter(writer, done: done)
        let savepointError = GuardedState<String?>(nil)
        done.enter()
        writer.submit(Self.insertX(1)) { _ in done.leave() }
        done.enter()
        writer.submit(
            outermost: true,
            { connection in
                // Inside a job savepoint this would succeed; an outermost job has none.
                do { try connection.run("ROLLBACK TO writer_job") } catch { savepointError.withLock { $0 = "\(error)" } }
                return try Self.insertX(2)(connection)
            }, completion: { _ in done.leave() })
        done.enter()
        writer.submit(Self.insertX(3)) { _ in done.leave() }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        let after = writer.statistics
        XCTAssertEqual(after.committedJobs - before.committedJobs, 4)
        XCTAssertEqual(
            after.committedTransactions - before.committedTransactions, 2,
            "the blocker and job 1 share a COMMIT; the outermost job starts the next batch, which job 3 joins")
        XCTAssertEqual(savepointError.withLock { $0 }?.contains("no such savepoint"), true, savepointError.withLock { $0 } ?? "no error")
        XCTAssertEqual(try writer.perform { try $0.query("SELECT x FROM t ORDER BY x").compactMap { $0.int(0) } }, [1, 2, 3])
    }

    func testAFailingOutermostJobIsUndoneWholeAndTheJobsBehindItStillCommit() throws {
        let writer = self.writer!
        try writer.perform(Self.insertX(1))
        let done = DispatchGroup()
        let gate = blockWriter(writer, done: done)
        let results = GuardedState<[String: Result<Int64, any Error>]>([:])
        for (name, outermost, job) in [
            ("bad", true, Self.insertX(1, note: "bad")), ("b", false, Self.insertX(3, note: "b")),
        ] {
            done.enter()
            writer.submit(outermost: outermost, job) { result in
                results.withLock { $0[name] = result }
                done.leave()
            }
        }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        let outcome = results.withLock { $0 }
        XCTAssertThrowsError(try outcome["bad"]?.get()) { error in
            XCTAssertEqual((error as? SQLiteError)?.isUniqueViolation, true, "its own error: \(error)")
        }
        XCTAssertNotNil(try outcome["b"]?.get())
        let notes = try writer.perform { try $0.query("SELECT note FROM log ORDER BY rowid").compactMap { $0.string(0) } }
        XCTAssertEqual(notes, ["b"], "the outermost job's first insert left no trace")
    }

    func testFailedCommitFailsEveryJobOfTheBatch() throws {
        let writer = self.writer!
        let done = DispatchGroup()
        let gate = blockWriter(writer, done: done)
        let errors = GuardedState<[Int32]>([])
        let good = Self.insertX(10)
        // A deferred foreign key passes its statement and savepoint but fails the COMMIT.
        let orphan: @Sendable (Connection) throws -> Int64 = { connection in
            try connection.run("INSERT INTO child(parent_id) VALUES (?)", [99])
            return connection.lastInsertRowID
        }
        for job in [good, orphan] {
            done.enter()
            writer.submit(job) { result in
                if case .failure(let error) = result {
                    errors.withLock { $0.append((error as? SQLiteError)?.code ?? -1) }
                }
                done.leave()
            }
        }
        gate.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)

        XCTAssertEqual(errors.withLock { $0 }, [787, 787], "SQLITE_CONSTRAINT_FOREIGNKEY for both")
        XCTAssertEqual(writer.statistics.failedTransactions, 1)
        XCTAssertEqual(try writer.perform { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }, 0)
        // The writer goes on working after a failed batch.
        XCTAssertEqual(try writer.perform(Self.insertX(11)), 1)
    }

    func testExclusiveRunsOutsideAnyTransaction() throws {
        let inTransaction = try writer.exclusive { $0.isInTransaction }
        XCTAssertFalse(inTransaction)
        let insideJob = try writer.perform { $0.isInTransaction }
        XCTAssertTrue(insideJob, "jobs run inside the batch transaction")
    }

    func testCloseFinishesQueuedJobsThenRefusesNewOnes() throws {
        let writer = self.writer!
        let completed = GuardedState(0)
        for x in 0..<20 {
            writer.submit(Self.insertX(x)) { result in
                if case .success = result { completed.withLock { $0 += 1 } }
            }
        }
        writer.close()
        XCTAssertEqual(completed.withLock { $0 }, 20)

        let refused = GuardedState<SQLiteError?>(nil)
        writer.submit(Self.insertX(99)) { result in
            if case .failure(let error) = result { refused.withLock { $0 = error as? SQLiteError } }
        }
        XCTAssertEqual(refused.withLock { $0 }, Writer.closedError)
        XCTAssertThrowsError(try writer.perform(Self.insertX(100))) {
            XCTAssertEqual($0 as? SQLiteError, Writer.closedError)
        }
        XCTAssertThrowsError(try writer.exclusive { _ in 1 })
        writer.close()  // idempotent
    }

    func testOpeningAnUnwritablePathThrows() {
        XCTAssertThrowsError(try Writer(path: directory.path("missing-dir/db.sqlite"))) { error in
            XCTAssertEqual((error as? SQLiteError)?.primaryCode, 14, "SQLITE_CANTOPEN: \(error)")
        }
    }
}
