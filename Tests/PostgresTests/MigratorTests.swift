import Foundation
import Postgres
import PostgresTestSupport
import XCTest

/// The generic migrator on small made-up histories; the CRM schema's own migrations are tested in
/// PostgresSchemaTests.
final class MigratorTests: PostgresTestCase {
    private let history = [
        Migration(version: 1, name: "notes", sql: "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL)"),
        Migration(version: 2, name: "first_note", sql: "INSERT INTO notes VALUES (1, '你好')"),
        Migration(version: 5, name: "note_authors", sql: "ALTER TABLE notes ADD COLUMN author TEXT"),
    ]

    func testEachMigrationIsAppliedOnceInOrderAndRecorded() throws {
        let connection = try connect()
        let migrator = try Migrator(migrations: history)
        XCTAssertEqual(try migrator.appliedVersions(connection), [])
        XCTAssertEqual(try migrator.pendingVersions(connection), [1, 2, 5])

        XCTAssertEqual(try migrator.migrate(connection), [1, 2, 5])
        XCTAssertEqual(try migrator.migrate(connection), [], "a second run finds nothing to do")
        XCTAssertEqual(try migrator.pendingVersions(connection), [])

        let recorded = try connection.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        XCTAssertEqual(recorded.map { $0.int(0) }, [1, 2, 5])
        XCTAssertEqual(recorded.map { $0.string(1) }, ["notes", "first_note", "note_authors"])
        for row in recorded {
            // The SQLite migrator's format: RFC 3339 UTC with milliseconds.
            let appliedAt = try XCTUnwrap(row.string(2))
            XCTAssertNotNil(appliedAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/), appliedAt)
        }
        XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM notes")?.int(0), 1)
        XCTAssertFalse(connection.holdsSessionAdvisoryLocks, "the lock is released after the run")
    }

    func testAFailingMigrationRollsBackWholeAndEarlierOnesStay() throws {
        let connection = try connect()
        let migrator = try Migrator(migrations: [
            history[0],
            Migration(version: 2, name: "broken", sql: "CREATE TABLE half (id BIGINT); INSERT INTO nowhere VALUES (1)"),
            history[2],
        ])
        XCTAssertThrowsError(try migrator.migrate(connection)) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, "42P01")
            XCTAssertTrue(error?.message.hasPrefix("migration 2 (broken) failed: ") == true, "\(String(describing: error))")
        }
        XCTAssertEqual(try migrator.appliedVersions(connection), [1])
        XCTAssertEqual(try migrator.pendingVersions(connection), [2, 5], "later migrations are not attempted")
        XCTAssertEqual(try connection.queryOne("SELECT to_regclass('half') IS NULL")?.bool(0), true)
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertFalse(connection.holdsSessionAdvisoryLocks)
    }

    func testADatabaseNewerThanTheMigrationsIsRefusedUntouched() throws {
        let connection = try connect()
        try Migrator(migrations: Array(history[0...1])).migrate(connection)
        try connection.execute("INSERT INTO schema_migrations VALUES (7, 'from_a_newer_program', '2026-01-01T00:00:00.000Z')")

        XCTAssertThrowsError(try Migrator(migrations: history).migrate(connection)) { error in
            XCTAssertEqual(error as? MigrationError, .databaseIsNewer(applied: 7, latestKnown: 5))
            XCTAssertTrue("\(error)".contains("newer than this program's latest (5)"))
        }
        XCTAssertEqual(
            try connection.queryOne(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'author'")?.int(0), 0,
            "migration 5 was not applied")
        XCTAssertThrowsError(try Migrator(migrations: []).migrate(connection), "a program knowing no migrations is older still")
    }

    func testConcurrentMigratorsApplyEachVersionOnce() throws {
        // The first migration sleeps, so every migrator has started and is waiting on the lock
        // while it runs. Each later one bumps a counter: run twice, it would count twice.
        let slow = [
            Migration(
                version: 1, name: "slow", sql: "SELECT pg_sleep(0.3); CREATE TABLE runs (n BIGINT NOT NULL); INSERT INTO runs VALUES (0)"),
            Migration(version: 2, name: "bump", sql: "UPDATE runs SET n = n + 1"),
            Migration(version: 3, name: "bump_again", sql: "UPDATE runs SET n = n + 1"),
        ]
        let migrator = try Migrator(migrations: slow)
        let runs = (0..<4).map { _ in onAnotherConnection { connection in try migrator.migrate(connection) } }
        let applied = try runs.map { try $0.wait(timeout: .seconds(30)) }

        XCTAssertEqual(applied.flatMap { $0 }.sorted(), [1, 2, 3], "each version by exactly one migrator: \(applied)")
        XCTAssertEqual(applied.filter { !$0.isEmpty }.count, 1, "the first to take the lock applies everything: \(applied)")
        let connection = try connect()
        XCTAssertEqual(try connection.queryOne("SELECT n FROM runs")?.int(0), 2)
        XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM schema_migrations")?.int(0), 3)
    }

    func testTheLockIsHeldForTheWholeRun() throws {
        let migrator = try Migrator(migrations: [
            Migration(version: 1, name: "slow", sql: "SELECT pg_sleep(0.5)"),
            Migration(version: 2, name: "quick", sql: "SELECT 1"),
        ])
        let run = onAnotherConnection { connection in try migrator.migrate(connection) }
        let observer = try connect()
        let deadline = ContinuousClock.now + .seconds(5)
        var seenHeld = false
        while !seenHeld, ContinuousClock.now < deadline {
            // Taken by a session other than ours: the migrator's. (Ours would succeed.)
            if try !observer.tryAdvisoryLock(Migrator.advisoryLockKey) {
                seenHeld = true
            } else {
                try observer.advisoryUnlock(Migrator.advisoryLockKey)
                usleep(10_000)
            }
        }
        XCTAssertTrue(seenHeld, "the migrator holds its advisory lock while it runs")
        XCTAssertEqual(try run.wait(), [1, 2])
        XCTAssertTrue(try observer.tryAdvisoryLock(Migrator.advisoryLockKey), "and releases it when done")
    }

    func testMigratingInsideATransactionIsRefused() throws {
        let connection = try connect()
        let migrator = try Migrator(migrations: history)
        try connection.transaction {
            XCTAssertThrowsError(try migrator.migrate(connection)) { error in
                XCTAssertEqual((error as? PostgresError)?.sqlState, "25001")
            }
        }
        XCTAssertEqual(try migrator.appliedVersions(connection), [])
    }

    func testTheListMustReadInOrder() {
        XCTAssertThrowsError(try Migrator(migrations: [history[1], history[0]])) { error in
            XCTAssertEqual(error as? MigrationError, .versionsOutOfOrder(previous: 2, next: 1))
        }
        XCTAssertThrowsError(try Migrator(migrations: [history[0], history[0]])) { error in
            XCTAssertEqual(error as? MigrationError, .duplicateVersion(1))
        }
        XCTAssertThrowsError(try Migrator(migrations: [Migration(version: 0, name: "zero", sql: "")])) { error in
            XCTAssertEqual(error as? MigrationError, .invalidVersion(0))
        }
    }

    func testFileNamesGiveVersionAndName() throws {
        let migration = try Migration(file: "Migrations/postgres/0027_baseline.sql", sql: "SELECT 1")
        XCTAssertEqual(migration.version, 27)
        XCTAssertEqual(migration.name, "baseline")
        for bad in ["0027_baseline.txt", "baseline.sql", "_x.sql", "0000_zero.sql", "0001_.sql", "0001_a b.sql", "x1_a.sql"] {
            XCTAssertThrowsError(try Migration(file: bad, sql: ""), bad) { error in
                XCTAssertEqual(error as? MigrationError, .malformedFileName(bad))
            }
        }
    }
}
