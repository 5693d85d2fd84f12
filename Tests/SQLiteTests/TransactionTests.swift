import XCTest

@testable import SQLite

final class TransactionTests: XCTestCase {
    private struct Boom: Error {}

    private var directory: TemporaryDirectory!
    private var connection: Connection!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        connection = try Connection(path: directory.path())
        try connection.execute("CREATE TABLE t(x INTEGER UNIQUE)")
    }

    override func tearDown() {
        connection = nil
        directory.remove()
    }

    private func values() throws -> [Int] {
        try connection.query("SELECT x FROM t ORDER BY x").compactMap { $0.int(0) }
    }

    func testTransactionCommitsWhenBodyReturns() throws {
        let id = try connection.transaction {
            try connection.run("INSERT INTO t VALUES (?)", [1])
            return connection.lastInsertRowID
        }
        XCTAssertEqual(id, 1)
        XCTAssertFalse(connection.isInTransaction)
        XCTAssertEqual(try values(), [1])
    }

    func testTransactionRollsBackWhenBodyThrows() throws {
        XCTAssertThrowsError(
            try connection.transaction(.deferred) {
                try connection.run("INSERT INTO t VALUES (?)", [1])
                XCTAssertTrue(connection.isInTransaction)
                throw Boom()
            }
        ) { XCTAssertTrue($0 is Boom) }
        XCTAssertFalse(connection.isInTransaction)
        XCTAssertEqual(try values(), [])
    }

    func testSavepointsNestAndRollBackOnlyTheirOwnWork() throws {
        try connection.savepoint("outer") {
            try connection.run("INSERT INTO t VALUES (?)", [1])
            XCTAssertThrowsError(
                try connection.savepoint("inner") {
                    try connection.run("INSERT INTO t VALUES (?)", [2])
                    try connection.savepoint("innermost") {
                        try connection.run("INSERT INTO t VALUES (?)", [3])
                    }
                    throw Boom()
                })
            try connection.savepoint("sibling \"quoted\"") {
                try connection.run("INSERT INTO t VALUES (?)", [4])
            }
        }
        XCTAssertFalse(connection.isInTransaction)
        XCTAssertEqual(try values(), [1, 4])
    }

    func testTransactionInsideATransactionNestsAsASavepoint() throws {
        try connection.transaction {
            try connection.run("INSERT INTO t VALUES (?)", [1])
            XCTAssertThrowsError(
                try connection.transaction {
                    try connection.run("INSERT INTO t VALUES (?)", [2])
                    try connection.run("INSERT INTO t VALUES (?)", [1])  // unique violation
                })
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES (?)", [3])
            }
        }
        XCTAssertEqual(try values(), [1, 3])
    }

    func testFailedStatementInsideTransactionKeepsEarlierWorkUntilRollback() throws {
        XCTAssertThrowsError(
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES (?)", [1])
                try connection.run("INSERT INTO t VALUES (?)", [1])
            }
        ) { XCTAssertEqual(($0 as? SQLiteError)?.code, 2067) }
        XCTAssertEqual(try values(), [])
    }
}
