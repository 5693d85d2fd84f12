import Foundation
import Postgres
import PostgresTestSupport
import XCTest

/// Real failures, caused between real connections, and how they classify.
final class ErrorClassificationTests: PostgresTestCase {
    func testADuplicateKeyIsAUniqueViolationWithTheKeyInTheDetail() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE customers(id serial PRIMARY KEY, email text UNIQUE NOT NULL)")
        try connection.run("INSERT INTO customers(email) VALUES ($1)", ["李娜@example.cn"])
        XCTAssertThrowsError(try connection.run("INSERT INTO customers(email) VALUES ($1)", ["李娜@example.cn"])) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.isUniqueViolation)
            XCTAssertTrue(error.isConstraintViolation)
            XCTAssertFalse(error.isRetryable)
            XCTAssertFalse(error.isUnavailable)
            XCTAssertEqual(error.sqlState, "23505")
            XCTAssertEqual(error.detail, "Key (email)=(李娜@example.cn) already exists.")
            XCTAssertEqual(error.sql, "INSERT INTO customers(email) VALUES ($1)")
        }
    }

    func testAForeignKeyFailureIsNotAUniqueViolation() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE a(id int PRIMARY KEY); CREATE TABLE b(a_id int REFERENCES a(id))")
        XCTAssertThrowsError(try connection.run("INSERT INTO b VALUES ($1)", [1])) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.isForeignKeyViolation, true)
            XCTAssertEqual(error?.isUniqueViolation, false)
        }
    }

    func testAConcurrentUpdateUnderRepeatableReadIsARetryableSerializationFailure() throws {
        let first = try connect()
        let second = try connect()
        try first.execute("CREATE TABLE counter(id int PRIMARY KEY, value int); INSERT INTO counter VALUES (1, 0)")
        try first.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        XCTAssertEqual(try first.queryOne("SELECT value FROM counter WHERE id = 1")?.int(0), 0)
        try second.run("UPDATE counter SET value = 10 WHERE id = 1")
        XCTAssertThrowsError(try first.run("UPDATE counter SET value = value + 1 WHERE id = 1")) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, PostgresError.serializationFailure)
            XCTAssertEqual(error?.isRetryable, true)
            XCTAssertEqual(error?.isUnavailable, false)
        }
        XCTAssertEqual(first.transactionStatus, .failed)
        try first.execute("ROLLBACK")
    }

    func testADeadlockMakesOneTransactionARetryableVictim() throws {
        let first = try connect()
        try first.execute("CREATE TABLE accounts(id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 100), (2, 100)")
        try first.execute("BEGIN")
        try first.run("UPDATE accounts SET balance = balance - 1 WHERE id = 1")

        // The other transaction locks row 2, then waits for row 1; this one then waits for row 2.
        let secondLocked = DispatchSemaphore(value: 0)
        let second = onAnotherConnection { connection -> PostgresError? in
            try connection.execute("BEGIN")
            try connection.run("UPDATE accounts SET balance = balance - 1 WHERE id = 2")
            secondLocked.signal()
            do {
                try connection.run("UPDATE accounts SET balance = balance + 1 WHERE id = 1")
                try connection.execute("COMMIT")
                return nil
            } catch let error as PostgresError {
                try connection.execute("ROLLBACK")
                return error
            }
        }
        XCTAssertEqual(secondLocked.wait(timeout: .now() + 10), .success)
        var firstError: PostgresError?
        do {
            try first.run("UPDATE accounts SET balance = balance + 1 WHERE id = 2")
            try first.execute("COMMIT")
        } catch let error as PostgresError {
            firstError = error
            try first.execute("ROLLBACK")
        }
        let secondError = try second.wait()

        let errors = [firstError, secondError].compactMap { $0 }
        XCTAssertEqual(errors.count, 1, "exactly one victim: \(errors)")
        XCTAssertEqual(errors.first?.sqlState, PostgresError.deadlockDetected)
        XCTAssertEqual(errors.first?.isRetryable, true)
        XCTAssertEqual(try first.queryOne("SELECT sum(balance) FROM accounts")?.int(0), 200, "the survivor's transfer is whole")
    }

    func testAnAdministratorEndingTheSessionMakesItUnavailable() throws {
        let connection = try connect()
        let other = try connect()
        try other.run("SELECT pg_terminate_backend($1)", [.integer(Int64(connection.backendProcessID))])
        XCTAssertThrowsError(try connection.queryOne("SELECT 1")) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.isUnavailable, true, "\(String(describing: error))")
        }
        XCTAssertTrue(connection.isBroken)
    }
}

/// The classification rules on their own, from SQLSTATEs alone.
final class ErrorCodeTests: XCTestCase {
    private func error(_ sqlState: String) -> PostgresError {
        PostgresError(sqlState: sqlState, message: "test")
    }

    func testUnavailableCoversConnectionFailuresShutdownsAndExhaustion() {
        for code in ["08000", "08001", "08003", "08006", "57P01", "57P02", "57P03", "53300"] {
            XCTAssertTrue(error(code).isUnavailable, code)
            XCTAssertFalse(error(code).isRetryable, code)
        }
        for code in ["08P01", "23505", "40001", "42601", "57014", "XX000"] {
            XCTAssertFalse(error(code).isUnavailable, code)
        }
    }

    func testRetryableIsSerializationFailureAndDeadlockOnly() {
        XCTAssertTrue(error("40001").isRetryable)
        XCTAssertTrue(error("40P01").isRetryable)
        XCTAssertFalse(error("40002").isRetryable)
        XCTAssertFalse(error("23505").isRetryable)
    }

    func testTheDescriptionCarriesCodeMessageDetailAndSQL() {
        let error = PostgresError(sqlState: "23505", message: "duplicate", detail: "Key (x)=(1) already exists.", sql: "INSERT")
        XCTAssertEqual(error.description, "PostgreSQL error 23505: duplicate (Key (x)=(1) already exists.) — in `INSERT`")
    }
}
