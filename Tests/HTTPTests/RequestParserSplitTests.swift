import XCTest

@testable import HTTP

/// The same bytes give the same events however the socket splits them (SwiftNIO's discipline).
final class RequestParserSplitTests: XCTestCase {
    private let get = "GET /v1/customers?q=%E5%BC%A0 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
    private let post =
        "POST /v1/customers HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"x\"}\n"
    private let chunked =
        "PUT /v1/notes/7 HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "4;ext=1\r\nWiki\r\n5 ; a=\"b\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0;end\r\nX-Checksum: 42\r\nX-Other: z\r\n\r\n"

    /// Feeds `text` split at every position (two pieces) and byte by byte, asserting the events
    /// equal those of a single feed.
    private func assertSplitInvariant(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = Array(text.utf8)
        let whole = drain([bytes])
        XCTAssertFalse(whole.isEmpty, file: file, line: line)
        for split in 0...bytes.count {
            let events = drain([Array(bytes[..<split]), Array(bytes[split...])])
            XCTAssertEqual(requests(events), requests(whole), "split at \(split)", file: file, line: line)
        }
        let byteByByte = drain(bytes.map { [$0] })
        XCTAssertEqual(requests(byteByByte), requests(whole), "byte by byte", file: file, line: line)
    }

    func testGetSplitAnywhere() {
        assertSplitInvariant(get)
        XCTAssertEqual(requests(drain(get)).first?.queryValue("q"), "张")
    }

    func testContentLengthPostSplitAnywhere() {
        assertSplitInvariant(post)
        XCTAssertEqual(requests(drain(post)).first?.body, Array("{\"name\":\"x\"}\n".utf8))
    }

    func testChunkedPostWithExtensionsAndTrailersSplitAnywhere() throws {
        assertSplitInvariant(chunked)
        let request = try XCTUnwrap(requests(drain(chunked)).first)
        XCTAssertEqual(String(decoding: request.body, as: UTF8.self), "Wikipedia in\r\n\r\nchunks.")
        XCTAssertEqual(request.trailers["x-checksum"], "42")
    }

    func testPipelinedMixSplitAnywhere() {
        let text = "\r\n" + get + post + chunked + get
        assertSplitInvariant(text)
        XCTAssertEqual(requests(drain(text)).map(\.method), [.get, .post, .put, .get])
    }

    func testContinueEventOrderingUnderSplits() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        let bytes = Array((head + "body").utf8)
        let headCount = head.utf8.count
        for split in 0...bytes.count {
            let events = drain([Array(bytes[..<split]), Array(bytes[split...])])
            let expectContinue = split >= headCount && split < bytes.count
            XCTAssertEqual(events.count, expectContinue ? 2 : 1, "split at \(split)")
            if expectContinue { XCTAssertEqual(events.first, .continueExpected) }
            XCTAssertEqual(requests(events).first?.body, Array("body".utf8))
        }
    }

    func testRejectionsAreTheSameUnderSplits() {
        for text in [
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n",
            "GET /%G1 HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            let bytes = Array(text.utf8)
            let whole = drain([bytes])
            guard case .error(let expected)? = whole.last else {
                XCTFail("expected an error for \(text.debugDescription)")
                continue
            }
            for split in 0...bytes.count {
                XCTAssertEqual(drain([Array(bytes[..<split]), Array(bytes[split...])]).last, .error(expected))
            }
            XCTAssertEqual(drain(bytes.map { [$0] }).last, .error(expected))
        }
    }
}
