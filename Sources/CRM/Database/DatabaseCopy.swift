import Postgres
import SQLite

/// Copies a SQLite database into an empty PostgreSQL one, row for row: ids, versions, the change
/// feed's `seq`, the audit log, the webhook outbox, idempotency answers, the rollups and the
/// search documents, all as they are (`crm-server copy-db`).
///
/// Both schemas are the same version first: the SQLite file is migrated by opening it, the
/// PostgreSQL database by the PostgreSQL migrator. Then, in one transaction on PostgreSQL (all or
/// nothing): the tables are filled parents first (foreign keys hold row by row), each with its
/// own triggers off (the copied rollups and counters already hold what they would add), the
/// customers' references to other customers (`account_id`, `merged_into`) are set once every
/// customer is there, and the id sequences are moved past the copied ids.
public enum DatabaseCopy {
    /// How many rows one INSERT carries.
    static let rowsPerStatement = 200

    /// Tables the copy leaves alone: migrations (each side keeps its own record) and FTS5's
    /// shadow tables (the search documents are copied from `customers_fts` itself).
    private static func isCopied(_ table: String) -> Bool {
        table != "schema_migrations" && !table.hasPrefix("sqlite_") && !(table.hasPrefix("customers_fts_"))
    }

    public struct Summary: Sendable, Equatable {
        public var tables = 0
        public var rows = 0
    }

    public enum CopyError: Error, CustomStringConvertible {
        case targetNotEmpty(table: String)

        public var description: String {
            switch self {
            case .targetNotEmpty(let table):
                "the PostgreSQL database already holds data (\(table) has rows): copy into a new, empty database"
            }
        }
    }

    /// Copies the SQLite database at `sqlitePath` into the PostgreSQL database at `postgresURL`,
    /// which must hold no rows yet. Returns how many tables and rows it copied.
    public static func copy(sqlitePath: String, postgresURL: String) throws -> Summary {
        // Opening migrates the file to this binary's schema; then it is read on one snapshot.
        let database = try Database.open(path: sqlitePath, maximumReaders: 1)
        defer { database.close() }
        let target = try Postgres.Connection(ConnectionConfiguration(postgresURL))
        defer { target.close() }
        try Schema.postgresMigrator().migrate(target)
        guard let readers = database.readers else { return Summary() }
        return try readers.read { source in
            try source.transaction(.deferred) {
                try target.transaction(.readCommitted, maximumAttempts: 1) { try copyTables(from: source, to: target) }
            }
        }
    }

    private static func copyTables(from source: SQLite.Connection, to target: Postgres.Connection) throws -> Summary {
        let sourceTables = Set(
            try source.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0.string(0) }.filter(isCopied))
        let order = try parentsFirst(target).filter(sourceTables.contains)
        // A migrated database holds what its schema seeds (the default pipeline, SLA policies)
        // and nothing anyone wrote: no key, no customer, no change.
        for table in ["api_keys", "customers", "changes"] where try target.queryOne("SELECT 1 FROM \(table) LIMIT 1") != nil {
            throw CopyError.targetNotEmpty(table: table)
        }
        var summary = Summary()
        for table in order {
            // What the schema seeded is replaced by the source's rows.
            try target.execute("ALTER TABLE \(quoted(table)) DISABLE TRIGGER USER")
            try target.execute("DELETE FROM \(quoted(table))")
            summary.rows += try copyRows(of: table, from: source, to: target)
            summary.tables += 1
        }
        try linkCustomers(from: source, to: target)
        for table in order { try target.execute("ALTER TABLE \(quoted(table)) ENABLE TRIGGER USER") }
        try target.execute("SELECT sync_identity_sequences()")
        return summary
    }

    /// The columns both sides have (PostgreSQL's generated ones left out), in the target's order.
    private static func columns(of table: String, from source: SQLite.Connection, to target: Postgres.Connection) throws -> [String] {
        let wanted = try target.query(
            """
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position
            """, [.text(table)]
        ).compactMap { $0.string(0) }
        if table == "customers_fts" { return wanted.filter { $0 == "rowid" || $0 == "document" } }
        let present = Set(try source.query("SELECT name FROM pragma_table_info(?)", [.text(table)]).compactMap { $0.string(0) })
        return wanted.filter(present.contains)
    }

    private static func copyRows(of table: String, from source: SQLite.Connection, to target: Postgres.Connection) throws -> Int {
        let columns = try columns(of: table, from: source, to: target)
        guard !columns.isEmpty else { return 0 }
        // The customers' references to other customers wait until every customer is there.
        let deferred: Set<String> = table == "customers" ? ["account_id", "merged_into"] : []
        let selected = columns.map { deferred.contains($0) ? "NULL" : $0 }.joined(separator: ", ")
        var batch: [PostgresValue] = []
        var rowsInBatch = 0
        var copied = 0
        func flush() throws {
            guard rowsInBatch > 0 else { return }
            var placeholders: [String] = []
            var number = 0
            for _ in 0..<rowsInBatch {
                placeholders.append(
                    "("
                        + columns.map { _ in
                            number += 1; return "$\(number)"
                        }.joined(separator: ", ") + ")")
            }
            try target.run(
                "INSERT INTO \(quoted(table)) (\(columns.map(quoted).joined(separator: ", "))) VALUES \(placeholders.joined(separator: ", "))",
                batch)
            copied += rowsInBatch
            batch.removeAll(keepingCapacity: true)
            rowsInBatch = 0
        }
        try source.forEachRow("SELECT \(selected) FROM \(quoted(table))") { row in
            batch += row.values.map(PostgresSession.value)
            rowsInBatch += 1
            if rowsInBatch == rowsPerStatement { try flush() }
            return true
        }
        try flush()
        return copied
    }

    private static func linkCustomers(from source: SQLite.Connection, to target: Postgres.Connection) throws {
        try source.forEachRow("SELECT id, account_id, merged_into FROM customers WHERE account_id IS NOT NULL OR merged_into IS NOT NULL") {
            row in
            try target.run(
                "UPDATE customers SET account_id = $2, merged_into = $3 WHERE id = $1", [row[0], row[1], row[2]].map(PostgresSession.value))
            return true
        }
    }

    /// The target's tables, each after the tables its foreign keys name.
    private static func parentsFirst(_ target: Postgres.Connection) throws -> [String] {
        let tables = try target.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
            .compactMap { $0.string(0) }.filter(isCopied)
        var parents: [String: Set<String>] = [:]
        for row in try target.query(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'")
        {
            guard let child = row.string(0), let parent = row.string(1), child != parent else { continue }
            parents[child, default: []].insert(parent)
        }
        var ordered: [String] = []
        var placed: Set<String> = []
        while ordered.count < tables.count {
            let ready = tables.filter { !placed.contains($0) && (parents[$0] ?? []).isSubset(of: placed) }
            // A cycle between tables (the schema has none) would otherwise loop: take the rest as they are.
            let next = ready.isEmpty ? tables.filter { !placed.contains($0) } : ready
            ordered += next
            placed.formUnion(next)
        }
        return ordered
    }

    private static func quoted(_ name: String) -> String { "\"" + name + "\"" }
}
