import Foundation
import SQLite
import XCTest

@testable import CRM

/// The purge after an erase (docs/architecture.md, "Data-subject requests"): the search index is
/// merged until no segment holds a deleted document's terms, the log is truncated, and a purge an
/// erase left pending (a crash, a checkpoint held off) is finished at the next open.
final class ErasurePurgeTests: XCTestCase {
    private var directory: URL!
    private var path: String { directory.appendingPathComponent("crm.sqlite").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-erasure-purge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Whether `text` is anywhere in the database file or its log.
    private func stored(_ text: String) throws -> Bool {
        let needle = Data(text.utf8)
        return try ["", "-wal"].contains { suffix in
            let url = URL(fileURLWithPath: path + suffix)
            guard FileManager.default.fileExists(atPath: url.path) else { return false }
            return try Data(contentsOf: url).range(of: needle) != nil
        }
    }

    /// A document deleted from the search index in its own transaction, after others were written
    /// in theirs (so the index has several segments), with a purge marked pending.
    private func deleteDocument(_ database: Database, marker: String) throws {
        for id in 1...5 {
            _ = try database.writeAndWait {
                try $0.run("INSERT INTO customers_fts (rowid, document) VALUES (?, ?)", [.integer(Int64(id)), .text("filler \(id)")])
            }
        }
        _ = try database.writeAndWait { try $0.run("INSERT INTO customers_fts (rowid, document) VALUES (9, ?)", [.text(marker)]) }
        _ = try database.writeAndWait { connection in
            try connection.run("DELETE FROM customers_fts WHERE rowid = 9")
            try CustomerErasureStore.markPurgePending(connection, customerID: 9)
        }
        try database.writer!.exclusive { try $0.checkpointTruncating() }
    }

    func testADeletedDocumentsTermsStayInTheIndexUntilThePurge() throws {
        let database = try Database.open(path: path, synchronous: .normal, maximumReaders: 2)
        defer { database.close() }
        try deleteDocument(database, marker: "zqpurgemarker7731")
        XCTAssertTrue(try stored("zqpurgemarker7731"), "FTS5 keeps a deleted document's terms in its older segments")

        XCTAssertTrue(try database.purgeErased())

        XCTAssertFalse(try stored("zqpurgemarker7731"))
        XCTAssertEqual(try database.read { try CustomerErasureStore.pendingPurges($0) }, [])
        XCTAssertEqual(
            try database.read { try $0.queryOne("SELECT count(*) FROM customers_fts WHERE customers_fts MATCH 'filler'")?.int(0) }, 5)
    }

    func testAPurgeLeftPendingIsFinishedAtTheNextOpen() throws {
        var database = try Database.open(path: path, synchronous: .normal, maximumReaders: 2)
        try deleteDocument(database, marker: "zqpendingmarker0042")
        database.close()
        XCTAssertTrue(try stored("zqpendingmarker0042"))

        database = try Database.open(path: path, synchronous: .normal, maximumReaders: 2)
        defer { database.close() }
        XCTAssertFalse(try stored("zqpendingmarker0042"))
        XCTAssertEqual(try database.read { try CustomerErasureStore.pendingPurges($0) }, [])
    }
}
