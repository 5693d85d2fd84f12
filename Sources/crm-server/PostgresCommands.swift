import CRM
import Foundation
import Postgres

/// What `crm-server` does differently with a `postgres://` database.
enum PostgresCommands {
    static let backupRefusal = "backup copies a SQLite file; back a PostgreSQL database up with pg_dump (docs/operations.md)"
    static let seedRefusal = "seed writes a SQLite file directly; seed one and copy it to PostgreSQL (docs/operations.md)"

    /// Applies the pending PostgreSQL migrations under the migrators' advisory lock (a node
    /// migrating at the same moment makes this one wait, then find nothing to do) and exits.
    static func migrate(_ url: String) {
        let configuration = ConnectionConfiguration(url)
        do {
            let connection = try Connection(configuration)
            defer { connection.close() }
            try Schema.postgresMigrator().migrate(connection)
            print("database \(configuration.redactedConnectionString) is migrated")
        } catch {
            fail("migrate: \(error)")
        }
    }

    /// Copies the SQLite database at `path` into the empty PostgreSQL database at `url` and exits.
    static func copy(from path: String, to url: String) {
        guard FileManager.default.fileExists(atPath: path) else { fail("copy-db: no SQLite database at \(path)") }
        do {
            let summary = try DatabaseCopy.copy(sqlitePath: path, postgresURL: url)
            let target = ConnectionConfiguration(url).redactedConnectionString
            print("copied \(summary.rows) rows of \(summary.tables) tables from \(path) to \(target)")
        } catch {
            fail("copy-db: \(error)")
        }
    }
}
