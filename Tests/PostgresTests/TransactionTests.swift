import Postgres
import PostgresTestSupport
import XCTest

final class TransactionTests: PostgresTestCase {
    private struct Boom: Error {}

    private var connection: Connection!

    override func setUpWithError() throws {
        try super.setUpWithError()
        connection = try connect()
        try connection.execute("CREATE TABLE t(x int UNIQUE); CREATE TABLE counter(id int PRIMARY KEY, value int)")
        try connection.execute("INSERT INTO counter VALUES (1, 0)")
    }

    private func values() throws -> [Int] {
        try connection.query("SELECT x FROM t ORDER BY x").compactMap { $0.int(0) }
    }

    func testTransactionCommitsWhenBodyReturns() throws {
        let x = try connection.transaction {
            try connection.queryOne("INSERT INTO t VALUES ($1) RETURNING x", [1])?.int(0)
        }
        XCTAssertEqual(x, 1)
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertEqual(try values(), [1])
    }

    func testTransactionRollsBackWhenBodyThrows() throws {
        XCTAssertThrowsError(
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES ($1)", [1])
                XCTAssertEqual(connection.transactionStatus, .inTransaction)
                throw Boom()
            }
        ) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertEqual(try values(), [])
    }

    func testAFailedStatementRollsBackTheWholeTransaction() throws {
        XCTAssertThrowsError(
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES ($1)", [1])
                try connection.run("INSERT INTO t VALUES ($1)", [1])
            }
        ) { XCTAssertEqual(($0 as? PostgresError)?.isUniqueViolation, true) }
        XCTAssertEqual(try values(), [])
    }

    func testABodyThatSwallowsAFailedStatementDoesNotCommit() throws {
        XCTAssertThrowsError(
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES ($1)", [1])
                _ = try? connection.run("INSERT INTO t VALUES ($1)", [1])
            }
        ) { XCTAssertEqual(($0 as? PostgresError)?.sqlState, PostgresError.inFailedTransaction) }
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertEqual(try values(), [])
    }

    func testANestedTransactionIsASavepoint() throws {
        try connection.transaction {
            try connection.run("INSERT INTO t VALUES ($1)", [1])
            XCTAssertThrowsError(
                try connection.transaction {
                    try connection.run("INSERT INTO t VALUES ($1)", [2])
                    try connection.run("INSERT INTO t VALUES ($1)", [1])  // unique violation
                })
            XCTAssertEqual(connection.transactionStatus, .inTransaction, "the savepoint's rollback keeps the outer one usable")
            try connection.savepoint("sibling \"quoted\"") {
                try connection.run("INSERT INTO t VALUES ($1)", [3])
            }
        }
        XCTAssertEqual(try values(), [1, 3])
    }

    func testASerializationFailureIsRetriedAndTheSecondAttemptCommits() throws {
        let other = try connect()
        var attempts = 0
        try connection.transaction(.repeatableRead) {
            attempts += 1
            let value = try XCTUnwrap(try connection.queryOne("SELECT value FROM counter WHERE id = 1")?.int64(0))
            if attempts == 1 {
                // Commits after this transaction's snapshot: its update below must fail.
                try other.run("UPDATE counter SET value = value + 10 WHERE id = 1")
            }
            try connection.run("UPDATE counter SET value = $1 WHERE id = 1", [.integer(value + 1)])
        }
        XCTAssertEqual(attempts, 2)
        XCTAssertEqual(try connection.queryOne("SELECT value FROM counter WHERE id = 1")?.int(0), 11, "no lost update")
    }

    func testRetriesAreBoundedAndTheLastFailureIsThrown() throws {
        let other = try connect()
        var attempts = 0
        XCTAssertThrowsError(
            try connection.transaction(.serializable, maximumAttempts: 3) {
                attempts += 1
                _ = try connection.queryOne("SELECT value FROM counter WHERE id = 1")
                try other.run("UPDATE counter SET value = value + 1 WHERE id = 1")
                try connection.run("UPDATE counter SET value = 0 WHERE id = 1")
            }
        ) { XCTAssertEqual(($0 as? PostgresError)?.isRetryable, true) }
        XCTAssertEqual(attempts, 3)
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertEqual(try connection.queryOne("SELECT value FROM counter WHERE id = 1")?.int(0), 3)
    }

    func testOtherErrorsAreNotRetried() throws {
        var attempts = 0
        XCTAssertThrowsError(
            try connection.transaction {
                attempts += 1
                throw Boom()
            })
        XCTAssertEqual(attempts, 1)
    }
}
