import Foundation
import SQLite
import XCTest

@testable import CRM

/// Migration 0036: the documents a database indexed before search folded ``SearchFolding``'s
/// letters are folded at the first open after it, so `q` finds them as it finds new ones; the rest
/// are left as they were.
final class SearchDocumentRefoldTests: XCTestCase {
    func testTheFirstOpenAfterTheMigrationFoldsTheDocumentsIndexedBefore() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("older.sqlite").path
        // A database at version 35, whose documents were made without folding.
        do {
            let connection = try SQLite.Connection(path: path)
            _ = try Migrator(migrations: try Schema.migrations().filter { $0.version < 36 }).migrate(connection)
            for (id, document) in [(1, "Søren Kierkegaard  张  伟 "), (2, "Acme Ltd info acme example com"), (3, "Ｔｏｋｙｏ Ｄｅｓｉｇｎ")] {
                _ = try connection.run("INSERT INTO customers_fts (rowid, document) VALUES (?, ?)", [.integer(Int64(id)), .text(document)])
            }
            XCTAssertEqual(try connection.query("SELECT rowid FROM customers_fts WHERE customers_fts MATCH 'soren'").count, 0)
        }
        let database = try Database.open(path: path, synchronous: .normal, maximumReaders: 1)
        defer { database.close() }
        let (documents, pending) = try database.read { connection in
            (
                try connection.query("SELECT rowid, document FROM customers_fts ORDER BY rowid").map {
                    "\($0.int64(0)!): \($0.string(1)!)"
                },
                try connection.query("SELECT name FROM pending_rebuilds WHERE name = 'search_folding'").count
            )
        }
        XCTAssertEqual(documents, ["1: Soren Kierkegaard  张  伟 ", "2: Acme Ltd info acme example com", "3: Tokyo Design"])
        XCTAssertEqual(pending, 0, "done once")
        for (q, id) in [("soren", 1), ("张伟", 1), ("acme", 2), ("tokyo", 3)] as [(String, Int64)] {
            let found = try database.read { connection in
                try connection.query("SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?", [.text(SearchDocument.query(q)!)])
                    .compactMap { $0.int64(0) }
            }
            XCTAssertEqual(found, [id], q)
        }
    }
}
