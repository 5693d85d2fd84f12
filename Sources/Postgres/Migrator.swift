/// Applies the schema migrations, each once, in order, each in its own transaction, while holding
/// a session advisory lock, so that of several nodes starting at once one migrates and the others
/// wait for it and then find nothing left to do.
///
///     let migrator = try Migrator(migrations: Schema.postgresMigrations())
///     let applied = try migrator.migrate(connection)   // [27] on an empty database, then []
///
/// Applied versions are recorded in `schema_migrations(version, name, applied_at)`, the table the
/// SQLite `Migrator` keeps (applied_at is RFC 3339 UTC text there and here), in the same
/// transaction as the migration itself, so a migration and its record are either both there or
/// neither. A database recording a version newer than the newest migration given is refused
/// before anything changes (``MigrationError/databaseIsNewer(applied:latestKnown:)``).
public struct Migrator: Sendable {
    public let migrations: [Migration]
    /// The advisory lock held for the whole run.
    public let lockKey: Int64

    /// The key every crm-server takes while migrating: the ASCII bytes of `crm-migr` as a
    /// big-endian Int64, 0x63726D2D6D696772 = 7165909998976460658. In `pg_locks` a migrator
    /// shows as an advisory lock with classid 1668443437 and objid 1835624306 (the key's two
    /// halves; objsubid 1).
    public static let advisoryLockKey: Int64 = 0x6372_6D2D_6D69_6772

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// Throws on a non-positive, duplicate or out-of-order version: the list is the schema's
    /// history and must read in order.
    public init(migrations: [Migration], lockKey: Int64 = Migrator.advisoryLockKey) throws {
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
        self.lockKey = lockKey
    }

    /// The newest version this migrator knows; 0 when it knows none.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Takes the advisory lock (waiting while another migrator holds it), then applies each
    /// pending migration once, in version order, each in its own transaction, recording it.
    /// A failing migration rolls back completely (schema and record) and throws, with its version
    /// and name in the message; earlier ones stay applied. Returns the versions this call applied.
    ///
    /// Call it outside a transaction: the lock is the session's, and each migration commits on
    /// its own.
    @discardableResult
    public func migrate(_ connection: Connection) throws -> [Int] {
        guard !connection.isInTransaction else {
            throw PostgresError(
                sqlState: "25001", message: "migrations commit one by one: run them outside a transaction")
        }
        return try connection.withAdvisoryLock(lockKey) {
            // Under the lock: two sessions creating the table at once could both fail on
            // PostgreSQL's catalog, IF NOT EXISTS notwithstanding.
            try connection.execute(Migrator.createTable)
            let recorded = try appliedVersions(connection)
            if let newest = recorded.last, newest > latestVersion {
                throw MigrationError.databaseIsNewer(applied: newest, latestKnown: latestVersion)
            }
            let recordedSet = Set(recorded)
            var applied: [Int] = []
            for migration in migrations where !recordedSet.contains(migration.version) {
                try apply(migration, on: connection)
                applied.append(migration.version)
            }
            return applied
        }
    }

    private func apply(_ migration: Migration, on connection: Connection) throws {
        try connection.transaction {
            do {
                try connection.execute(migration.sql)
            } catch let error as PostgresError {
                throw PostgresError(
                    sqlState: error.sqlState,
                    message: "migration \(migration.version) (\(migration.name)) failed: \(error.message)",
                    detail: error.detail, hint: error.hint, sql: error.sql)
            }
            try connection.run(
                """
                INSERT INTO schema_migrations (version, name, applied_at)
                VALUES ($1, $2, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                """,
                [.integer(Int64(migration.version)), .text(migration.name)])
        }
    }

    /// Versions recorded in `schema_migrations`, ascending; empty if the table does not exist
    /// yet. Reads only, so it needs no lock (a readiness check can call it).
    public func appliedVersions(_ connection: Connection) throws -> [Int] {
        let exists = try connection.queryOne("SELECT to_regclass('schema_migrations') IS NOT NULL")?.bool(0) == true
        guard exists else { return [] }
        return try connection.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0.int(0) }
    }

    /// Versions of this migrator's migrations not yet applied, ascending.
    public func pendingVersions(_ connection: Connection) throws -> [Int] {
        let applied = Set(try appliedVersions(connection))
        return migrations.map(\.version).filter { !applied.contains($0) }
    }
}
