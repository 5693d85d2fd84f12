import CRM
import JSON
import XCTest

/// The value rules behind the hostile-input fixes: canonical ids, control characters, numbers
/// that must read back as written, and linear tag checks.
final class HostileValueTests: XCTestCase {
    func testRecordIDAcceptsOnlyTheCanonicalSpelling() {
        XCTAssertEqual(RecordID.parse("1"), 1)
        XCTAssertEqual(RecordID.parse("9223372036854775807"), Int64.max)
        for text in ["0", "01", "+1", "-1", " 1", "1 ", "1e3", "", "9223372036854775808", "١"] {
            XCTAssertNil(RecordID.parse(text), text)
        }
    }

    func testTextRulesRefuseC0ControlsButTabAndLineBreaks() {
        XCTAssertNil(TextRules.problem(in: "a\tb\r\nc 张伟"))
        for scalar in [0x00, 0x01, 0x08, 0x0B, 0x0C, 0x1B, 0x1F] {
            XCTAssertNotNil(TextRules.problem(in: "a\(Character(Unicode.Scalar(UInt8(scalar))))b"), "\(scalar)")
        }
    }

    func testExactNumbersRefuseWhatADoubleWouldChange() {
        for literal in ["1e-400", "123456789012345678901234567890123456789", "0.12345678901234567890123", "-9223372036854775809"] {
            XCTAssertThrowsError(try JSONParser.parse(Array(literal.utf8), exactNumbers: true), literal) { error in
                XCTAssertEqual((error as? JSONParseError)?.reason, .inexactNumber, literal)
            }
            XCTAssertNoThrow(try JSONParser.parse(Array(literal.utf8)), "without the option \(literal) still parses")
        }
        for literal in ["0.1", "1.5", "1e2", "100.0", "-0.0", "0e5", "5e-324", "1.7976931348623157e308", "9223372036854775808", "2.50"] {
            XCTAssertNoThrow(try JSONParser.parse(Array(literal.utf8), exactNumbers: true), literal)
        }
    }

    func testTagLimitStopsAtTheFirstTagPastIt() {
        // The 101st distinct tag ends the check: an invalid element after it is never looked at.
        let many = JSONValue.array((0..<101).map { .string("t\($0)") } + [.int(1)])
        guard case .failure(let issue) = FieldValue.convert(many, kind: .tags, field: "tags") else { return XCTFail() }
        XCTAssertEqual(issue.code, "too_many")
        let repeated = JSONValue.array(Array(repeating: .string("vip"), count: 100_000))
        guard case .success = FieldValue.convert(repeated, kind: .tags, field: "tags") else { return XCTFail() }
    }
}
