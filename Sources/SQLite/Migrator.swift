/// Applies the schema migrations, each once, in order, each in its own transaction.
///
///     let migrator = try Migrator(migrations: EmbeddedMigrations.all)
///     try writer.exclusive { try migrator.migrate($0) }
///
/// Applied versions are recorded in `schema_migrations`, in the same transaction as the
/// migration itself, so a migration and its record are either both there or neither.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations(
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// Throws on a non-positive, duplicate or out-of-order version: the list is the
    /// schema's history and must read in order.
    public init(migrations: [Migration]) throws {
        var previous: Int?
        for migration in migrations {
            guard migration.version > 0 else { throw MigrationError.invalidVersion(migration.version) }
            if let previous {
                if migration.version == previous { throw MigrationError.duplicateVersion(previous) }
                if migration.version < previous {
                    throw MigrationError.versionsOutOfOrder(previous: previous, next: migration.version)
                }
            }
            previous = migration.version
        }
        self.migrations = migrations
    }

    /// Applies each pending migration once, in version order, each in its own IMMEDIATE
    /// transaction, recording it in `schema_migrations(version, name, applied_at)`.
    /// A failing migration rolls back completely (schema and record) and throws, with
    /// its version and name in the message; earlier ones stay applied. Returns the
    /// versions applied by this call. Safe against a concurrent migrator: whether a
    /// version is applied is decided inside its transaction, under the write lock.
    @discardableResult
    public func migrate(_ connection: Connection) throws -> [Int] {
        try connection.execute(Migrator.createTable)
        // A database a newer program migrated holds a schema this one does not know: writing to it
        // could break what that program relies on, so nothing changes (as on PostgreSQL).
        if let newest = try appliedVersions(connection).last, let latest = migrations.last?.version, newest > latest {
            throw SQLiteError.misuse(
                "the database has migration \(newest) applied, newer than this program's latest (\(latest)): run the newer crm-server")
        }
        var applied: [Int] = []
        for migration in migrations {
            let didApply = try connection.transaction(.immediate) { () throws -> Bool in
                let version = SQLValue.integer(Int64(migration.version))
                let recorded = try connection.queryOne(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", [version])
                if recorded != nil {
                    return false
                }
                do {
                    try connection.execute(migration.sql)
                } catch let error as SQLiteError {
                    throw SQLiteError(
                        code: error.code,
                        message:
                            "migration \(migration.version) (\(migration.name)) failed: \(error.message)",
                        sql: error.sql)
                }
                try connection.run(
                    """
                    INSERT INTO schema_migrations(version, name, applied_at)
                    VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    """,
                    [version, .text(migration.name)])
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        // A migration may switch secure_delete off for its own statements (0010 did, and a
        // connection keeps the setting): the writer must go on zeroing what it frees.
        if !applied.isEmpty && !connection.isReadOnly { try connection.execute(Connection.secureDelete) }
        return applied
    }

    /// Versions recorded in `schema_migrations`, ascending; empty if the table does not
    /// exist yet. Reads only, so it works on a reader connection (/readyz).
    public func appliedVersions(_ connection: Connection) throws -> [Int] {
        let exists = try connection.queryOne(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
        guard exists != nil else { return [] }
        return try connection.query("SELECT version FROM schema_migrations ORDER BY version")
            .compactMap { $0.int(0) }
    }

    /// Versions of this migrator's migrations not yet applied, ascending.
    public func pendingVersions(_ connection: Connection) throws -> [Int] {
        let applied = Set(try appliedVersions(connection))
        return migrations.map(\.version).filter { !applied.contains($0) }
    }
}
