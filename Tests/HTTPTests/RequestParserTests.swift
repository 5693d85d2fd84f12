import XCTest

@testable import HTTP

final class RequestParserTests: XCTestCase {
    // MARK: - Valid requests

    func testSimpleGet() throws {
        let request = try XCTUnwrap(parseOne("GET /v1/customers HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"))
        XCTAssertEqual(request.method, .get)
        XCTAssertEqual(request.target, "/v1/customers")
        XCTAssertEqual(request.version, .http11)
        XCTAssertEqual(request.headers.count, 2)
        XCTAssertEqual(request.headers["host"], "example.com")
        XCTAssertEqual(request.body, [])
        XCTAssertTrue(request.trailers.isEmpty)
        XCTAssertTrue(request.keepAlive)
        XCTAssertEqual(request.pathSegments, ["v1", "customers"])
    }

    func testBareLFEndsHeadLines() throws {
        let request = try XCTUnwrap(parseOne("GET / HTTP/1.1\nHost: a\n\n"))
        XCTAssertEqual(request.headers["Host"], "a")
    }

    func testHeadAndOptions() throws {
        XCTAssertEqual(parseOne("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n")?.method, .head)
        let options = try XCTUnwrap(parseOne("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertEqual(options.method, .options)
        XCTAssertEqual(options.target, "*")
        XCTAssertEqual(options.pathSegments, [])
        XCTAssertEqual(parseOne("OPTIONS /v1/x HTTP/1.1\r\nHost: a\r\n\r\n")?.method, .options)
    }

    func testAbsoluteFormIsServedAsItsPathAndQuery() throws {
        let full = try XCTUnwrap(parseOne("GET http://crm.example:8080/v1/customers?q=a%2Cb HTTP/1.1\r\nHost: other\r\n\r\n"))
        XCTAssertEqual(full.target, "/v1/customers?q=a%2Cb")
        XCTAssertEqual(full.pathSegments, ["v1", "customers"])
        XCTAssertEqual(parseOne("GET HTTPS://[::1]/x HTTP/1.1\r\nHost: a\r\n\r\n")?.target, "/x")
        XCTAssertEqual(parseOne("GET http://a HTTP/1.1\r\nHost: a\r\n\r\n")?.target, "/")
        XCTAssertEqual(parseOne("GET http://a?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")?.target, "/?x=1")
        XCTAssertEqual(parseOne("OPTIONS http://a HTTP/1.1\r\nHost: a\r\n\r\n")?.target, "*")
    }

    func testAllMethods() {
        for method in [HTTPMethod.get, .head, .post, .put, .patch, .delete, .options] {
            XCTAssertEqual(parseOne("\(method.name) / HTTP/1.1\r\nHost: a\r\n\r\n")?.method, method)
            XCTAssertEqual(HTTPMethod(name: method.name), method)
        }
    }

    func testHeaderValuesAreTrimmedAndLookupIsCaseInsensitive() throws {
        let request = try XCTUnwrap(
            parseOne("GET / HTTP/1.1\r\nHost: a\r\nX-Thing: \t  hello  world \t \r\nx-thing:second\r\nEmpty:\r\n\r\n"))
        XCTAssertEqual(request.headers["X-THING"], "hello  world")
        XCTAssertEqual(request.headers.values("x-Thing"), ["hello  world", "second"])
        XCTAssertEqual(request.headers["empty"], "")
        XCTAssertTrue(request.headers.contains("HOST"))
        XCTAssertFalse(request.headers.contains("Hos"))
        XCTAssertNil(request.headers["missing"])
        let pairs = request.headers.map { "\($0.name)=\($0.value)" }
        XCTAssertEqual(pairs, ["Host=a", "X-Thing=hello  world", "x-thing=second", "Empty="])
    }

    func testObsTextInValueIsAccepted() throws {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Name: ".utf8) + [0xE5, 0xBC, 0xA0] + Array("\r\n\r\n".utf8)
        let events = drain([bytes])
        XCTAssertEqual(requests(events).first?.headers["x-name"], "张")
    }

    func testOneEmptyLineBeforeRequestLineIsIgnored() {
        XCTAssertNotNil(parseOne("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertNotNil(parseOne("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        assertRejected("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testEmptyLineAfterBodyBeforeNextRequestIsIgnored() {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        XCTAssertEqual(requests(drain(text)).map(\.method), [.post, .get])
    }

    func testContentLengthBody() throws {
        let request = try XCTUnwrap(parseOne("POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"))
        XCTAssertEqual(request.body, Array("hello".utf8))
        XCTAssertEqual(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")?.body, [])
        XCTAssertEqual(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n1234567")?.body.count, 7)
    }

    func testIdenticalContentLengthRepeatsAreAccepted() {
        XCTAssertEqual(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc")?.body.count, 3)
        XCTAssertEqual(
            parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")?.body.count, 3)
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        let text =
            "POST /v1/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 ; x\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Sum: abc \r\nX-Other: 1\r\n\r\n"
        let request = try XCTUnwrap(parseOne(text))
        XCTAssertEqual(String(decoding: request.body, as: UTF8.self), "hello world0123456789")
        XCTAssertEqual(request.trailers["x-sum"], "abc")
        XCTAssertEqual(request.trailers.count, 2)
    }

    func testChunkedTransferEncodingIsCaseInsensitiveAndMayBeAList() {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ChUnKeD\r\n\r\n1\r\nx\r\n0\r\n\r\n"
        XCTAssertEqual(parseOne(text)?.body, [UInt8(ascii: "x")])
        let listed = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n0\r\n\r\n"
        XCTAssertEqual(parseOne(listed)?.body, [])
    }

    func testHTTP10WithoutHost() throws {
        let request = try XCTUnwrap(parseOne("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertEqual(request.version, .http10)
        XCTAssertFalse(request.keepAlive)
    }

    func testMinorVersionsAboveOneAreServedAsHTTP11() {
        for minor in 2...9 {
            XCTAssertEqual(parseOne("GET / HTTP/1.\(minor)\r\nHost: a\r\n\r\n")?.version, .http11)
        }
    }

    func testHostForms() {
        for host in ["example.com", "example.com:8080", "127.0.0.1:1", "[::1]:8080", "[::1]", "localhost:"] {
            XCTAssertNotNil(parseOne("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n"), host)
        }
    }

    // MARK: - Keep-alive (RFC 9112 §9.3)

    func testKeepAliveSemantics() {
        let cases: [(String, String?, Bool)] = [
            ("1.1", nil, true),
            ("1.1", "close", false),
            ("1.1", "Close", false),
            ("1.1", "keep-alive", true),
            ("1.1", "Keep-Alive, Upgrade", true),
            ("1.1", "upgrade, CLOSE", false),
            ("1.0", nil, false),
            ("1.0", "keep-alive", true),
            ("1.0", "Keep-Alive", true),
            ("1.0", "foo , keep-alive", true),
            ("1.0", "close", false),
            ("1.0", "keep-alive, close", false),
            ("1.0", "keep-alivex", false),
        ]
        for (version, connection, expected) in cases {
            let header = connection.map { "Connection: \($0)\r\n" } ?? ""
            let request = parseOne("GET / HTTP/\(version)\r\nHost: a\r\n\(header)\r\n")
            XCTAssertEqual(request?.keepAlive, expected, "\(version) \(connection ?? "-")")
        }
        let split = parseOne("GET / HTTP/1.0\r\nConnection: foo\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(split?.keepAlive, true)
    }

    // MARK: - Pipelining

    func testTwoAndThreePipelinedRequestsInOneFeed() {
        let one = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        let two = "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        let three = "PUT /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
        XCTAssertEqual(requests(drain(one + two)).map(\.target), ["/1", "/2"])
        let all = requests(drain(one + two + three))
        XCTAssertEqual(all.map(\.target), ["/1", "/2", "/3"])
        XCTAssertEqual(all.map(\.body), [[], Array("abc".utf8), Array("xy".utf8)])
    }

    func testPipelinedRequestsComeOutOneByOne() {
        var parser = RequestParser()
        parser.feed(Array("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HT".utf8))
        XCTAssertEqual(parser.state, .head)
        guard case .request(let first) = parser.next() else { return XCTFail() }
        XCTAssertEqual(first.target, "/1")
        guard case .request(let second) = parser.next() else { return XCTFail() }
        XCTAssertEqual(second.target, "/2")
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertEqual(parser.state, .head)
        XCTAssertEqual(parser.bufferedByteCount, 9)
        parser.feed(Array("TP/1.1\r\nHost: a\r\n\r\n".utf8))
        guard case .request(let third) = parser.next() else { return XCTFail() }
        XCTAssertEqual(third.target, "/3")
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertEqual(parser.state, .idle)
        XCTAssertEqual(parser.bufferedByteCount, 0)
    }

    func testStateTracksHeadAndBody() {
        var parser = RequestParser()
        XCTAssertEqual(parser.state, .idle)
        parser.feed(Array("POST / HTTP/1.1\r\nHost: a\r\n".utf8))
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertEqual(parser.state, .head)
        parser.feed(Array("Content-Length: 4\r\n\r\nab".utf8))
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertEqual(parser.state, .body)
        parser.feed(Array("cd".utf8))
        guard case .request(let request) = parser.next() else { return XCTFail() }
        XCTAssertEqual(request.body, Array("abcd".utf8))
        XCTAssertEqual(parser.state, .idle)
    }

    func testFeedFromRawBufferPointer() {
        var parser = RequestParser()
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        parser.feed(UnsafeRawBufferPointer(start: nil, count: 0))
        parser.feed([])
        XCTAssertEqual(parser.state, .idle)
        bytes.withUnsafeBytes { parser.feed($0) }
        guard case .request = parser.next() else { return XCTFail() }
    }

    func testManyRequestsThroughOneParserCompactTheBuffer() {
        var parser = RequestParser()
        let one = Array("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789".utf8)
        var count = 0
        for round in 0..<2000 {
            // Feed 1.5 requests at a time so the buffer is never fully consumed.
            let piece = round % 2 == 0 ? one + one[..<(one.count / 2)] : Array(one[(one.count / 2)...]) + one
            parser.feed(piece)
            while case .request(let request) = parser.next() {
                XCTAssertEqual(request.body.count, 10)
                count += 1
            }
            XCTAssertLessThan(parser.bufferedByteCount, one.count)
        }
        XCTAssertEqual(count, 3000)
    }

    // MARK: - 100-continue

    func testContinueExpectedComesRightAfterHeadWhenBodyIsMissing() {
        var parser = RequestParser()
        parser.feed(Array("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n".utf8))
        XCTAssertEqual(parser.next(), .continueExpected)
        XCTAssertEqual(parser.next(), .needMore)
        XCTAssertEqual(parser.state, .body)
        parser.feed(Array("hel".utf8))
        XCTAssertEqual(parser.next(), .needMore)
        parser.feed(Array("lo".utf8))
        guard case .request(let request) = parser.next() else { return XCTFail() }
        XCTAssertEqual(request.body, Array("hello".utf8))
        XCTAssertEqual(parser.next(), .needMore)
    }

    func testContinueExpectedForChunkedBody() {
        let events = drain(
            [
                Array("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n".utf8),
                Array("3\r\nabc\r\n0\r\n\r\n".utf8),
            ])
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(events.first, .continueExpected)
        XCTAssertEqual(requests(events).first?.body, Array("abc".utf8))
    }

    func testNoContinueWhenBodyIsAlreadyBufferedOrEmpty() {
        let full = drain("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi")
        XCTAssertEqual(full.count, 1)
        XCTAssertEqual(requests(full).count, 1)
        let empty = drain("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(requests(empty).count, 1)
        XCTAssertEqual(empty.count, 1)
        let noBody = drain("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(noBody.count, 1)
    }

    func testNoContinueForHTTP10OrOtherExpectations() {
        let old = drain("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        XCTAssertEqual(old, [])
        let other = drain("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 2\r\n\r\n")
        XCTAssertEqual(other, [])
    }

    func testPayloadTooLargeIsDecidedBeforeContinue() {
        let limits = ParserLimits(maxBodyBytes: 10)
        let events = drain("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n", limits: limits)
        XCTAssertEqual(events, [.error(.payloadTooLarge)])
    }

    // MARK: - Percent-decoding

    func testPathSegmentsArePercentDecoded() throws {
        let request = try XCTUnwrap(
            parseOne("GET /v1/customers/%E5%BC%A0%E4%B8%89/a%2Fb/x%20y/p+q/%2B HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertEqual(request.path, "/v1/customers/%E5%BC%A0%E4%B8%89/a%2Fb/x%20y/p+q/%2B")
        XCTAssertEqual(request.pathSegments, ["v1", "customers", "张三", "a/b", "x y", "p+q", "+"])
    }

    func testEmptyPathSegmentsAreDropped() {
        XCTAssertEqual(Request(method: .get, target: "/").pathSegments, [])
        XCTAssertEqual(Request(method: .get, target: "//v1//customers/").pathSegments, ["v1", "customers"])
        XCTAssertEqual(Request(method: .get, target: "/v1/customers?x=/y").pathSegments, ["v1", "customers"])
    }

    func testQueryIsFormDecoded() throws {
        let request = try XCTUnwrap(
            parseOne("GET /s?q=%E5%BC%A0+%E4%B8%89&plus=a%2Bb&sp=a%20b&flag&&empty=&q=2&eq=a=b HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertEqual(request.path, "/s")
        let query = request.query.map { "\($0.name)|\($0.value)" }
        XCTAssertEqual(query, ["q|张 三", "plus|a+b", "sp|a b", "flag|", "empty|", "q|2", "eq|a=b"])
        XCTAssertEqual(request.queryValue("q"), "张 三")
        XCTAssertEqual(Request(method: .get, target: "/").query.count, 0)
        XCTAssertEqual(Request(method: .get, target: "/?").query.count, 0)
    }

    func testPercentDecodingHelper() {
        XCTAssertEqual(PercentDecoding.decode("%E5%BC%A0"), "张")
        XCTAssertEqual(PercentDecoding.decode("a+b"), "a+b")
        XCTAssertEqual(PercentDecoding.decode("a+b%2Bc", plusAsSpace: true), "a b+c")
        XCTAssertNil(PercentDecoding.decode("%"))
        XCTAssertNil(PercentDecoding.decode("%G1"))
        XCTAssertNil(PercentDecoding.decode("%1"))
        XCTAssertNil(PercentDecoding.decode("%FF"))
        XCTAssertNil(PercentDecoding.decode("%C0%AF"))  // overlong "/"
        XCTAssertNil(PercentDecoding.decode("%ED%A0%80"))  // surrogate
        XCTAssertEqual(PercentDecoding.decode("%F0%9F%98%80"), "😀")
    }
}
