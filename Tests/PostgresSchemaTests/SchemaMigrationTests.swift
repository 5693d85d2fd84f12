import CRM
import Foundation
import Postgres
import PostgresTestSupport
import XCTest

/// The CRM's own PostgreSQL migrations through the migrator: on an empty database, again, from
/// several sessions at once, as a database's owner without superuser rights, and against a
/// database a newer program migrated.
final class SchemaMigrationTests: PostgresTestCase {
    func testTheMigrationsMatchSQLitesNumbering() throws {
        let postgres = try Schema.postgresMigrations()
        let sqlite = try Schema.migrations()
        XCTAssertEqual(
            postgres.map(\.version), Array(27...(postgres.last?.version ?? 27)),
            "one baseline standing for SQLite's 0001–0027, then one file a change")
        XCTAssertEqual(postgres.last?.version, sqlite.last?.version, "the newest version is the same on both engines")
        XCTAssertFalse(
            sqlite.contains { migration in postgres.contains { $0.sql == migration.sql } },
            "SQLite's list leaves Migrations/postgres alone")
        XCTAssertEqual(try Schema.postgresMigrator().lockKey, Migrator.advisoryLockKey)
    }

    func testTheMigrationsApplyOnAnEmptyDatabaseAndAgainDoNothing() throws {
        let connection = try connect()
        let migrator = try Schema.postgresMigrator()
        XCTAssertEqual(try migrator.migrate(connection), try Schema.postgresMigrations().map(\.version))
        XCTAssertEqual(try migrator.pendingVersions(connection), [])
        let tables = try connection.queryOne(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")?.int(0)

        XCTAssertEqual(try migrator.migrate(connection), [], "a second run is a no-op")
        XCTAssertEqual(
            try connection.queryOne("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")?.int(0),
            tables)
        XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM schema_migrations")?.int(0), try Schema.postgresMigrations().count)
        XCTAssertEqual(try connection.queryOne("SELECT name FROM schema_migrations ORDER BY version")?.string(0), "baseline")
    }

    func testConcurrentMigratorsApplyTheSchemaOnce() throws {
        let migrator = try Schema.postgresMigrator()
        let runs = (0..<3).map { _ in onAnotherConnection { connection in try migrator.migrate(connection) } }
        let applied = try runs.map { try $0.wait(timeout: .seconds(60)) }
        XCTAssertEqual(
            applied.flatMap { $0 }, try Schema.postgresMigrations().map(\.version),
            "one migrator applied it, the others found it done: \(applied)")
        XCTAssertEqual(try connect().queryOne("SELECT count(*) FROM schema_migrations")?.int(0), try Schema.postgresMigrations().count)
    }

    func testADatabasesOwnerWithoutSuperuserRightsCanMigrate() throws {
        // A stock setup: a login role owning its database, nothing more. The baseline's extension
        // (unaccent) is a trusted one, which such an owner may create.
        let owner = "\(database!)_owner"
        let administrator = try connect()
        try administrator.execute("CREATE ROLE \(owner) LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        let ownedDatabase = "\(database!)_owned"
        try administrator.execute("CREATE DATABASE \(ownedDatabase) OWNER \(owner) TEMPLATE template0")
        let connection = try Connection(
            ConnectionConfiguration("postgres:///\(ownedDatabase)?host=\(cluster.folder)&port=\(cluster.port)&user=\(owner)"))
        defer { connection.close() }
        XCTAssertEqual(try connection.queryOne("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")?.bool(0), false)
        XCTAssertEqual(try Schema.postgresMigrator().migrate(connection), try Schema.postgresMigrations().map(\.version))
    }

    func testADatabaseMigratedByANewerProgramIsRefused() throws {
        let connection = try connect()
        try Schema.postgresMigrator().migrate(connection)
        let latest = try XCTUnwrap(try Schema.postgresMigrations().last?.version)
        try connection.execute("INSERT INTO schema_migrations VALUES (\(latest + 1), 'from_the_future', '2027-01-01T00:00:00.000Z')")
        XCTAssertThrowsError(try Schema.postgresMigrator().migrate(connection)) { error in
            XCTAssertEqual(error as? MigrationError, .databaseIsNewer(applied: latest + 1, latestKnown: latest))
        }
    }

    /// Migration 0036 on PostgreSQL: a document indexed before the folding, whose capitals outside
    /// ASCII a database with LC_CTYPE C does not lower, is folded at the first open after it.
    func testTheFirstOpenAfter0036FoldsTheDocumentsIndexedBefore() throws {
        let connection = try connect()
        _ = try Migrator(migrations: try Schema.postgresMigrations().filter { $0.version < 36 }).migrate(connection)
        try connection.execute("INSERT INTO customers_fts (rowid, document) VALUES (1, 'Αθηνά Søren'), (2, 'Acme Ltd')")
        func found(_ q: String) throws -> [Int] {
            try connection.query(
                "SELECT rowid FROM customers_fts WHERE terms @@ to_tsquery('crm_search', $1) ORDER BY rowid",
                [.text(SearchDocument.tsquery(q)!)]
            ).compactMap { $0.int(0) }
        }
        XCTAssertEqual(try found("αθηνα"), [], "not lowered under LC_CTYPE C")
        let database = try Database.open(postgres: configuration.connectionString, maximumConnections: 2)
        database.close()
        XCTAssertEqual(
            try connection.query("SELECT document FROM customers_fts ORDER BY rowid").compactMap { $0.string(0) },
            ["αθηνα Soren", "Acme Ltd"])
        XCTAssertEqual(try found("αθηνα"), [1])
        XCTAssertEqual(try found("soren"), [1])
        XCTAssertEqual(try connection.query("SELECT name FROM pending_rebuilds WHERE name = 'search_folding'").count, 0)
    }
}
