import CRM
import Foundation
import Postgres

/// What `crm-server` does with a `postgres://` database so far (issue 16): the schema exists and
/// `migrate` applies it; the stores do not run on PostgreSQL yet, so every other command refuses,
/// in one line, rather than pretend.
enum PostgresCommands {
    static let notBuiltYet =
        "serving on PostgreSQL is not built yet: with a postgres:// database only `crm-server migrate` works for now"

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
}
