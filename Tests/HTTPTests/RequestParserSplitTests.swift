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

    /// Asserts that `text` is refused with `status` fed whole, split in two anywhere, and byte by byte.
    private func assertRefusedAlikeUnderSplits(
        _ text: String, _ status: Int, limits: ParserLimits, file: StaticString = #filePath, line: UInt = #line
    ) {
        let bytes = Array(text.utf8)
        var feeds = [[bytes], bytes.map { [$0] }]
        feeds += (0...bytes.count).map { [Array(bytes[..<$0]), Array(bytes[$0...])] }
        for pieces in feeds {
            guard case .error(let error)? = drain(pieces, limits: limits).last else {
                XCTFail("no error for reads of \(pieces.map(\.count))", file: file, line: line)
                continue
            }
            XCTAssertEqual(error.status, status, "\(error.reason) for reads of \(pieces.map(\.count))", file: file, line: line)
        }
    }

    /// Found by FuzzHTTPParser: a request line beyond the limit that ends in a bare CR was 414 when
    /// it arrived in pieces (the limit is checked while the line arrives) but 400 "bare CR" when
    /// it arrived whole (the CR was checked before the length).
    func testTooLongRequestLineEndingInBareCRIs414HoweverSplit() {
        let limits = ParserLimits(maxRequestLine: 16, maxHeaderBytes: 48, maxBodyBytes: 32)
        assertRefusedAlikeUnderSplits("GET /aaaaaaaaaaaaaa HTTP/1.1\r\r\nHost: a\r\n\r\n", 414, limits: limits)
        // The same for a header line beyond maxHeaderBytes: 431, not "bare CR".
        assertRefusedAlikeUnderSplits(
            "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 40) + "\r\r\n\r\n", 431, limits: limits)
    }

    /// Found by FuzzHTTPParser: with maxHeaderBytes not above maxRequestLine + 2 (both are options
    /// of crm-server), a long request line was 431 or 414 depending on where a read ended (a
    /// read ending in CR hid that byte from the request-line limit but not from the head limit).
    /// The request line is now held to what fits in the head, so it is 414 whatever the reads.
    func testRequestLineLongerThanTheHeadLimitIs414HoweverSplit() {
        let limits = ParserLimits(maxRequestLine: 200, maxHeaderBytes: 200, maxBodyBytes: 4096)
        let line = "GET /" + String(repeating: "a", count: 195) + "\rb HTTP/1.1\r\nHost: a\r\n\r\n"
        assertRefusedAlikeUnderSplits(line, 414, limits: limits)
        let small = ParserLimits(maxRequestLine: 8192, maxHeaderBytes: 100, maxBodyBytes: 4096)
        let small2 = ParserLimits(maxRequestLine: 8192, maxHeaderBytes: 200, maxBodyBytes: 4096)
        assertRefusedAlikeUnderSplits("GET /" + String(repeating: "a", count: 150) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, limits: small)
        // The longest request line that fits in the head (with bare LFs) is still served.
        let fits = "GET /" + String(repeating: "a", count: 184) + " HTTP/1.0"
        XCTAssertEqual(fits.utf8.count, 198)
        XCTAssertEqual(requests(drain(fits + "\n\n", limits: small2)).count, 1)
        assertRefusedAlikeUnderSplits("GET /a" + fits.dropFirst(5) + "\n\n", 414, limits: small2)
    }

    /// Found by FuzzHTTPParser: a chunk-size line beyond maxRequestLine (a long chunk extension)
    /// was refused only when it arrived in pieces; whole, its length was never checked.
    func testTooLongChunkSizeLineIs400HoweverSplit() {
        let limits = ParserLimits(maxRequestLine: 64, maxHeaderBytes: 256, maxBodyBytes: 512)
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let longLine = "1;e=" + String(repeating: "a", count: 61) + "\r\n"
        assertRefusedAlikeUnderSplits(head + longLine + "x\r\n0\r\n\r\n", 400, limits: limits)
        // One byte shorter (64 with its CR) is within the limit.
        let fits = head + "1;e=" + String(repeating: "a", count: 59) + "\r\nx\r\n0\r\n\r\n"
        XCTAssertEqual(requests(drain(fits, limits: limits)).first?.body, [UInt8(ascii: "x")])
    }

    /// Found by FuzzHTTPParser: a trailer section beyond maxHeaderBytes whose last line ended in a
    /// bare LF was 431 in pieces but 400 whole (the terminator was checked before the size).
    func testTooLargeTrailersEndingInBareLFAre431HoweverSplit() {
        let limits = ParserLimits(maxRequestLine: 64, maxHeaderBytes: 256, maxBodyBytes: 512)
        let text =
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-A: 1\r\nX-B: "
            + String(repeating: "b", count: 260) + "\n\r\n"
        assertRefusedAlikeUnderSplits(text, 431, limits: limits)
    }
}
