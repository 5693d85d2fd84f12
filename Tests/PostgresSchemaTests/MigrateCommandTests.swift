import CRM
import Foundation
import Postgres
import PostgresTestSupport
import XCTest

/// The real `crm-server` binary with a `postgres://` database: `migrate` works (also as two
/// processes at once, and through CRM_DB); everything else says, in one line, that serving on
/// PostgreSQL is not built yet.
final class MigrateCommandTests: PostgresTestCase {
    private var url: String { configuration.connectionString }

    private func binary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test bundle may be `…/debug/X.xctest` (a file on Linux) or nested deeper.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("crm-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw XCTSkip("crm-server binary not found next to the tests")
    }

    private func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "CRM_DB" }.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    private func finish(_ started: (Process, Pipe, Pipe)) -> (status: Int32, out: String, err: String) {
        let (process, out, err) = started
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        finish(try start(arguments, environment: environment))
    }

    func testMigrateAppliesTheSchemaAndSaysSoLikeForSQLite() throws {
        let first = try run(["migrate", "--db", url])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertEqual(first.out, "database \(url) is migrated\n")
        XCTAssertEqual(first.err, "")
        XCTAssertEqual(
            try connect().queryOne("SELECT max(version) FROM schema_migrations")?.int(0), try Schema.postgresMigrations().last?.version)

        let again = try run(["migrate"], environment: ["CRM_DB": url])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertEqual(again.out, "database \(url) is migrated\n")
    }

    func testTwoMigrateProcessesAtOnceApplyTheSchemaOnce() throws {
        let processes = try (0..<2).map { _ in try start(["migrate", "--db", url]) }
        for result in processes.map(finish) {
            XCTAssertEqual(result.status, 0, result.err)
        }
        XCTAssertEqual(try connect().queryOne("SELECT count(*) FROM schema_migrations")?.int(0), try Schema.postgresMigrations().count)
    }

    func testMigrateShowsNoPasswordAndFailsClearlyWhenItCannotConnect() throws {
        let result = try run(["migrate", "--db", "postgres://crm:s3cret@127.0.0.1:1/crm?connect_timeout=2"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.err.hasPrefix("crm-server: migrate: PostgreSQL error 08001"), result.err)
        XCTAssertFalse(result.err.contains("s3cret"), result.err)
    }

    func testMigrateRefusesADatabaseANewerProgramMigrated() throws {
        XCTAssertEqual(try run(["migrate", "--db", url]).status, 0)
        let latest = try XCTUnwrap(try Schema.postgresMigrations().last?.version)
        try connect().execute("INSERT INTO schema_migrations VALUES (\(latest + 1), 'from_the_future', '2027-01-01T00:00:00.000Z')")
        let result = try run(["migrate", "--db", url])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.err.contains("the database has migration \(latest + 1) applied, newer than this program's latest (\(latest))"),
            result.err)
    }

    func testKeyCommandsWorkOnPostgreSQLAndTheyMigrateFirst() throws {
        let created = try run(["keys", "create", "--role", "sales", "--name", "张伟's key", "--db", url])
        XCTAssertEqual(created.status, 0, created.err)
        XCTAssertTrue(created.out.hasPrefix("crm_"), created.out)
        let listed = try run(["keys", "list"], environment: ["CRM_DB": url.replacingOccurrences(of: "postgres://", with: "postgresql://")])
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.contains("\tsales\t"), listed.out)
        XCTAssertTrue(listed.out.contains("张伟's key"), listed.out)
        XCTAssertEqual(
            try connect().queryOne("SELECT max(version) FROM schema_migrations")?.int(0), try Schema.postgresMigrations().last?.version)
    }

    func testWhatOnlySQLiteHasIsRefusedInOneLine() throws {
        for (arguments, line) in [
            (["backup", "/tmp/never.sqlite", "--db", url], "backup copies a SQLite file; back a PostgreSQL database up with pg_dump"),
            (["seed", "--customers", "1", "--db", url], "seed writes a SQLite file directly"),
        ] {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertTrue(result.err.hasPrefix("crm-server: " + line), result.err)
            XCTAssertEqual(result.out, "")
        }
        XCTAssertEqual(try connect().queryOne("SELECT to_regclass('schema_migrations') IS NULL")?.bool(0), true, "nothing was touched")
    }

    func testServingOnPostgreSQLNeedsTheSharedSecretKeyFile() throws {
        let result = try run(["serve", "--db", url, "--port", "0"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.err.contains("--secret-key-file"), result.err)
    }
}
