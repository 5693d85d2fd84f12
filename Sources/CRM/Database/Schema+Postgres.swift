import Postgres

/// The same schema for PostgreSQL: `Migrations/postgres/*.sql`, embedded like the SQLite ones.
/// A file there has the number of the SQLite migration it matches (the baseline, 0027, stands for
/// SQLite's 0001–0027), so version N is one schema on either engine.
extension Schema {
    public static func postgresMigrations() throws -> [Migration] {
        try embeddedPostgresMigrations.map { try Migration(file: $0.file, sql: $0.sql) }
    }

    /// Holds ``Migrator/advisoryLockKey`` while it runs, so nodes starting together migrate once.
    public static func postgresMigrator() throws -> Migrator {
        try Migrator(migrations: postgresMigrations())
    }
}
