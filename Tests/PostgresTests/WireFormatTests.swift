import XCTest

@testable import Postgres

/// The text forms values travel in, without a server.
final class WireFormatTests: XCTestCase {
    private func decode(_ text: String, _ type: UInt32) -> PostgresValue {
        Array(text.utf8).withUnsafeBufferPointer { PostgresValue.decode($0, type: type) }
    }

    private func integer(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBufferPointer { PostgresValue.parseInteger($0) }
    }

    func testIntegersParseToTheirLimitsAndNoFurther() {
        XCTAssertEqual(integer("0"), 0)
        XCTAssertEqual(integer("-42"), -42)
        XCTAssertEqual(integer("9223372036854775807"), .max)
        XCTAssertEqual(integer("-9223372036854775808"), .min)
        XCTAssertNil(integer("9223372036854775808"))
        XCTAssertNil(integer("-9223372036854775809"))
        XCTAssertNil(integer(""))
        XCTAssertNil(integer("-"))
        XCTAssertNil(integer("1.5"))
        XCTAssertNil(integer(" 1"))
    }

    func testColumnsDecodeByType() {
        XCTAssertEqual(decode("32767", TypeOID.int2), .integer(32767))
        XCTAssertEqual(decode("-7", TypeOID.int8), .integer(-7))
        XCTAssertEqual(decode("1e+300", TypeOID.float8), .double(1e300))
        XCTAssertEqual(decode("-Infinity", TypeOID.float8), .double(-.infinity))
        XCTAssertEqual(decode("t", TypeOID.bool), .bool(true))
        XCTAssertEqual(decode("f", TypeOID.bool), .bool(false))
        XCTAssertEqual(decode("\\x00ff7A", TypeOID.bytea), .bytes([0, 255, 122]))
        XCTAssertEqual(decode("\\x", TypeOID.bytea), .bytes([]))
        XCTAssertEqual(decode("12.50", 1700), .text("12.50"), "numeric stays exact")
        XCTAssertEqual(decode("上海", 25), .text("上海"))
        XCTAssertEqual(decode("\\x0", TypeOID.bytea), .text("\\x0"), "a form not understood is kept as text")
    }

    func testFloatsAreWrittenInTheShortestExactFormAndNonFiniteOnesInPostgreSQLsSpelling() {
        XCTAssertEqual(PostgresValue.floatText(0.1), "0.1")
        XCTAssertEqual(PostgresValue.floatText(1e-5), "1e-05")
        XCTAssertEqual(PostgresValue.floatText(.nan), "NaN")
        XCTAssertEqual(PostgresValue.floatText(.infinity), "Infinity")
        XCTAssertEqual(PostgresValue.floatText(-.infinity), "-Infinity")
    }

    func testParametersTravelAsTextExceptBytes() throws {
        XCTAssertNil(try PostgresValue.null.wireParameter(sql: nil))
        XCTAssertEqual(try PostgresValue.integer(-5).wireParameter(sql: nil)?.bytes, Array("-5".utf8))
        XCTAssertEqual(try PostgresValue.bool(true).wireParameter(sql: nil)?.bytes, Array("t".utf8))
        XCTAssertEqual(try PostgresValue.text("张伟").wireParameter(sql: nil)?.bytes, Array("张伟".utf8))
        XCTAssertEqual(try PostgresValue.text("x").wireParameter(sql: nil)?.isBinary, false)
        XCTAssertEqual(try PostgresValue.bytes([0, 1]).wireParameter(sql: nil)?.isBinary, true)
    }

    func testAnEmptyByteStringIsBoundAsAValueNotAsNull() throws {
        let buffer = try ParameterBuffer([.bytes([]), .null, .text("")], sql: nil)
        buffer.withLibPQArguments { values, lengths, formats in
            XCTAssertNotNil(values[0])
            XCTAssertNil(values[1])
            XCTAssertNotNil(values[2])
            XCTAssertEqual(lengths, [0, 0, 0])
            XCTAssertEqual(formats, [1, 0, 0])
        }
    }
}
