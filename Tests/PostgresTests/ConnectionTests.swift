import Foundation
import PostgresTestSupport
import XCTest

@testable import Postgres

#if canImport(Glibc)
    import Glibc
#endif

final class ConnectionTests: PostgresTestCase {
    func testConnectsOverTheUnixSocketAndRunsAQuery() throws {
        let connection = try connect()
        let row = try XCTUnwrap(try connection.queryOne("SELECT 1 + 1 AS two, current_database() AS name"))
        XCTAssertEqual(row.int("two"), 2)
        XCTAssertEqual(row.string("name"), database)
        XCTAssertGreaterThanOrEqual(connection.serverVersion, 120000, "the float decoding relies on PostgreSQL 12 or later")
        XCTAssertNotEqual(connection.backendProcessID, 0)
        XCTAssertEqual(connection.transactionStatus, .idle)
    }

    func testConnectsOverTCPFromAPostgresURL() throws {
        let connection = try Connection(cluster.tcpConfiguration(database: database))
        XCTAssertEqual(try connection.queryOne("SELECT inet_server_addr()::text")?.string(0), "127.0.0.1/32")
    }

    func testAKeyValueConnectionStringWorksToo() throws {
        let configuration = ConnectionConfiguration("host=\(cluster.folder) port=\(cluster.port) user=postgres dbname=\(database!)")
        XCTAssertEqual(try Connection(configuration).queryOne("SELECT 7")?.int(0), 7)
    }

    func testTheSessionIsUTF8WhateverTheConnectionStringSays() throws {
        var configuration = configuration
        configuration.connectionString += "&client_encoding=LATIN1"
        XCTAssertEqual(try Connection(configuration).queryOne("SHOW client_encoding")?.string(0), "UTF8")
    }

    func testAServerThatNeverAnswersFailsAtTheConnectTimeout() throws {
        // A listening socket nobody accepts on: the kernel completes the TCP handshake, then the
        // server's first message never comes.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        XCTAssertTrue(listening)
        let port = UInt16(bigEndian: address.sin_port)

        let started = ContinuousClock.now
        let configuration = ConnectionConfiguration("postgres://postgres@127.0.0.1:\(port)/x", connectTimeout: .milliseconds(300))
        XCTAssertThrowsError(try Connection(configuration)) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, PostgresError.cannotConnect)
            XCTAssertEqual(error?.isUnavailable, true)
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(300))
        XCTAssertLessThan(elapsed, .seconds(2))
    }

    func testNoServerAtTheAddressIsUnavailableAtOnce() throws {
        let configuration = ConnectionConfiguration("postgres:///x?host=\(cluster.folder)&port=1&user=postgres")
        let started = ContinuousClock.now
        XCTAssertThrowsError(try Connection(configuration)) { error in
            XCTAssertEqual((error as? PostgresError)?.isUnavailable, true)
            XCTAssertTrue("\(error)".contains("No such file"), "libpq's reason is kept: \(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }

    // MARK: - Bindings and values

    func testEveryBindingTypeRoundTrips() throws {
        let connection = try connect()
        let bytes = (0...255).map { UInt8($0) }
        let row = try XCTUnwrap(
            try connection.queryOne(
                "SELECT $1::bigint, $2::float8, $3::text, $4::bytea, $5::boolean, $6::boolean, $7::text, $8::bytea",
                [.integer(.min), .double(0.1), .text("plain"), .bytes(bytes), true, false, .null, .bytes([])]))
        XCTAssertEqual(
            row.values, [.integer(.min), .double(0.1), .text("plain"), .bytes(bytes), .bool(true), .bool(false), .null, .bytes([])])

        for integer: Int64 in [.max, .min, 0, -1, 42] {
            XCTAssertEqual(try connection.queryOne("SELECT $1::bigint", [.integer(integer)])?.int64(0), integer)
        }
        for double in [0.1, -0.0, .pi, 1e300, -2.5e-308, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity] {
            let back = try connection.queryOne("SELECT $1::float8", [.double(double)])?.double(0)
            XCTAssertEqual(back?.bitPattern, double.bitPattern, "\(double) reads back as the same double")
        }
        XCTAssertEqual(try connection.queryOne("SELECT $1::float8", [.double(.nan)])?.double(0)?.isNaN, true)
    }

    func testValuesRoundTripThroughTypedColumns() throws {
        let connection = try connect()
        try connection.execute(
            """
            CREATE TABLE sample(
                small int2, regular int4, big int8, ratio float4, exact float8, amount numeric(12, 2),
                label text, code varchar(8), photo bytea, active boolean, at timestamptz, data jsonb, id uuid)
            """)
        try connection.execute("SET TIME ZONE 'UTC'")
        try connection.run(
            "INSERT INTO sample VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            [
                7, 70_000, 9_000_000_000, 0.5, 2.25, "1234.50", "label", "AB", .bytes([0, 1, 254]), true,
                "2024-02-29T12:34:56.789Z", #"{"城市": "上海"}"#, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            ])
        let row = try XCTUnwrap(try connection.queryOne("SELECT * FROM sample"))
        XCTAssertEqual(row.int("small"), 7)
        XCTAssertEqual(row.int("regular"), 70_000)
        XCTAssertEqual(row.int64("big"), 9_000_000_000)
        XCTAssertEqual(row.double("ratio"), 0.5)
        XCTAssertEqual(row.double("exact"), 2.25)
        XCTAssertEqual(row["amount"], .text("1234.50"), "numeric stays exact, as text")
        XCTAssertEqual(row.double("amount"), 1234.5)
        XCTAssertEqual(row.string("label"), "label")
        XCTAssertEqual(row.string("code"), "AB")
        XCTAssertEqual(row.bytes("photo"), [0, 1, 254])
        XCTAssertEqual(row.bool("active"), true)
        XCTAssertEqual(row.string("at"), "2024-02-29 12:34:56.789+00")
        XCTAssertEqual(row.string("data"), #"{"城市": "上海"}"#)
        XCTAssertEqual(row.string("id"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
        XCTAssertEqual(try connection.queryOne("SELECT sum(big) FROM sample")?.int64(0), 9_000_000_000, "numeric text reads as an integer")
    }

    func testNullsBindAndReadAsNull() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE people(id int8 PRIMARY KEY, name text, age int4, photo bytea, vip boolean)")
        let missingName: String? = nil
        try connection.run(
            "INSERT INTO people VALUES ($1, $2, $3, $4, $5)", [1, PostgresValue(missingName), nil, PostgresValue(nil as [UInt8]?), nil])
        let row = try XCTUnwrap(try connection.queryOne("SELECT name, age, photo, vip FROM people"))
        XCTAssertEqual(row.values, [.null, .null, .null, .null])
        XCTAssertNil(row.string("name"))
        XCTAssertNil(row.int("age"))
        XCTAssertNil(row.bytes("photo"))
        XCTAssertNil(row.bool("vip"))
        XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM people WHERE name IS NULL AND age IS NULL")?.int(0), 1)
        XCTAssertEqual(
            try connection.queryOne("SELECT count(*) FROM people WHERE name = $1", [""])?.int(0), 0, "an empty string is not NULL")
        XCTAssertTrue(row["no_such_column"].isNull)
        XCTAssertFalse(row.hasColumn("no_such_column"))
    }

    func testChineseTextRoundTripsAndIsSearchable() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE customers(id serial PRIMARY KEY, name text NOT NULL, city text)")
        let names = ["张伟", "李娜", "王芳 🧧", "O'Brien 欧布莱恩"]
        for name in names {
            try connection.run("INSERT INTO customers(name, city) VALUES ($1, $2)", [.text(name), "上海市浦东新区"])
        }
        XCTAssertEqual(try connection.query("SELECT name FROM customers ORDER BY id").compactMap { $0.string(0) }, names)
        let found = try connection.query("SELECT name, char_length(name) AS length FROM customers WHERE name LIKE $1", ["%娜%"])
        XCTAssertEqual(found.map { $0.string("name") }, ["李娜"])
        XCTAssertEqual(found.first?.int("length"), 2, "characters, not bytes")
        XCTAssertEqual(try connection.queryOne(#"SELECT city AS "城市" FROM customers LIMIT 1"#)?.string("城市"), "上海市浦东新区")
    }

    func testTextWithANulCharacterIsRefusedBeforeItIsCut() throws {
        let connection = try connect()
        XCTAssertThrowsError(try connection.queryOne("SELECT $1::text", [.text("a\u{0}b")])) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, PostgresError.characterNotInRepertoire)
        }
    }

    // MARK: - Statements

    func testAPreparedStatementIsPreparedOnceAndReused() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE notes(id serial PRIMARY KEY, body text)")
        let insert = try connection.prepare("INSERT INTO notes(body) VALUES ($1)")
        for body in ["一", "二", "三"] {
            XCTAssertEqual(try insert.run([.text(body)]), 1)
        }
        XCTAssertTrue(try connection.prepare("INSERT INTO notes(body) VALUES ($1)") === insert, "the cache hands back the same statement")
        try connection.run("INSERT INTO notes(body) VALUES ($1)", ["四"])
        XCTAssertEqual(connection.preparedStatementCount, 1)
        XCTAssertEqual(
            try connection.queryOne("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", [.text(insert.sql)])?.int(0), 1,
            "one server-side statement")
        XCTAssertEqual(try connection.query("SELECT body FROM notes ORDER BY id").compactMap { $0.string(0) }, ["一", "二", "三", "四"])
        XCTAssertEqual(try connection.run("UPDATE notes SET body = body || '!' WHERE id > $1", [2]), 2, "rows changed")
    }

    func testAStatementPreparedInARolledBackTransactionStaysPrepared() throws {
        let connection = try connect()
        try connection.execute("BEGIN")
        let statement = try connection.prepare("SELECT $1::int8 * 2")
        try connection.execute("ROLLBACK")
        XCTAssertEqual(try statement.queryOne([21])?.int(0), 42)
    }

    func testAFullStatementCacheStartsOverAndHeldStatementsPrepareThemselvesAgain() throws {
        let connection = try connect()
        let held = try connection.prepare("SELECT $1::int8 + 1")
        for number in 1...Connection.statementCacheLimit {
            XCTAssertEqual(try connection.queryOne("SELECT \(number)")?.int(0), number)
        }
        XCTAssertEqual(connection.preparedStatementCount, 1, "emptied when full, then the newest added")
        XCTAssertEqual(try connection.queryOne("SELECT count(*) FROM pg_prepared_statements")?.int(0), 2)
        XCTAssertEqual(try held.queryOne([41])?.int(0), 42)
    }

    func testSyntaxErrorsSurfaceWhenPreparing() throws {
        let connection = try connect()
        XCTAssertThrowsError(try connection.prepare("SELEC 1")) { error in
            let error = error as? PostgresError
            XCTAssertEqual(error?.sqlState, "42601")
            XCTAssertEqual(error?.sql, "SELEC 1")
            XCTAssertEqual(error?.isUnavailable, false)
        }
        XCTAssertEqual(connection.preparedStatementCount, 0)
        XCTAssertEqual(try connection.queryOne("SELECT 1")?.int(0), 1, "the connection goes on")
    }

    func testAWrongNumberOfBindingsIsAnErrorNotAnOutage() throws {
        let connection = try connect()
        XCTAssertThrowsError(try connection.queryOne("SELECT $1::int8 + $2::int8", [1])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "08P01")
            XCTAssertEqual((error as? PostgresError)?.isUnavailable, false)
        }
        XCTAssertFalse(connection.isBroken)
    }

    func testExecuteRunsScripts() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE a(x int); INSERT INTO a VALUES (1), (2); CREATE INDEX ON a(x)")
        XCTAssertEqual(try connection.queryOne("SELECT sum(x) FROM a")?.int(0), 3)
    }

    func testAClosedConnectionThrowsATypedError() throws {
        let connection = try connect()
        connection.close()
        XCTAssertTrue(connection.isBroken)
        XCTAssertThrowsError(try connection.queryOne("SELECT 1")) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, PostgresError.connectionClosed)
        }
    }
}
