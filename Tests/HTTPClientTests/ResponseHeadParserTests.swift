import XCTest

@testable import HTTPClient

final class ResponseHeadParserTests: XCTestCase {
    /// Feeds `pieces` until the parser decides; a complete head's remainder is extended with
    /// the pieces not fed, i.e. the whole body start a caller would go on to read.
    private func parse(_ pieces: [[UInt8]], limit: Int = 16 * 1024) -> ResponseHeadParser.Outcome {
        var parser = ResponseHeadParser(limit: limit)
        for (index, piece) in pieces.enumerated() {
            switch parser.append(piece) {
            case .needMore: continue
            case .complete(let head, let remainder): return .complete(head, remainder: remainder + pieces[(index + 1)...].joined())
            case .invalid(let reason): return .invalid(reason)
            }
        }
        return .needMore
    }

    private func parse(_ text: String, limit: Int = 16 * 1024) -> ResponseHeadParser.Outcome {
        parse([Array(text.utf8)], limit: limit)
    }

    /// The outcome of `text` fed whole equals the outcome of it split at every position and
    /// fed byte by byte (SwiftNIO's discipline).
    private func assertSplitInvariant(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = Array(text.utf8)
        let whole = parse([bytes])
        for split in 0...bytes.count {
            XCTAssertEqual(parse([Array(bytes[..<split]), Array(bytes[split...])]), whole, "split at \(split)", file: file, line: line)
        }
        XCTAssertEqual(parse(bytes.map { [$0] }), whole, "byte by byte", file: file, line: line)
    }

    private func assertInvalid(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .invalid = parse(text) else {
            XCTFail("expected invalid, got \(parse(text)) for \(text.debugDescription)", file: file, line: line)
            return
        }
    }

    func testStatusAndContentLengthWithBodyStart() {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
        XCTAssertEqual(parse(text), .complete(ResponseHead(statusCode: 200, framing: .length(11)), remainder: Array("{\"ok\":true}".utf8)))
        assertSplitInvariant(text)
    }

    func testEmptyReasonAndBareLineFeeds() {
        XCTAssertEqual(parse("HTTP/1.0 503 \n\n"), .complete(ResponseHead(statusCode: 503, framing: .untilClose), remainder: []))
        assertSplitInvariant("HTTP/1.0 503 \n\n")
    }

    func testInterimResponsesAreSkipped() {
        let text =
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
        XCTAssertEqual(parse(text), .complete(ResponseHead(statusCode: 204, framing: .none), remainder: []))
        assertSplitInvariant(text)
    }

    func testFraming() {
        func framing(_ text: String) -> ResponseHead.Framing? {
            guard case .complete(let head, _) = parse(text) else { return nil }
            return head.framing
        }
        XCTAssertEqual(framing("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"), ResponseHead.Framing.none)
        XCTAssertEqual(framing("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), ResponseHead.Framing.none)
        XCTAssertEqual(framing("HTTP/1.1 200 OK\r\ncontent-length:  7 \r\n\r\n"), .length(7))
        XCTAssertEqual(framing("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n"), .length(7))
        XCTAssertEqual(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n"), .untilClose)
        XCTAssertEqual(framing("HTTP/1.1 500 Oops\r\n\r\n"), .untilClose)
    }

    func testRedirectIsJustAStatus() {
        XCTAssertEqual(
            parse("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1/\r\nContent-Length: 0\r\n\r\n"),
            .complete(ResponseHead(statusCode: 302, framing: .none), remainder: []))
    }

    func testMalformedStatusLines() {
        for line in [
            "HTTP/1.1 200", "HTTP/1.1  200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 Low", "HTTP/1.1 600 High",
            "HTTP/2.0 200 OK", "HTTP/1 200 OK", "http/1.1 200 OK", "HTTP/1.1 2x0 OK", "ICY 200 OK", "HTTP/1.1 200 O\u{1}K",
            " HTTP/1.1 200 OK",
        ] {
            assertInvalid(line + "\r\n\r\n")
        }
    }

    func testMalformedHeads() {
        assertInvalid("\r\nHTTP/1.1 200 OK\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nName : value\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nNo colon\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nA: b\u{0}\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n")
        assertInvalid("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n")
        assertInvalid("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
    }

    func testIncompleteHeadNeedsMore() {
        XCTAssertEqual(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"), .needMore)
        XCTAssertEqual(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2"), .needMore)
    }

    func testHeadSizeLimitCountsInterimHeads() {
        let head = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 80) + "\r\n\r\n"
        let size = head.utf8.count
        XCTAssertEqual(parse(head, limit: size), .complete(ResponseHead(statusCode: 200, framing: .untilClose), remainder: []))
        XCTAssertEqual(parse(head, limit: size - 1), .invalid("response head larger than \(size - 1) bytes"))
        XCTAssertEqual(parse("HTTP/1.1 100 Continue\r\n\r\n" + head, limit: size), .invalid("response head larger than \(size) bytes"))
        // Refused while still arriving, not only once the end is seen.
        XCTAssertEqual(parse(String(repeating: "x", count: 101), limit: 100), .invalid("response head larger than 100 bytes"))
    }
}
