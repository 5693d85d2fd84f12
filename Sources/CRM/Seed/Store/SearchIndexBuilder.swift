import Glibc
import SQLite

/// Builds the customers' search index for a bulk load in a scratch database beside the real
/// one, on the generating thread, so the writer does not spend a core on FTS5; the writer then
/// copies the finished index in (``copy(into:)``).
///
/// The scratch table is created from the real table's own `CREATE VIRTUAL TABLE` statement, so
/// the copied shadow tables (`_data`, `_idx`, `_content`, `_docsize`) have the same layout and
/// configuration. Its rowids are the customers' ids, which a bulk load into an empty table knows
/// in advance (the writer checks each one).
final class SearchIndexBuilder {
    private let connection: Connection
    let path: String
    private let insert: Statement

    /// The shadow tables that hold the index; `_config` stays the real table's own.
    private static let shadowTables = ["data", "idx", "content", "docsize"]

    init(path: String, definition: String) throws {
        Self.remove(path)
        self.path = path
        connection = try Connection(path: path, configuration: .init(synchronous: .normal))
        // A scratch file: nothing in it needs to survive a crash, so no journal either.
        try connection.execute("PRAGMA synchronous = OFF")
        _ = try connection.queryOne("PRAGMA journal_mode = OFF")
        try connection.execute(definition)
        // Up to 256 MB of new terms in memory and no merging while loading; `optimize` at the
        // end writes one segment.
        try connection.execute("INSERT INTO customers_fts (customers_fts, rank) VALUES ('hashsize', 268435456)")
        try connection.execute("INSERT INTO customers_fts (customers_fts, rank) VALUES ('automerge', 0)")
        insert = try connection.prepare("INSERT INTO customers_fts (rowid, document) VALUES (?, ?)")
    }

    /// Adds the documents of customers `first`, `first + 1`, … in one transaction.
    func add(_ documents: [String], first: Int64) throws {
        try connection.transaction(.immediate) {
            for (offset, document) in documents.enumerated() {
                try insert.bind([.integer(first + Int64(offset)), .text(document)])
                try insert.run()
            }
        }
    }

    /// Merges the index into one segment and closes the scratch database.
    func finish() throws {
        try connection.execute("INSERT INTO customers_fts (customers_fts) VALUES ('optimize')")
        connection.close()
    }

    /// Replaces the (empty) index of the database at `target` with the built one, on a
    /// connection of its own: the writer's connection never sees the index change under it
    /// (FTS5 caches an index's structure per connection).
    static func copy(from path: String, into target: String) throws {
        let connection = try Connection(path: target)
        defer { connection.close() }
        // The seed's last checkpoint makes the copy durable (``LoadTuning``).
        try connection.execute("PRAGMA synchronous = OFF")
        try connection.run("ATTACH DATABASE ? AS search_load", [.text(path)])
        try connection.transaction(.immediate) {
            for table in shadowTables {
                try connection.execute("DELETE FROM main.customers_fts_\(table)")
                try connection.execute("INSERT INTO main.customers_fts_\(table) SELECT * FROM search_load.customers_fts_\(table)")
            }
        }
        try connection.execute("DETACH DATABASE search_load")
    }

    /// Deletes a scratch database and its journals.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }
}
