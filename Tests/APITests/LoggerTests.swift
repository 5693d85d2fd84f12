import CRM
import Foundation
import XCTest

@testable import API

/// Log lines outside requests carry `ts` first, in the form request lines use.
final class LoggerTests: XCTestCase {
    func testALineStartsWithTheTimestampThenLevelMessageAndFieldsByName() throws {
        let time = try XCTUnwrap(Timestamp(rfc3339: "2026-11-24T05:14:09.123Z"))
        let line = String(decoding: Logger.line("info", "listening", ["address": "127.0.0.1:8080", "a": "\"x\""], at: time), as: UTF8.self)
        XCTAssertEqual(
            line,
            #"{"ts":"2026-11-24T05:14:09.123Z","level":"info","message":"listening","a":"\"x\"","address":"127.0.0.1:8080"}"# + "\n")
    }

    func testATimeWithoutMillisecondsStillHasThreeFractionDigits() throws {
        let time = try XCTUnwrap(Timestamp(rfc3339: "2026-01-02T03:04:05Z"))
        let line = String(decoding: Logger.line("error", "boom", [:], at: time), as: UTF8.self)
        XCTAssertTrue(line.hasPrefix(#"{"ts":"2026-01-02T03:04:05.000Z","level":"error""#), line)
    }
}
