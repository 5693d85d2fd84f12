import CRM
import Foundation
import Postgres
import PostgresTestSupport
import SQLite
import XCTest

/// A value bound the same way on both engines.
enum Value: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    case null
    case integer(Int64)
    case text(String)
    case bytes([UInt8])

    init(integerLiteral value: Int64) { self = .integer(value) }
    init(stringLiteral value: String) { self = .text(value) }
    init(nilLiteral: ()) { self = .null }

    var sqlite: SQLValue {
        switch self {
        case .null: .null
        case .integer(let value): .integer(value)
        case .text(let value): .text(value)
        case .bytes(let value): .blob(value)
        }
    }

    var postgres: PostgresValue {
        switch self {
        case .null: .null
        case .integer(let value): .integer(value)
        case .text(let value): .text(value)
        case .bytes(let value): .bytes(value)
        }
    }
}

/// The CRM schema on both engines, each fresh from its own migrator: an in-memory SQLite database
/// and the test's PostgreSQL database. Statements are written once, with `?` placeholders, and
/// run on both (the `$n` PostgreSQL wants is made here, as the dialect layer will make it), so a
/// test states what the two must agree on.
final class BothEngines {
    let sqlite: SQLite.Connection
    let postgres: Postgres.Connection

    init(postgres: Postgres.Connection) throws {
        sqlite = try SQLite.Connection(path: ":memory:")
        try Schema.migrator().migrate(sqlite)
        self.postgres = postgres
        try Schema.postgresMigrator().migrate(postgres)
    }

    /// Runs `sql` on both engines.
    func run(_ sql: String, _ values: [Value] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        do {
            try sqlite.run(sql, values.map(\.sqlite))
        } catch {
            XCTFail("SQLite: \(error)", file: file, line: line)
            throw error
        }
        do {
            try postgres.run(BothEngines.numberedPlaceholders(sql), values.map(\.postgres))
        } catch {
            XCTFail("PostgreSQL: \(error)", file: file, line: line)
            throw error
        }
    }

    /// The rows of `sql` on each engine, every value as text (NULL as "NULL", bytes in hex).
    func rows(_ sql: String, _ values: [Value] = []) throws -> (sqlite: [[String]], postgres: [[String]]) {
        let fromSQLite = try sqlite.query(sql, values.map(\.sqlite)).map { row in row.values.map(BothEngines.text) }
        let fromPostgres = try postgres.query(BothEngines.numberedPlaceholders(sql), values.map(\.postgres)).map { row in
            row.values.map(BothEngines.text)
        }
        return (fromSQLite, fromPostgres)
    }

    /// Asserts that `sql` returns the same rows on both engines, and returns them.
    @discardableResult
    func assertSameRows(
        _ sql: String, _ values: [Value] = [], _ message: String = "", file: StaticString = #filePath, line: UInt = #line
    ) throws -> [[String]] {
        let (fromSQLite, fromPostgres) = try rows(sql, values)
        XCTAssertEqual(fromPostgres, fromSQLite, "\(sql) \(message)", file: file, line: line)
        return fromSQLite
    }

    /// `?` → `$1`, `$2`, … outside string literals.
    static func numberedPlaceholders(_ sql: String) -> String {
        var output = ""
        var number = 0
        var inLiteral = false
        for character in sql {
            if character == "'" { inLiteral.toggle() }
            if character == "?", !inLiteral {
                number += 1
                output += "$\(number)"
            } else {
                output.append(character)
            }
        }
        return output
    }

    private static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let integer): String(integer)
        case .real(let real): "\(real)"
        case .text(let text): text
        case .blob(let bytes): bytes.map { String($0, radix: 16) }.joined()
        }
    }

    private static func text(_ value: PostgresValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let integer): String(integer)
        case .double(let double): "\(double)"
        case .text(let text): text
        case .bytes(let bytes): bytes.map { String($0, radix: 16) }.joined()
        case .bool(let bool): bool ? "1" : "0"
        }
    }
}

/// A PostgreSQL test with the CRM schema on both engines at hand.
class SchemaTestCase: PostgresTestCase {
    func bothEngines() throws -> BothEngines {
        try BothEngines(postgres: try connect())
    }
}
