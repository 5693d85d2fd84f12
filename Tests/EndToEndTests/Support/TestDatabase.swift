import Foundation
import Postgres
import PostgresTestSupport
import XCTest

/// The database an end-to-end test's server runs on: a SQLite file in the test's folder, or, with
/// `CRM_TEST_ENGINE=postgres`, a fresh database on the throwaway PostgreSQL cluster the tests
/// start (Tests/PostgresTestSupport). Every test gets its own either way.
enum TestDatabase {
    static var engine: String { ProcessInfo.processInfo.environment["CRM_TEST_ENGINE"] ?? "sqlite" }

    static func url(sqliteFolder: URL) throws -> String {
        guard engine == "postgres" else { return sqliteFolder.appendingPathComponent("crm.sqlite").path }
        let cluster = try TestCluster.shared.get()
        return cluster.tcpConfiguration(database: try cluster.createDatabase()).connectionString
    }

    /// Skips a test of what only the SQLite engine has (its file, its writer, the bulk seeder).
    static func requireSQLite(_ what: String) throws {
        if engine == "postgres" { throw XCTSkip("SQLite only: \(what)") }
    }

    /// Every row of every table of the PostgreSQL database at `url`, as text: what a test that
    /// reads a SQLite file's bytes reads there. A bytea column's bytes are in it as they are
    /// (printable ASCII as itself, other bytes escaped), so text stored as bytes is found too.
    static func postgresText(_ url: String) throws -> [UInt8] {
        let connection = try Connection(ConnectionConfiguration(url))
        defer { connection.close() }
        let columns = try connection.query(
            """
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position
            """)
        var expressions: [String: [String]] = [:]
        for row in columns {
            guard let table = row.string(0), let column = row.string(1) else { continue }
            let quoted = "\"\(column)\""
            expressions[table, default: []].append(row.string(2) == "bytea" ? "encode(\(quoted), 'escape')" : "\(quoted)::text")
        }
        var text: [UInt8] = []
        for (table, selected) in expressions.sorted(by: { $0.key < $1.key }) {
            for row in try connection.query("SELECT concat_ws('|', \(selected.joined(separator: ", "))) FROM \"\(table)\"") {
                text += Array((row.string(0) ?? "").utf8) + [10]
            }
        }
        return text
    }

    /// Skips a test of what only PostgreSQL has (several nodes on one database).
    static func requirePostgres(_ what: String) throws {
        if engine != "postgres" { throw XCTSkip("PostgreSQL only (CRM_TEST_ENGINE=postgres): \(what)") }
    }
}
