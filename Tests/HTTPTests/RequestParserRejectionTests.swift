import XCTest

@testable import HTTP

/// Every rule of DESIGN.md "HTTP rules" that refuses a request, with its status.
final class RequestParserRejectionTests: XCTestCase {
    private let host = "Host: a\r\n"

    // MARK: - Request line (RFC 9112 §3)

    func testMalformedRequestLinesAreBadRequest() {
        for line in [
            "GET  / HTTP/1.1", "GET /  HTTP/1.1", " GET / HTTP/1.1", "GET / HTTP/1.1 ", "GET /HTTP/1.1",
            "GET", "GET /", "GET\t/\tHTTP/1.1", "GET / HTTP/1.1 extra", "/ HTTP/1.1",
        ] {
            assertRejected("\(line)\r\n\(host)\r\n", 400)
        }
    }

    func testBareCRInRequestLineIsBadRequest() {
        assertRejected("GET / HTTP/1.1\r\r\n\(host)\r\n", 400)
        assertRejected("GET /\r HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET\r/ HTTP/1.1\r\n\(host)\r\n", 400)
    }

    func testMethodMustBeAToken() {
        assertRejected("G(T / HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GE\"T / HTTP/1.1\r\n\(host)\r\n", 400)
    }

    func testTheOtherMethodsOfHTTPAreParsedForTheRouterToRefuse() {
        for method in ["TRACE", "CONNECT", "QUERY"] {
            XCTAssertEqual(parseOne("\(method) / HTTP/1.1\r\n\(host)\r\n")?.method, .other(method), method)
        }
        // CONNECT's authority-form is not a target this server takes.
        assertRejected("CONNECT example.com:443 HTTP/1.1\r\n\(host)\r\n", 400)
    }

    func testAnUnknownMethodIs501() {
        // Methods are case-sensitive: `get` is not GET.
        for method in ["PROPFIND", "get", "Get", "BREW", "TRACEX"] {
            assertRejected("\(method) / HTTP/1.1\r\n\(host)\r\n", 501)
        }
    }

    func testUnsupportedVersions() {
        for version in ["HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9", "HTTP/0.0"] {
            assertRejected("GET / \(version)\r\n\(host)\r\n", 505)
        }
    }

    func testMalformedVersions() {
        for version in ["HTTP/1", "http/1.1", "HTTP/1.10", "HTTP/11", "HTTP/1.x", "HTTPS/1.1", "HTTP/ 1.1", "HTTP/1.1.", "HTTP1.1"] {
            assertRejected("GET / \(version)\r\n\(host)\r\n", 400)
        }
    }

    func testRequestLineTooLongIsURITooLong() {
        let limits = ParserLimits(maxRequestLine: 64)
        let long = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\n\(host)\r\n"
        assertRejected(long, 414, limits: limits)
        // Decided before the line ends.
        assertRejected("GET /" + String(repeating: "a", count: 100), 414, limits: limits)
        // Exactly at the limit is fine.
        let exact = "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1"
        XCTAssertEqual(exact.utf8.count, 64)
        XCTAssertEqual(requests(drain(exact + "\r\n\(host)\r\n", limits: limits)).count, 1)
        XCTAssertEqual(drain(exact + "\r", limits: limits), [])
    }

    // MARK: - Target (RFC 9112 §3.2)

    func testTargetForms() {
        assertRejected("GET * HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET ftp://a/x HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET http://user@a/x HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET http:///x HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET http://a:123456/x HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET http://a/x#frag HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET http://a/x%zz HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET a/x HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("OPTIONS *x HTTP/1.1\r\n\(host)\r\n", 400)
        assertRejected("GET /x#frag HTTP/1.1\r\n\(host)\r\n", 400)
    }

    func testInvalidBytesInTarget() {
        for byte: UInt8 in [0x00, 0x01, 0x09, 0x0B, 0x7F, 0x80, 0xE5, 0xFF] {
            let bytes = Array("GET /a".utf8) + [byte] + Array("b HTTP/1.1\r\n\(host)\r\n".utf8)
            assertRejected(bytes, 400)
        }
    }

    func testInvalidPercentEncodingInTarget() {
        for target in ["/%", "/%G1", "/%1", "/a%1?x", "/?q=%", "/?q=%zz", "/%%41"] {
            assertRejected("GET \(target) HTTP/1.1\r\n\(host)\r\n", 400)
        }
    }

    func testDecodedPathMustBeUTF8WithoutControls() {
        for target in ["/%FF", "/%C3", "/%C0%AF", "/%00", "/a%0Ab", "/%7F", "/%1F", "/?q=%FF"] {
            assertRejected("GET \(target) HTTP/1.1\r\n\(host)\r\n", 400)
        }
        // Control characters are allowed once decoded in the query.
        XCTAssertEqual(parseOne("GET /?q=a%0Ab HTTP/1.1\r\n\(host)\r\n")?.query.first?.value, "a\nb")
    }

    // MARK: - Header fields (RFC 9112 §5, RFC 9110 §5)

    func testHeaderSyntaxErrors() {
        for field in [
            "Name : value",  // whitespace before colon
            "Name\t: value",
            ": value",  // empty name
            "No colon here",
            "Na me: value",
            "Na(me: value",
            "Ä: value",
        ] {
            assertRejected("GET / HTTP/1.1\r\n\(host)\(field)\r\n\r\n", 400)
        }
    }

    func testObsFoldIsBadRequest() {
        assertRejected("GET / HTTP/1.1\r\n\(host)X-A: one\r\n two\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\n\(host)X-A: one\r\n\ttwo\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400)
    }

    func testBareCRInHeadIsBadRequest() {
        assertRejected("GET / HTTP/1.1\r\n\(host)X-A: a\rb\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\n\(host)X-A: ab\r\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\n\(host)X\rA: ab\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\n\(host)\r\r\n", 400)
    }

    func testControlCharactersInValues() {
        for byte: UInt8 in [0x00, 0x01, 0x0B, 0x1F, 0x7F] {
            let bytes = Array("GET / HTTP/1.1\r\n\(host)X-A: a".utf8) + [byte] + Array("b\r\n\r\n".utf8)
            assertRejected(bytes, 400)
        }
        XCTAssertEqual(parseOne("GET / HTTP/1.1\r\n\(host)X-A: a\tb\r\n\r\n")?.headers["x-a"], "a\tb")
    }

    func testHeadTooLargeIs431() {
        let limits = ParserLimits(maxRequestLine: 100, maxHeaderBytes: 200)
        let big = "GET / HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "b", count: 300))\r\n\r\n"
        assertRejected(big, 431, limits: limits)
        // Decided before the head ends.
        assertRejected("GET / HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "b", count: 300))", 431, limits: limits)
        let many = "GET / HTTP/1.1\r\n\(host)" + String(repeating: "X: y\r\n", count: 50)
        assertRejected(many, 431, limits: limits)
        // Just under the limit is served.
        let fits = "GET / HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "b", count: 100))\r\n\r\n"
        XCTAssertLessThanOrEqual(fits.utf8.count, 200)
        XCTAssertEqual(requests(drain(fits, limits: limits)).count, 1)
    }

    // MARK: - Host (RFC 9112 §3.2)

    func testHostIsRequiredOnceInHTTP11() {
        assertRejected("GET / HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400)
    }

    func testHostMustBePlausible() {
        for value in ["", "a b", "a/b", "user@a", "a:port", "a:123456", "[::1", "[zz]", ":80", "a\tb", "[]"] {
            assertRejected("GET / HTTP/1.1\r\nHost: \(value)\r\n\r\n", 400)
        }
        assertRejected("GET / HTTP/1.0\r\nHost: a/b\r\n\r\n", 400)
    }

    // MARK: - Framing (RFC 9112 §6)

    func testTransferEncodingWithContentLength() {
        assertRejected("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    func testTransferEncodingInHTTP10() {
        assertRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    func testTransferCodings() {
        let cases: [(String, Int)] = [
            ("gzip, chunked", 501),
            ("identity", 501),
            ("gzip", 501),
            ("chunked, gzip", 400),
            ("chunked, chunked", 400),
            ("chunked, identity", 400),
            ("", 400),
            (" , ", 400),
            ("chun\"ked", 400),
        ]
        for (value, status) in cases {
            assertRejected("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: \(value)\r\n\r\n0\r\n\r\n", status)
        }
        // Two fields form one list: chunked first then gzip.
        assertRejected(
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n", 400)
        assertRejected(
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501)
    }

    func testBadContentLengths() {
        for value in ["", "abc", "-1", "+1", "1.0", "0x10", "1 2", "3, 4", "99999999999999999999999", "1,", ",1", " 3 ,, 3"] {
            assertRejected("POST / HTTP/1.1\r\n\(host)Content-Length: \(value)\r\n\r\n", 400)
        }
        assertRejected("POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400)
    }

    func testContentLengthAboveLimitIs413BeforeAnyBodyByte() {
        let limits = ParserLimits(maxBodyBytes: 100)
        XCTAssertEqual(
            drain("POST / HTTP/1.1\r\n\(host)Content-Length: 101\r\n\r\n", limits: limits), [.error(.payloadTooLarge)])
        XCTAssertEqual(
            requests(drain("POST / HTTP/1.1\r\n\(host)Content-Length: 100\r\n\r\n" + String(repeating: "x", count: 100), limits: limits))
                .count, 1)
    }

    // MARK: - Chunked (RFC 9112 §7.1)

    private func chunked(_ body: String) -> String {
        "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n" + body
    }

    func testInvalidChunkSizes() {
        for body in [
            "\r\n", "g\r\nx\r\n0\r\n\r\n", "-1\r\n", "+1\r\nx\r\n0\r\n\r\n", "1x\r\nx\r\n0\r\n\r\n", " 1\r\nx\r\n0\r\n\r\n",
            "0x1\r\nx\r\n0\r\n\r\n", "10000000000000000\r\n", "FFFFFFFFFFFFFFFFF\r\n",
        ] {
            assertRejected(chunked(body), 400)
        }
    }

    func testBareLFInChunkedFraming() {
        assertRejected(chunked("1\nx\r\n0\r\n\r\n"), 400)  // after size
        assertRejected(chunked("1\r\nx\n0\r\n\r\n"), 400)  // after data
        assertRejected(chunked("1\r\nx\r\n0\n\r\n"), 400)  // after last chunk
        assertRejected(chunked("1\r\nx\r\n0\r\n\n"), 400)  // final empty line
        assertRejected(chunked("1\r\nx\r\n0\r\nX-T: 1\n\r\n"), 400)  // trailer line
    }

    func testChunkDataNotFollowedByCRLF() {
        assertRejected(chunked("1\r\nxy\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("1\r\nx\rz0\r\n\r\n"), 400)
    }

    func testControlCharactersInChunkExtension() {
        let bytes = Array(chunked("1;a=").utf8) + [0x00] + Array("\r\nx\r\n0\r\n\r\n".utf8)
        assertRejected(bytes, 400)
        assertRejected(chunked("1;a\rb\r\nx\r\n0\r\n\r\n"), 400)
        XCTAssertEqual(parseOne(chunked("1;a=\"q v\";b\r\nx\r\n0;last\r\n\r\n"))?.body, [UInt8(ascii: "x")])
    }

    func testChunkSizeLineTooLong() {
        let limits = ParserLimits(maxRequestLine: 64)
        assertRejected(chunked("1;" + String(repeating: "e", count: 100)), 400, limits: limits)
    }

    func testChunkedBodyAboveLimitIs413() {
        let limits = ParserLimits(maxBodyBytes: 10)
        assertRejected(chunked("B\r\n"), 413, limits: limits)
        assertRejected(chunked("6\r\nabcdef\r\n5\r\n"), 413, limits: limits)
        XCTAssertEqual(parseOne(chunked("5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"))?.body.count, 10)
    }

    func testTrailersFollowHeaderRules() {
        assertRejected(chunked("0\r\nX-T : 1\r\n\r\n"), 400)
        assertRejected(chunked("0\r\nX-T: 1\r\n folded\r\n\r\n"), 400)
        assertRejected(chunked("0\r\nno colon\r\n\r\n"), 400)
        let limits = ParserLimits(maxHeaderBytes: 100)
        assertRejected(chunked("0\r\nX-T: \(String(repeating: "t", count: 200))"), 431, limits: limits)
    }

    // MARK: - Dead parser

    func testParserStaysDeadAfterError() {
        var parser = RequestParser()
        parser.feed(Array("BAD LINE\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        guard case .error(let error) = parser.next() else { return XCTFail() }
        XCTAssertEqual(error.status, 400)
        XCTAssertEqual(parser.next(), .error(error))
        parser.feed(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        XCTAssertEqual(parser.next(), .error(error))
    }
}
