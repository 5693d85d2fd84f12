import XCTest

@testable import SQLite

final class MigratorTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var connection: Connection!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        connection = try Connection(path: directory.path())
    }

    override func tearDown() {
        connection = nil
        directory.remove()
    }

    private let first = Migration(
        version: 1, name: "create_customers", sql: "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
    private let second = Migration(
        version: 2, name: "seed", sql: "INSERT INTO customers(name) VALUES ('张伟'); INSERT INTO customers(name) VALUES ('李娜');")
    private let third = Migration(version: 5, name: "add_city", sql: "ALTER TABLE customers ADD COLUMN city TEXT;")

    private func tableExists(_ name: String) throws -> Bool {
        try connection.queryOne("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", [.text(name)]) != nil
    }

    func testMigrationsApplyOnceAndInOrder() throws {
        let migrator = try Migrator(migrations: [first, second, third])
        XCTAssertEqual(try migrator.pendingVersions(connection), [1, 2, 5])
        XCTAssertEqual(try migrator.migrate(connection), [1, 2, 5])
        XCTAssertEqual(try migrator.migrate(connection), [], "a second run applies nothing")
        XCTAssertEqual(try migrator.pendingVersions(connection), [])
        XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM customers")?.int(0), 2)

        let records = try connection.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        XCTAssertEqual(records.map { $0.int("version") }, [1, 2, 5])
        XCTAssertEqual(records.map { $0.string("name") }, ["create_customers", "seed", "add_city"])
        XCTAssertTrue(records.allSatisfy { ($0.string("applied_at") ?? "").hasSuffix("Z") })

        let later = try Migrator(migrations: [
            first, second, third, Migration(version: 6, name: "index", sql: "CREATE INDEX c_name ON customers(name);"),
        ])
        XCTAssertEqual(try later.migrate(connection), [6])
    }

    func testADatabaseANewerProgramMigratedIsRefusedAndLeftAlone() throws {
        let newer = try Migrator(migrations: [first, second, third])
        try newer.migrate(connection)
        let older = try Migrator(migrations: [first, second])
        XCTAssertThrowsError(try older.migrate(connection)) { error in
            XCTAssertTrue("\(error)".contains("migration 5 applied, newer than this program's latest (2)"), "\(error)")
        }
        XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM schema_migrations")?.int(0), 3)
    }

    func testFailingMigrationLeavesNoTableAndNoRecord() throws {
        let broken = Migration(
            version: 2, name: "broken",
            sql: "CREATE TABLE orders(id INTEGER PRIMARY KEY); INSERT INTO missing_table VALUES (1);")
        let migrator = try Migrator(migrations: [first, broken, third])
        XCTAssertThrowsError(try migrator.migrate(connection)) { error in
            guard let error = error as? SQLiteError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.primaryCode, 1)
            XCTAssertTrue(error.message.contains("migration 2 (broken)"), error.message)
        }
        XCTAssertFalse(connection.isInTransaction)
        XCTAssertTrue(try tableExists("customers"), "the earlier migration stays applied")
        XCTAssertFalse(try tableExists("orders"))
        XCTAssertEqual(try migrator.pendingVersions(connection), [2, 5], "later migrations are not attempted")
    }

    func testFileNamesParseIntoVersionAndName() throws {
        let migration = try Migration(file: "0003_add_orders.sql", sql: "SELECT 1;")
        XCTAssertEqual(migration.version, 3)
        XCTAssertEqual(migration.name, "add_orders")
        let nested = try Migration(file: "Migrations/0010_fts-search.sql", sql: "")
        XCTAssertEqual(nested.version, 10)
        XCTAssertEqual(nested.name, "fts-search")
    }

    func testMalformedFileNamesAreRejected() {
        for file in [
            "add_orders.sql", "0003.sql", "0003_.sql", "0003_add_orders.txt", "_add_orders.sql",
            "0000_zero.sql", "0003_add orders.sql", "0x03_hex.sql", "-003_negative.sql", "0003_订单.sql", "",
        ] {
            XCTAssertThrowsError(try Migration(file: file, sql: ""), file) { error in
                XCTAssertEqual(error as? MigrationError, .malformedFileName(file))
            }
        }
    }

    func testDuplicateOrUnorderedVersionsAreRejected() {
        XCTAssertThrowsError(try Migrator(migrations: [first, first])) {
            XCTAssertEqual($0 as? MigrationError, .duplicateVersion(1))
        }
        XCTAssertThrowsError(try Migrator(migrations: [second, first])) {
            XCTAssertEqual($0 as? MigrationError, .versionsOutOfOrder(previous: 2, next: 1))
        }
        XCTAssertThrowsError(try Migrator(migrations: [Migration(version: 0, name: "zero", sql: "")]))
    }
}
