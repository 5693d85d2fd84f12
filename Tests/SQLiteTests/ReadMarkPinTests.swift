import Foundation
import XCTest

@testable import SQLite

/// The writer's read-mark pin (``ReadMarkPin``): held while the writer waits, so readers on the
/// newest snapshot lock without a system call, and never in the way of the writer's own work —
/// its checkpoints, a truncation, the log starting over.
final class ReadMarkPinTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var writer: Writer!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        // synchronous=NORMAL: hundreds of commits without an fsync each.
        writer = try Writer(path: directory.path(), configuration: ConnectionConfiguration(synchronous: .normal))
        try writer.exclusive { try $0.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload BLOB NOT NULL)") }
    }

    override func tearDown() {
        writer?.close()
        writer = nil
        directory.remove()
    }

    /// Inserts a row of `bytes` bytes in a batch of its own.
    private func insert(bytes: Int) throws {
        try writer.perform { try $0.run("INSERT INTO t(payload) VALUES (zeroblob(?))", [.integer(Int64(bytes))]) }
    }

    private var logSize: Int {
        ((try? FileManager.default.attributesOfItem(atPath: directory.path() + "-wal"))?[.size] as? Int) ?? 0
    }

    /// What `PRAGMA wal_checkpoint(TRUNCATE)` from another connection of this process reports,
    /// without waiting for readers: true when a reader kept it from starting the log over.
    private func truncationIsBlocked() throws -> Bool {
        let other = try Connection(path: directory.path(), configuration: ConnectionConfiguration(busyTimeoutMilliseconds: 0))
        defer { other.close() }
        let row = try XCTUnwrap(try other.queryOne("PRAGMA wal_checkpoint(TRUNCATE)"))
        return row.int("busy") == 1
    }

    func testBetweenBatchesTheWriterHoldsAReadAndLetsGoOfItWhenItCloses() throws {
        // A few rows, far below the automatic checkpoint: the log holds frames no one copied yet.
        for _ in 0..<3 { try insert(bytes: 100) }
        XCTAssertTrue(try truncationIsBlocked(), "the idle writer holds a read transaction on the newest snapshot")
        writer.close()
        XCTAssertFalse(try truncationIsBlocked(), "closed, it holds nothing")
        XCTAssertEqual(logSize, 0)
    }

    func testTheWritersOwnTruncatingCheckpointIsNotHeldOff() throws {
        for _ in 0..<3 { try insert(bytes: 10_000) }
        XCTAssertGreaterThan(logSize, 0)
        try writer.exclusive { try $0.checkpointTruncating() }
        XCTAssertEqual(logSize, 0, "the pin is released while an exclusive job runs")
        try insert(bytes: 100)
        let readers = try ReaderPool(path: directory.path(), maximumCount: 1)
        defer { readers.close() }
        XCTAssertEqual(try readers.read { try $0.queryOne("SELECT count(*) AS n FROM t")?.int("n") }, 4)
    }

    /// The log starts over at its beginning once a checkpoint has copied it, which needs no reader
    /// on its marks when a batch begins: a pin held into a batch would keep it growing for ever.
    func testTheLogStartsOverInsteadOfGrowingWhileTheWriterPins() throws {
        // 300 batches of about ten pages each, three times the automatic checkpoint's 1,000 pages.
        for _ in 0..<300 { try insert(bytes: 40_000) }
        let pageAndHeader = 4096 + 24
        XCTAssertLessThan(logSize, 1_500 * pageAndHeader, "the log was reused after each checkpoint (\(logSize) bytes)")
    }

    /// The seed leaves WAL mode for its bulk load, which SQLite allows only while no other
    /// connection has the file open: an exclusive job runs with the pin's connection closed.
    func testAnExclusiveJobHasTheFileToItself() throws {
        try insert(bytes: 100)
        let modes = try writer.exclusive { connection in
            let off = try connection.queryOne("PRAGMA journal_mode = OFF")?.string(0)
            let wal = try connection.queryOne("PRAGMA journal_mode = WAL")?.string(0)
            return [off, wal]
        }
        XCTAssertEqual(modes, ["off", "wal"])
        try insert(bytes: 100)
        XCTAssertTrue(try truncationIsBlocked(), "held again after it")
    }

    /// Another process's writes while this writer idles: the pin lets go at its next refresh, so
    /// that process's checkpoint copies the whole log and starts it over, as without the pin.
    func testAnIdleWriterLetsGoOfThePinWhenAnotherConnectionWrites() throws {
        try insert(bytes: 100)
        let other = try Connection(path: directory.path(), configuration: ConnectionConfiguration(busyTimeoutMilliseconds: 0))
        defer { other.close() }
        // Writes every tenth of an interval for two and a half intervals: every refresh meanwhile
        // sees one, and the first lets go of the pin.
        let interval = ReadMarkPin.refreshInterval / .seconds(1)
        for _ in 0..<25 {
            try other.run("INSERT INTO t(payload) VALUES (zeroblob(100))")
            Thread.sleep(forTimeInterval: interval / 10)
        }
        let row = try XCTUnwrap(try other.queryOne("PRAGMA wal_checkpoint(TRUNCATE)"))
        XCTAssertEqual(row.int("busy"), 0, "no reader held the log")
        XCTAssertEqual(logSize, 0)
        // Held again by the writer's next batch.
        try insert(bytes: 100)
        XCTAssertTrue(try truncationIsBlocked())
    }

    func testReadersSeeEveryCommitAtOnce() throws {
        let readers = try ReaderPool(path: directory.path(), maximumCount: 2)
        defer { readers.close() }
        for expected in 1...20 {
            try insert(bytes: 10)
            XCTAssertEqual(try readers.read { try $0.queryOne("SELECT count(*) AS n FROM t")?.int("n") }, expected)
        }
    }
}
