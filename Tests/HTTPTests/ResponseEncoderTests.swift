import XCTest

@testable import HTTP

/// Response heads as the encoder writes them: framing headers by status (RFC 9110 §8.6, §15).
final class ResponseEncoderTests: XCTestCase {
    private func head(
        status: Int, framing: ResponseEncoder.Framing, connection: ResponseEncoder.ConnectionHeader? = nil
    ) -> String {
        var output: [UInt8] = []
        ResponseEncoder.appendHead(
            status: status, headers: [("ETag", "\"3\"")], requestID: "req-1", date: Array("Thu, 01 Jan 2026 00:00:00 GMT".utf8),
            framing: framing, connection: connection, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    func testOKCarriesContentLength() {
        XCTAssertEqual(
            head(status: 200, framing: .length(15)),
            "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: crm-server\r\nX-Request-Id: req-1\r\n"
                + "ETag: \"3\"\r\nContent-Length: 15\r\n\r\n")
    }

    func testNotModifiedCarriesNoContentLength() {
        let text = head(status: 304, framing: .length(0))
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 304 Not Modified\r\n"))
        XCTAssertFalse(text.contains("Content-Length"))
        XCTAssertTrue(text.contains("\r\nETag: \"3\"\r\n"))
        XCTAssertTrue(text.hasSuffix("\r\n\r\n"))
    }

    func testNoContentCarriesNoContentLength() {
        let text = head(status: 204, framing: .length(0), connection: .close)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        XCTAssertFalse(text.contains("Content-Length"))
        XCTAssertTrue(text.hasSuffix("\r\nConnection: close\r\n\r\n"))
    }

    func testInterimResponseCarriesNoContentLength() {
        XCTAssertFalse(head(status: 100, framing: .length(0)).contains("Content-Length"))
    }

    func testEmptyOKStillSaysContentLengthZero() {
        XCTAssertTrue(head(status: 200, framing: .length(0)).contains("\r\nContent-Length: 0\r\n"))
    }

    func testChunkedAndUntilCloseFraming() {
        XCTAssertTrue(head(status: 200, framing: .chunked).contains("\r\nTransfer-Encoding: chunked\r\n"))
        let untilClose = head(status: 200, framing: .untilClose, connection: .close)
        XCTAssertFalse(untilClose.contains("Content-Length"))
        XCTAssertFalse(untilClose.contains("Transfer-Encoding"))
    }
}
