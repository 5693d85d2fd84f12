import XCTest

@testable import SQLite

final class ConnectionTests: XCTestCase {
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

    // MARK: - Values

    func testEveryValueKindRoundTripsUnchanged() throws {
        try connection.execute("CREATE TABLE v(id INTEGER PRIMARY KEY, x)")
        let values: [SQLValue] = [
            .null, .integer(Int64.max), .integer(Int64.min), 0, -1, 3.25, .real(-1e300),
            "张伟 · 北京市朝阳区 😀", "", "a\u{0}b", .blob([0, 1, 127, 128, 255]), .blob([]),
        ]
        for value in values {
            try connection.run("INSERT INTO v(x) VALUES (?)", [value])
        }
        let read = try connection.query("SELECT x FROM v ORDER BY id").map { $0[0] }
        XCTAssertEqual(read, values)
    }

    func testTypedAccessorsByIndexAndByName() throws {
        let row = try XCTUnwrap(
            connection.queryOne(
                "SELECT ? AS i, ? AS s, ? AS d, ? AS b, ? AS n, ? AS bytes",
                [SQLValue(42), SQLValue("李娜"), 2.5, true, nil, .blob([9, 8])]))
        XCTAssertEqual(row.count, 6)
        XCTAssertEqual(row.int(0), 42)
        XCTAssertEqual(row.int64("i"), 42)
        XCTAssertEqual(row.string("s"), "李娜")
        XCTAssertEqual(row.double("d"), 2.5)
        XCTAssertEqual(row.double("i"), 42)
        XCTAssertEqual(row.bool("b"), true)
        XCTAssertNil(row.int("n"))
        XCTAssertNil(row.int("d"), "2.5 is not an Int")
        XCTAssertNil(row.string("i"), "an integer is not text")
        XCTAssertEqual(row.blob("bytes"), [9, 8])
        XCTAssertEqual(row["S"], "李娜", "column names are case-insensitive")
        XCTAssertEqual(row["absent"], .null)
        XCTAssertFalse(row.hasColumn("absent"))
        XCTAssertEqual(row.columnNames, ["i", "s", "d", "b", "n", "bytes"])
    }

    func testPositionsAreKeptPerCallerKeyForEveryRowOfAResult() throws {
        try connection.execute("CREATE TABLE p(id INTEGER PRIMARY KEY, a, b)")
        try connection.run("INSERT INTO p(a, b) VALUES (1, 2), (3, 4)")
        var seen: [[[Int?]]] = []
        try connection.forEachRowView("SELECT id, a, b FROM p ORDER BY id") { row in
            // Two callers with their own lists, and a name the result does not have.
            seen.append([
                row.positions(of: ["b", "id"], key: "first"), row.positions(of: ["a", "missing"], key: "second"),
                row.positions(of: ["ignored"], key: "first"),
            ])
            return true
        }
        let expected: [[Int?]] = [[2, 0], [1, nil], [2, 0]]
        XCTAssertEqual(seen, [expected, expected])
        let copy = try XCTUnwrap(connection.queryOne("SELECT b, a FROM p"))
        XCTAssertEqual(copy.positions(of: ["a", "b"], key: "first"), [1, 0])
    }

    func testOptionalConveniencesBindNullForNil() {
        let noInt: Int? = nil
        let noString: String? = nil
        XCTAssertEqual(SQLValue(noInt), .null)
        XCTAssertEqual(SQLValue(noString), .null)
        XCTAssertEqual(SQLValue(Optional(7)), .integer(7))
        XCTAssertEqual(SQLValue(false), .integer(0))
    }

    func testChineseTextMatchesWhenBoundAndQueried() throws {
        try connection.execute("CREATE TABLE people(name TEXT NOT NULL)")
        try connection.run("INSERT INTO people(name) VALUES (?), (?)", ["王芳", "Zhang Wei"])
        let row = try connection.queryOne("SELECT count(*) FROM people WHERE name = ?", ["王芳"])
        XCTAssertEqual(row?.int(0), 1)
        let like = try connection.queryOne("SELECT name FROM people WHERE name LIKE ?", ["王%"])
        XCTAssertEqual(like?.string(0), "王芳")
    }

    func testNamedParametersBindWithOrWithoutPrefix() throws {
        let statement = try connection.prepare("SELECT :a, @b, $c")
        try statement.bind(1, named: "a")
        try statement.bind("two", named: "@b")
        try statement.bind(3.0, named: "c")
        let row = try XCTUnwrap(statement.step())
        XCTAssertEqual(row.values, [1, "two", 3.0])
        XCTAssertEqual(statement.columnCount, 3)
        XCTAssertEqual(statement.columnName(0), ":a")
        XCTAssertThrowsError(try statement.bind(1, named: "missing"))
    }

    // MARK: - Statements and the cache

    func testCachedStatementIsReusedAndComesBackResetWithBindingsCleared() throws {
        let first = try connection.cachedStatement("SELECT ?")
        try first.bind([5])
        XCTAssertEqual(try first.step()?[0], 5)
        let second = try connection.cachedStatement("SELECT ?")
        XCTAssertTrue(first === second)
        XCTAssertEqual(try second.step()?[0], .null, "bindings cleared, statement reset")

        for value in 0..<10 {
            XCTAssertEqual(try connection.queryOne("SELECT ? + 1", [.integer(Int64(value))])?.int(0), value + 1)
        }
        XCTAssertEqual(connection.cachedStatementCount, 2)
    }

    /// SQL built from a request (a rule tree's or an any-of filter's placeholders) is not kept
    /// compiled without bound: long SQL is compiled for its one use, and the cache starts again
    /// once its SQL passes its byte budget.
    func testLongOrManyDynamicStatementsAreNotKeptWithoutBound() throws {
        let long = "SELECT " + Array(repeating: "?", count: Connection.uncachedSQLBytes / 3 + 1).joined(separator: ", ")
        let first = try connection.cachedStatement(long)
        XCTAssertFalse(first === (try connection.cachedStatement(long)), "compiled for its one use")
        XCTAssertEqual(connection.cachedStatementCount, 0)
        XCTAssertEqual(try connection.queryOne(long, Array(repeating: .integer(7), count: Connection.uncachedSQLBytes / 3 + 1))?.int(0), 7)

        let padding = String(repeating: " ", count: 3_000)
        for index in 0..<((Connection.statementCacheBytes / 3_000) + 10) {
            _ = try connection.queryOne("SELECT \(index)" + padding)
        }
        XCTAssertLessThanOrEqual(connection.cachedStatementCount, Connection.statementCacheBytes / 3_000)
    }

    func testNestedQueryWithSameSQLDoesNotDisturbTheOuterIteration() throws {
        try connection.execute("CREATE TABLE n(x INTEGER); INSERT INTO n VALUES (1), (2), (3);")
        var seen: [Int] = []
        try connection.forEachRow("SELECT x FROM n WHERE x >= ? ORDER BY x", [1]) { row in
            seen.append(row.int(0) ?? -1)
            let inner = try connection.query("SELECT x FROM n WHERE x >= ? ORDER BY x", [3])
            XCTAssertEqual(inner.count, 1)
            return true
        }
        XCTAssertEqual(seen, [1, 2, 3])
    }

    func testHoldingFirstRowKeepsItsSnapshotForTheBodyAndNoLonger() throws {
        let path = directory.path("held.sqlite")
        let writer = try Connection(path: path)
        try writer.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
        let reader = try Connection(path: path, readOnly: true)
        let (first, inBody) = try reader.holdingFirstRow("SELECT x FROM t", [], { $0?.int64(at: 0) }) { first in
            try writer.run("INSERT INTO t VALUES (2)")
            return (first, try reader.queryOne("SELECT count(*) FROM t")?.int64(0))
        }
        XCTAssertEqual(first, 1)
        XCTAssertEqual(inBody, 1, "the body read outside the first row's snapshot")
        XCTAssertEqual(try reader.queryOne("SELECT count(*) FROM t")?.int64(0), 2)
        let none = try reader.holdingFirstRow("SELECT x FROM t WHERE x > 5", [], { $0?.int64(at: 0) }) { $0 }
        XCTAssertNil(none)
        reader.close()
        writer.close()
    }

    func testForEachRowStopsWhenBodyReturnsFalse() throws {
        try connection.execute("CREATE TABLE n(x INTEGER); INSERT INTO n VALUES (1), (2), (3);")
        var seen = 0
        try connection.forEachRow("SELECT x FROM n") { _ in
            seen += 1
            return seen < 2
        }
        XCTAssertEqual(seen, 2)
    }

    func testRunBorrowingStoresEveryKindAndLeavesNoBindingBehind() throws {
        try connection.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, x, y, z)")
        let insert = try connection.prepare("INSERT INTO b(x, y, z) VALUES (?, ?, ?)")
        let rows: [[SQLValue]] = [
            ["张伟 · 北京市 😀", .null, 42], ["a\u{0}b", .blob([0, 255]), 2.5], ["", "a longer string than fifteen bytes", .blob([])],
        ]
        for row in rows { try insert.runBorrowing(row) }
        XCTAssertEqual(try connection.query("SELECT x, y, z FROM b ORDER BY id").map { [$0[0], $0[1], $0[2]] }, rows)
        // The borrowed strings are gone: the statement holds NULLs, not pointers to them.
        try insert.run()
        XCTAssertEqual(try connection.queryOne("SELECT x, y, z FROM b WHERE id = 4").map { [$0[0], $0[1], $0[2]] }, [.null, .null, .null])
        XCTAssertThrowsError(try insert.runBorrowing(["too few"])) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 25, "SQLITE_RANGE")
        }
    }

    func testPrepareRefusesASecondStatementAndBindingCountMismatches() throws {
        XCTAssertThrowsError(try connection.prepare("SELECT 1; SELECT 2")) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, sqliteMisuse)
        }
        XCTAssertNoThrow(try connection.prepare("SELECT 1; -- a comment"))
        XCTAssertThrowsError(try connection.query("SELECT ?, ?", [1])) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 25, "SQLITE_RANGE")
        }
    }

    func testRunReportsChangesAndLastInsertRowID() throws {
        try connection.execute("CREATE TABLE c(id INTEGER PRIMARY KEY, x INTEGER)")
        try connection.run("INSERT INTO c(x) VALUES (?)", [10])
        XCTAssertEqual(connection.lastInsertRowID, 1)
        try connection.run("INSERT INTO c(x) VALUES (?)", [20])
        XCTAssertEqual(try connection.run("UPDATE c SET x = x + 1"), 2)
        XCTAssertEqual(connection.changes, 2)
    }

    // MARK: - Errors

    func testUniqueViolationCarriesExtendedCodeAndSQL() throws {
        try connection.execute("CREATE TABLE u(email TEXT UNIQUE)")
        let insert = "INSERT INTO u(email) VALUES (?)"
        try connection.run(insert, ["a@example.com"])
        XCTAssertThrowsError(try connection.run(insert, ["a@example.com"])) { error in
            guard let error = error as? SQLiteError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code, 2067)
            XCTAssertEqual(error.primaryCode, 19)
            XCTAssertTrue(error.isUniqueViolation)
            XCTAssertTrue(error.isConstraintViolation)
            XCTAssertFalse(error.isBusy)
            XCTAssertEqual(error.sql, insert)
            XCTAssertTrue(error.message.contains("u.email"), error.message)
            XCTAssertTrue(error.description.contains("2067"), error.description)
        }
    }

    func testForeignKeysAndNotNullAreEnforced() throws {
        try connection.execute(
            """
            CREATE TABLE parent(id INTEGER PRIMARY KEY);
            CREATE TABLE child(parent_id INTEGER NOT NULL REFERENCES parent(id));
            """)
        XCTAssertThrowsError(try connection.run("INSERT INTO child VALUES (?)", [99])) { error in
            XCTAssertEqual((error as? SQLiteError)?.isForeignKeyViolation, true, "\(error)")
        }
        XCTAssertThrowsError(try connection.run("INSERT INTO child VALUES (?)", [nil])) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 1299, "\(error)")
        }
    }

    func testSyntaxErrorFromExecuteCarriesTheSQL() {
        XCTAssertThrowsError(try connection.execute("CREATE TABLE")) { error in
            let error = error as? SQLiteError
            XCTAssertEqual(error?.code, 1)
            XCTAssertEqual(error?.sql, "CREATE TABLE")
        }
    }

    // MARK: - Configuration

    func testWriterAndReaderPragmasAreApplied() throws {
        XCTAssertEqual(try connection.queryOne("PRAGMA journal_mode")?.string(0), "wal")
        XCTAssertEqual(try connection.queryOne("PRAGMA foreign_keys")?.int(0), 1)
        XCTAssertEqual(try connection.queryOne("PRAGMA synchronous")?.int(0), 2, "FULL")
        XCTAssertEqual(try connection.queryOne("PRAGMA busy_timeout")?.int(0), 5000)
        try connection.execute("CREATE TABLE t(x)")

        let reader = try Connection(
            path: directory.path(), readOnly: true,
            configuration: .init(synchronous: .normal, busyTimeoutMilliseconds: 250))
        XCTAssertEqual(try reader.queryOne("PRAGMA query_only")?.int(0), 1)
        XCTAssertEqual(try reader.queryOne("PRAGMA synchronous")?.int(0), 1, "NORMAL")
        XCTAssertEqual(try reader.queryOne("PRAGMA busy_timeout")?.int(0), 250)
        XCTAssertThrowsError(try reader.run("INSERT INTO t VALUES (1)")) { error in
            XCTAssertEqual((error as? SQLiteError)?.primaryCode, 8, "SQLITE_READONLY: \(error)")
        }
    }

    func testUseAfterCloseThrowsMisuse() throws {
        connection.close()
        XCTAssertThrowsError(try connection.query("SELECT 1")) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, sqliteMisuse)
        }
    }

    func testOpeningAMissingDatabaseReadOnlyFails() {
        XCTAssertThrowsError(try Connection(path: directory.path("absent.sqlite"), readOnly: true)) { error in
            XCTAssertEqual((error as? SQLiteError)?.primaryCode, 14, "SQLITE_CANTOPEN: \(error)")
        }
    }
}

/// SQLITE_MISUSE: what this layer reports for API misuse.
let sqliteMisuse: Int32 = 21
