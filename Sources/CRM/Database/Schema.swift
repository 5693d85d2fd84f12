import SQLite

/// The schema this binary ships: `Migrations/*.sql`, embedded at build time by the
/// EmbedMigrations plugin, so the binary finds it from any working directory.
public enum Schema {
    public static func migrations() throws -> [Migration] {
        try embeddedMigrations.map { try Migration(file: $0.file, sql: $0.sql) }
    }

    public static func migrator() throws -> Migrator {
        try Migrator(migrations: migrations())
    }
}
