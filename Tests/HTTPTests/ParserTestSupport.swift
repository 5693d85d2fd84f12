import XCTest

@testable import HTTP

/// Feeds `bytes` in the given pieces, draining events after each, and returns every event
/// up to and including the first `.error` (trailing `.needMore`s are dropped).
func drain(_ pieces: [[UInt8]], limits: ParserLimits = ParserLimits()) -> [ParseEvent] {
    var parser = RequestParser(limits: limits)
    var events: [ParseEvent] = []
    for piece in pieces {
        parser.feed(piece)
        while true {
            let event = parser.next()
            if event == .needMore { break }
            events.append(event)
            if case .error = event { return events }
        }
    }
    return events
}

func drain(_ text: String, limits: ParserLimits = ParserLimits()) -> [ParseEvent] {
    drain([Array(text.utf8)], limits: limits)
}

func requests(_ events: [ParseEvent]) -> [Request] {
    events.compactMap { if case .request(let request) = $0 { request } else { nil } }
}

/// The single request `text` parses to, failing the test otherwise.
func parseOne(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Request? {
    let events = drain(text)
    guard events.count == 1, case .request(let request) = events[0] else {
        XCTFail("expected one request, got \(events)", file: file, line: line)
        return nil
    }
    return request
}

/// Asserts that `text` (fed whole) ends in an error with `status`.
func assertRejected(
    _ text: String, _ status: Int, limits: ParserLimits = ParserLimits(),
    file: StaticString = #filePath, line: UInt = #line
) {
    assertRejected(Array(text.utf8), status, limits: limits, file: file, line: line)
}

func assertRejected(
    _ bytes: [UInt8], _ status: Int, limits: ParserLimits = ParserLimits(),
    file: StaticString = #filePath, line: UInt = #line
) {
    let events = drain([bytes], limits: limits)
    guard case .error(let error)? = events.last else {
        XCTFail("expected \(status), got \(events) for \(String(decoding: bytes, as: UTF8.self).debugDescription)", file: file, line: line)
        return
    }
    XCTAssertEqual(
        error.status, status, "\(error.reason) for \(String(decoding: bytes, as: UTF8.self).debugDescription)", file: file, line: line)
}

/// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
