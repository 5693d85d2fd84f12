import XCTest

@testable import HTTP

/// One connection's protocol without sockets: events in, actions out (``ConnectionStateMachine``).
/// Times are milliseconds from 0; `unsent` is the output the connection has not written yet.
final class ConnectionStateMachineTests: XCTestCase {
    typealias Machine = ConnectionStateMachine

    private func machine() -> Machine {
        Machine(limits: ParserLimits(), timeouts: .init(header: .seconds(10), body: .seconds(30), idle: .seconds(60)), now: 0)
    }

    private static let get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    private static let ok = Response(status: 200, body: Array("ok".utf8))

    private static func post(_ target: String, body: String, headers: String = "") -> String {
        "POST \(target) HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)"
    }

    private static let refusal = HeadRefusal(requestID: "r", route: "/v1/api-keys", answer: .response(Response(status: 401)))

    // MARK: Requests and responses

    func testKeepAliveRequestIsDispatchedAnsweredAndReadingResumes() {
        var m = machine()
        XCTAssertEqual(describe(m.readable()), "read")
        XCTAssertEqual(describe(m.receive(Self.get)), "dispatch GET /healthz #1")
        XCTAssertFalse(m.wantsInput(unsent: 0), "no reading while a request is handled")
        XCTAssertEqual(
            describe(m.responseReady(Self.ok, serial: 1, now: 5)), "write 200, length 2, body, connection -, release 0")
        XCTAssertEqual(m.state, .reading(.idle))
        XCTAssertTrue(m.wantsInput(unsent: 60))
        XCTAssertEqual(describe(m.parseNext(unsent: 60, now: 5)), "wait")
        XCTAssertEqual(describe(m.receive("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")), "dispatch GET /readyz #2")
    }

    func testPipelinedRequestsAreAnsweredInOrder() {
        var m = machine()
        let batch = Self.get + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /third HTTP/1.1\r\nHost: x\r\n\r\n"
        XCTAssertEqual(describe(m.receive(batch)), "dispatch GET /healthz #1")
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 0)), "wait", "one request at a time")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, body, connection -, release 0")
        XCTAssertEqual(describe(m.parseNext(unsent: 100, now: 0)), "dispatch GET /second #2")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 2, now: 0)), "write 200, length 2, body, connection -, release 0")
        XCTAssertEqual(describe(m.parseNext(unsent: 200, now: 0)), "dispatch GET /third #3")
    }

    func testSecondOrLateAnswerIsDropped() {
        var m = machine()
        _ = m.receive(Self.get + Self.get)
        _ = m.responseReady(Self.ok, serial: 1, now: 0)
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "wait")
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 0)), "dispatch GET /healthz #2")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "wait", "an answer to an earlier exchange")
    }

    func testConnectionCloseRequestIsAnsweredThenTheConnectionLingers() {
        var m = machine()
        _ = m.receive("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(
            describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, body, connection close, release 0")
        XCTAssertEqual(m.state, .closing)
        XCTAssertEqual(describe(m.outputFlushed(written: 10, unsent: 90, now: 1)), "wait")
        XCTAssertEqual(describe(m.outputFlushed(written: 90, unsent: 0, now: 2)), "shut write side")
        XCTAssertEqual(m.state, .lingering(since: 2))
        XCTAssertEqual(describe(m.readable()), "discard input")
        XCTAssertEqual(describe(m.peerClosed(unsent: 0, now: 3)), "close, release 0")
    }

    func testLingeringEndsAfterTwoSeconds() {
        var m = machine()
        _ = m.receive("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        _ = m.responseReady(Self.ok, serial: 1, now: 0)
        _ = m.outputFlushed(written: 100, unsent: 0, now: 100)
        XCTAssertEqual(describe(m.timerFired(now: 2099, unsent: 0)), "wait")
        XCTAssertEqual(describe(m.timerFired(now: 2100, unsent: 0)), "close, release 0")
    }

    func testHTTP10KeepAliveIsSaidAndPlainHTTP10Closes() {
        var m = machine()
        _ = m.receive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(
            describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, body, connection keep-alive, release 0")
        _ = m.receive("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(
            describe(m.responseReady(Self.ok, serial: 2, now: 0)), "write 200, length 2, body, connection close, release 0")
        XCTAssertEqual(m.state, .closing)
    }

    func testHeadIsAnsweredWithTheLengthButNoBody() {
        var m = machine()
        _ = m.receive("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, no body, connection -, release 0")
    }

    func testNotModifiedAndNoContentCarryNoBody() {
        var m = machine()
        _ = m.receive(Self.get + Self.get)
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 304, body: Array("x".utf8)), serial: 1, now: 0)),
            "write 304, length 1, no body, connection -, release 0")
        _ = m.parseNext(unsent: 0, now: 0)
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 204), serial: 2, now: 0)), "write 204, length 0, no body, connection -, release 0")
    }

    // MARK: Errors and timeouts

    func testParseErrorAnswersTheErrorAndCloses() {
        var m = machine()
        XCTAssertEqual(describe(m.receive("GET / HTTP/2.0\r\nHost: x\r\n\r\n")), "error 505 HTTP version not supported")
        XCTAssertEqual(m.state, .closing)
        XCTAssertFalse(m.wantsInput(unsent: 200))
        XCTAssertEqual(describe(m.outputFlushed(written: 200, unsent: 0, now: 0)), "shut write side")
    }

    func testHeaderTimeoutAnswers408() {
        var m = machine()
        XCTAssertEqual(describe(m.receive("GET /healthz HTTP/1.1\r\n", now: 100)), "wait")
        XCTAssertEqual(m.state, .reading(.head(since: 100)))
        XCTAssertEqual(describe(m.receive("Host: x\r\n", now: 5000)), "wait")
        XCTAssertEqual(describe(m.timerFired(now: 10_099, unsent: 0)), "wait")
        XCTAssertEqual(
            describe(m.timerFired(now: 10_100, unsent: 0)), "error 408 the request head did not arrive within 10.0 seconds")
        XCTAssertEqual(m.state, .closing)
    }

    func testBodyTimeoutAnswers408() {
        var m = machine()
        XCTAssertEqual(
            describe(m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", now: 0)),
            "screen POST /v1/api-keys, length 10")
        XCTAssertEqual(describe(m.headScreened(.accepted(charged: 10), unsent: 0, now: 50)), "wait")
        XCTAssertEqual(m.state, .reading(.body(since: 50)))
        XCTAssertEqual(describe(m.timerFired(now: 30_049, unsent: 0)), "wait")
        XCTAssertEqual(
            describe(m.timerFired(now: 30_050, unsent: 0)), "error 408 the request body did not arrive within 30.0 seconds")
        XCTAssertEqual(describe(m.outputFlushed(written: 300, unsent: 0, now: 30_051)), "shut write side")
        XCTAssertEqual(describe(m.peerClosed(unsent: 0, now: 30_052)), "close, release 10", "the body's charge goes back")
    }

    func testIdleKeepAliveConnectionClosesAfterTheIdleTimeout() {
        var m = machine()
        _ = m.receive(Self.get, now: 0)
        _ = m.responseReady(Self.ok, serial: 1, now: 1000)
        XCTAssertEqual(describe(m.timerFired(now: 60_999, unsent: 0)), "wait")
        XCTAssertEqual(describe(m.timerFired(now: 61_000, unsent: 0)), "close, release 0")
        XCTAssertTrue(m.isClosed)
        XCTAssertEqual(describe(m.connectionLost()), "wait", "closed once")
    }

    func testClientThatStopsReadingIsClosedAfterTheIdleTimeout() {
        var m = machine()
        _ = m.receive("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        _ = m.responseReady(Self.ok, serial: 1, now: 0)
        XCTAssertEqual(describe(m.outputFlushed(written: 0, unsent: 500, now: 10)), "wait")
        XCTAssertEqual(describe(m.timerFired(now: 60_000, unsent: 500)), "close, release 0")
    }

    func testPeerCloseAnswersWhatArrivedThenCloses() {
        var m = machine()
        XCTAssertEqual(describe(m.receive(Self.get)), "dispatch GET /healthz #1")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, body, connection -, release 0")
        XCTAssertEqual(describe(m.peerClosed(unsent: 100, now: 0)), "wait")
        XCTAssertEqual(m.state, .closing)
        XCTAssertEqual(describe(m.outputFlushed(written: 100, unsent: 0, now: 0)), "shut write side")
    }

    func testPeerCloseAnswersRequestsStillBufferedThenCloses() {
        var m = machine()
        _ = m.receive(Self.get + Self.get)
        _ = m.responseReady(Self.ok, serial: 1, now: 0)
        let full = Machine.outputHighWater
        XCTAssertEqual(describe(m.parseNext(unsent: full, now: 0)), "wait")
        XCTAssertEqual(describe(m.peerClosed(unsent: full, now: 0)), "wait")
        XCTAssertEqual(describe(m.outputFlushed(written: full, unsent: 0, now: 0)), "wait")
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 0)), "dispatch GET /healthz #2")
        _ = m.responseReady(Self.ok, serial: 2, now: 0)
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 0)), "wait")
        XCTAssertEqual(m.state, .closing)
    }

    // MARK: Screening heads

    func testContinueIsSentOnlyAfterTheHeadPassesItsScreen() {
        var m = machine()
        let head = "POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        XCTAssertEqual(describe(m.receive(head)), "screen POST /v1/api-keys, length 2")
        guard case .screening = m.state else { return XCTFail("expected screening, got \(m.state)") }
        XCTAssertEqual(describe(m.headScreened(.accepted(charged: 2), unsent: 0, now: 0)), "100 continue")
        XCTAssertEqual(describe(m.parseNext(unsent: 25, now: 0)), "wait")
        XCTAssertEqual(describe(m.receive("{}", unsent: 25)), "dispatch POST /v1/api-keys #1")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, body, connection -, release 2")
    }

    func testRefusedHeadWithSmallBodyIsAnsweredAndItsBodySkipped() {
        var m = machine()
        XCTAssertEqual(describe(m.receive(Self.post("/v1/api-keys", body: "hello") + Self.get)), "screen POST /v1/api-keys, length 5")
        XCTAssertEqual(describe(m.headScreened(.refused(Self.refusal), unsent: 0, now: 7)), "answer refused POST /v1/api-keys #1")
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 401), serial: 1, now: 8)), "write 401, length 0, body, connection -, release 0")
        XCTAssertEqual(m.state, .reading(.skippedBody(since: 7)))
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 8)), "dispatch GET /healthz #2", "the body was skipped, not served")
    }

    func testRefusedHeadWithALargeBodyKeepsTheConnectionAndSkipsTheBody() {
        // A well-framed request keeps its connection whatever it is refused for (API.md §1):
        // its body is read and dropped, never held.
        var m = machine()
        let head = "POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n"
        _ = m.receive(head)
        XCTAssertEqual(describe(m.headScreened(.refused(Self.refusal), unsent: 0, now: 0)), "answer refused POST /v1/api-keys #1")
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 401), serial: 1, now: 0)), "write 401, length 0, body, connection -, release 0")
        XCTAssertEqual(m.state, .reading(.skippedBody(since: 0)))
        XCTAssertEqual(describe(m.receive(String(repeating: "x", count: 65537) + Self.get)), "dispatch GET /healthz #2")
    }

    func testTheBodyBudgetsRefusalClosesWithoutReadingTheBody() {
        var m = machine()
        _ = m.receive(Self.post("/v1/api-keys", body: "hello"))
        var budget = Self.refusal
        budget.skipsBody = false
        _ = m.headScreened(.refused(budget), unsent: 0, now: 0)
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 503), serial: 1, now: 0)), "write 503, length 0, body, connection close, release 0")
        XCTAssertEqual(m.state, .closing)
    }

    func testRefusedHeadClosesWhenTheClientAwaitsContinue() {
        var m = machine()
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(describe(m.headScreened(.refused(Self.refusal), unsent: 0, now: 0)), "answer refused POST /v1/api-keys #1")
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 401), serial: 1, now: 0)), "write 401, length 0, body, connection close, release 0")
    }

    func testRefusedChunkedBodyIsDecodedAndSkipped() {
        var m = machine()
        XCTAssertEqual(
            describe(m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")),
            "screen POST /v1/api-keys, length -")
        _ = m.headScreened(.refused(Self.refusal), unsent: 0, now: 0)
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 401), serial: 1, now: 0)), "write 401, length 0, body, connection -, release 0")
        XCTAssertEqual(describe(m.receive("5\r\nhello\r\n")), "wait")
        XCTAssertEqual(describe(m.receive("0\r\n\r\n" + Self.get)), "dispatch GET /healthz #2", "the body was skipped, not served")
    }

    func testASkippedChunkedBodyStillHasItsFramingChecked() {
        var m = machine()
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        _ = m.headScreened(.refused(Self.refusal), unsent: 0, now: 0)
        _ = m.responseReady(Response(status: 401), serial: 1, now: 0)
        // A bad chunk size ends the connection, but with no second answer: the request had its
        // 401, and a 400 after it would be read as the answer to the client's next request.
        XCTAssertEqual(describe(m.receive("zz\r\nhello\r\n")), "shut write side", "bad chunk size")
    }

    func testASkippedBodyThatStallsClosesWithoutA408() {
        var m = machine()
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
        _ = m.headScreened(.refused(Self.refusal), unsent: 0, now: 0)
        _ = m.responseReady(Response(status: 401), serial: 1, now: 0)
        XCTAssertEqual(describe(m.timerFired(now: 60_000, unsent: 0)), "shut write side", "the body timeout passed")
    }

    func testChunkedBodyIsChargedAheadOfWhatIsHeldAndRefusedWhenTheBudgetIsSpent() {
        var m = machine()
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        XCTAssertEqual(describe(m.headScreened(.accepted(charged: 0), unsent: 0, now: 0)), "wait")
        XCTAssertEqual(describe(m.receive("5\r\nhello\r\n")), "charge 65536")
        XCTAssertEqual(describe(m.bodyCharged(65536, granted: true)), "wait")
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 0)), "wait", "the charge is ahead of the body")
        let big = String(repeating: "a", count: 70_000)
        XCTAssertEqual(describe(m.receive("\(String(big.utf8.count, radix: 16))\r\n\(big)\r\n")), "charge 65536")
        XCTAssertEqual(describe(m.bodyCharged(65536, granted: false)), "503 over budget #1")
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 503), serial: 1, now: 0)),
            "write 503, length 0, body, connection close, release 65536")
    }

    /// The step ahead never passes `--max-body-bytes`: with a 1,000-byte limit a chunked body is
    /// charged 1,000 at most, not 64 KiB (which made every such body cost the step; found by a
    /// black-box audit).
    func testAChunkedBodysChargeStopsAtTheLargestBodyThereCanBe() {
        var m = Machine(
            limits: ParserLimits(maxBodyBytes: 1000), timeouts: .init(header: .seconds(10), body: .seconds(30), idle: .seconds(60)), now: 0)
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        _ = m.headScreened(.accepted(charged: 0), unsent: 0, now: 0)
        XCTAssertEqual(describe(m.receive("5\r\nhello\r\n")), "charge 1000")
    }

    // MARK: Streaming

    func testStreamedResponseIsChunkedAndKeepsTheConnection() {
        var m = machine()
        _ = m.receive(Self.get + Self.get)
        let streamed = Response(status: 200, stream: StreamingBody { _ in })
        XCTAssertEqual(describe(m.responseReady(streamed, serial: 1, now: 0)), "stream 200, chunked, connection - #1")
        XCTAssertFalse(m.wantsInput(unsent: 0))
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 0)), "wait", "the next request waits for the stream")
        XCTAssertEqual(describe(m.streamChunk([1, 2], serial: 1)), "piece 2, chunked")
        XCTAssertEqual(describe(m.streamChunk([1, 2], serial: 9)), "wait")
        XCTAssertEqual(describe(m.outputFlushed(written: 7, unsent: 0, now: 0)), "resume producer")
        XCTAssertEqual(describe(m.streamEnded(serial: 1, failed: false, now: 0)), "end stream, last chunk, 200, release 0")
        XCTAssertEqual(describe(m.parseNext(unsent: 5, now: 0)), "dispatch GET /healthz #2")
    }

    func testStreamToHTTP10EndsByClosing() {
        var m = machine()
        _ = m.receive("GET /v1/customers/export HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let streamed = Response(status: 200, stream: StreamingBody { _ in })
        XCTAssertEqual(describe(m.responseReady(streamed, serial: 1, now: 0)), "stream 200, until close, connection close #1")
        XCTAssertEqual(describe(m.streamChunk([1, 2, 3], serial: 1)), "piece 3, raw")
        XCTAssertEqual(describe(m.streamEnded(serial: 1, failed: false, now: 0)), "end stream, no last chunk, 200, release 0")
        XCTAssertTrue(m.isClosing)
        XCTAssertEqual(describe(m.outputFlushed(written: 0, unsent: 0, now: 0)), "shut write side")
    }

    func testFailedStreamClosesWithoutItsLastChunk() {
        var m = machine()
        _ = m.receive(Self.get)
        _ = m.responseReady(Response(status: 200, stream: StreamingBody { _ in }), serial: 1, now: 0)
        XCTAssertEqual(describe(m.streamEnded(serial: 1, failed: true, now: 0)), "close, release 0, log 200")
    }

    func testHeadOfAStreamedResponseSendsNoBody() {
        var m = machine()
        _ = m.receive("HEAD /v1/customers/export HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 200, stream: StreamingBody { _ in }), serial: 1, now: 0)),
            "write 200, chunked, no body, connection -, release 0")
        XCTAssertEqual(m.state, .reading(.idle))
    }

    // MARK: Backpressure

    func testOutputHighWaterStopsTakingRequestsUntilTheClientReads() {
        var m = machine()
        _ = m.receive(Self.get + Self.get)
        _ = m.responseReady(Self.ok, serial: 1, now: 0)
        let full = Machine.outputHighWater
        XCTAssertEqual(describe(m.parseNext(unsent: full, now: 0)), "wait")
        XCTAssertFalse(m.wantsInput(unsent: full))
        XCTAssertEqual(describe(m.outputFlushed(written: 1, unsent: full - 1, now: 0)), "wait")
        XCTAssertTrue(m.wantsInput(unsent: full - 1))
        XCTAssertEqual(describe(m.parseNext(unsent: full - 1, now: 0)), "dispatch GET /healthz #2")
    }

    // MARK: Shutdown

    func testRequestOnAnIdleConnectionAfterShutdownBeganIsRefusedWith503AndClose() {
        var m = machine()
        _ = m.receive(Self.get)
        _ = m.responseReady(Self.ok, serial: 1, now: 0)
        XCTAssertFalse(m.hasRequestInFlight(unsent: 0))
        XCTAssertEqual(describe(m.shutdownBegan()), "wait", "an idle connection stays open to answer")
        XCTAssertTrue(m.wantsInput(unsent: 0))
        XCTAssertEqual(describe(m.receive("GET /late HTTP/1.1\r\nHost: x\r\n\r\n")), "503 shutting down GET /late #2")
        XCTAssertTrue(m.hasRequestInFlight(unsent: 0))
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 503), serial: 2, now: 0)), "write 503, length 0, body, connection close, release 0")
        XCTAssertEqual(describe(m.outputFlushed(written: 200, unsent: 0, now: 0)), "shut write side")
        XCTAssertFalse(m.hasRequestInFlight(unsent: 0), "lingering holds no request")
    }

    func testIdleConnectionClosesWhenTheDrainCompletes() {
        var m = machine()
        XCTAssertEqual(describe(m.shutdownBegan()), "wait")
        XCTAssertEqual(describe(m.drainCompleted(unsent: 0)), "close, release 0")
    }

    func testIdleConnectionWritesItsLastAnswerBeforeClosingOnDrainCompleted() {
        var m = machine()
        _ = m.receive(Self.get)
        _ = m.responseReady(Self.ok, serial: 1, now: 0)
        _ = m.shutdownBegan()
        XCTAssertTrue(m.hasRequestInFlight(unsent: 80), "its answer is not written yet")
        XCTAssertEqual(describe(m.drainCompleted(unsent: 80)), "wait")
        XCTAssertEqual(describe(m.outputFlushed(written: 80, unsent: 0, now: 0)), "close, release 0")
    }

    func testBusyConnectionClosesOnceIdleAfterTheDrainCompleted() {
        var m = machine()
        _ = m.receive("GET /healthz HTTP/1.1\r\n")
        _ = m.shutdownBegan()
        XCTAssertTrue(m.hasRequestInFlight(unsent: 0), "part of a head arrived")
        XCTAssertEqual(describe(m.drainCompleted(unsent: 0)), "wait")
        XCTAssertEqual(describe(m.receive("Host: x\r\n\r\n")), "503 shutting down GET /healthz #1")
    }

    func testRequestAfterASkippedBodyDuringShutdownIsRefused() {
        var m = machine()
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
        _ = m.headScreened(.refused(Self.refusal), unsent: 0, now: 0)
        _ = m.responseReady(Response(status: 401), serial: 1, now: 0)
        XCTAssertEqual(m.state, .reading(.skippedBody(since: 0)))
        XCTAssertEqual(describe(m.shutdownBegan()), "wait")
        XCTAssertEqual(describe(m.receive("hello" + Self.get)), "503 shutting down GET /healthz #2")
    }

    func testRequestWhoseBodyArrivesDuringShutdownIsServedThenCloses() {
        var m = machine()
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n")
        _ = m.headScreened(.accepted(charged: 2), unsent: 0, now: 0)
        XCTAssertEqual(describe(m.shutdownBegan()), "wait")
        XCTAssertEqual(describe(m.receive("{}")), "dispatch POST /v1/api-keys #1")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, body, connection close, release 2")
    }

    func testRequestInFlightWhenShutdownBeganIsAnsweredWithClose() {
        var m = machine()
        _ = m.receive(Self.get + Self.get)
        XCTAssertEqual(describe(m.shutdownBegan()), "wait")
        XCTAssertEqual(describe(m.responseReady(Self.ok, serial: 1, now: 0)), "write 200, length 2, body, connection close, release 0")
        XCTAssertEqual(describe(m.parseNext(unsent: 0, now: 0)), "wait", "the pipelined one is not taken")
    }

    func testHeadCompletedAfterShutdownBeganIsRefusedWith503() {
        var m = machine()
        _ = m.receive("GET /healthz HTTP/1.1\r\n")
        XCTAssertEqual(describe(m.shutdownBegan()), "wait")
        XCTAssertEqual(describe(m.receive("Host: x\r\n\r\n")), "503 shutting down GET /healthz #1")
        XCTAssertEqual(
            describe(m.responseReady(Response(status: 503), serial: 1, now: 0)), "write 503, length 0, body, connection close, release 0")
    }

    func testSocketErrorClosesAndReturnsTheBodyCharge() {
        var m = machine()
        _ = m.receive("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        _ = m.headScreened(.accepted(charged: 100), unsent: 0, now: 0)
        XCTAssertEqual(describe(m.connectionLost()), "close, release 100")
        XCTAssertEqual(describe(m.readable()), "wait")
    }
}

extension ConnectionStateMachine {
    fileprivate mutating func receive(_ text: String, unsent: Int = 0, now: Int64 = 0) -> Action {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { bytesReceived($0, unsent: unsent, now: now) }
    }
}

/// One line per action, so that a test reads as the sequence of what the connection is told to do.
private func describe(_ action: ConnectionStateMachine.Action) -> String {
    switch action {
    case .wait: return "wait"
    case .read: return "read"
    case .discardInput: return "discard input"
    case .screen(let head, let length): return "screen \(head.method) \(head.target), length \(length.map { "\($0)" } ?? "-")"
    case .sendContinue: return "100 continue"
    case .dispatch(let request, let serial): return "dispatch \(request.method) \(request.target) #\(serial)"
    case .refuseShuttingDown(let request, let serial): return "503 shutting down \(request.method) \(request.target) #\(serial)"
    case .answerRefusedHead(let head, _, let serial): return "answer refused \(head.method) \(head.target) #\(serial)"
    case .chargeBody(let bytes): return "charge \(bytes)"
    case .refuseBodyOverBudget(let serial, _): return "503 over budget #\(serial)"
    case .sendError(let status, let detail, _): return "error \(status) \(detail)"
    case .writeResponse(let response, let head, let releasing):
        return "write \(response.status), \(describe(head)), release \(releasing)"
    case .startStream(let response, let head, _, let serial):
        return "stream \(response.status), \(describe(head.framing)), connection \(describe(head.connection)) #\(serial)"
    case .writeBodyPiece(let bytes, let chunked): return "piece \(bytes.count), \(chunked ? "chunked" : "raw")"
    case .endStream(let chunked, let status, let releasing):
        return "end stream, \(chunked ? "last chunk" : "no last chunk"), \(status), release \(releasing)"
    case .resumeProducer: return "resume producer"
    case .shutdownWrite: return "shut write side"
    case .close(let releasing, let failedStatus):
        return "close, release \(releasing)" + (failedStatus.map { ", log \($0)" } ?? "")
    }
}

private func describe(_ head: ConnectionStateMachine.ResponseHead) -> String {
    "\(describe(head.framing)), \(head.includesBody ? "body" : "no body"), connection \(describe(head.connection))"
}

private func describe(_ framing: ResponseEncoder.Framing) -> String {
    switch framing {
    case .length(let count): "length \(count)"
    case .chunked: "chunked"
    case .untilClose: "until close"
    }
}

private func describe(_ connection: ResponseEncoder.ConnectionHeader?) -> String {
    switch connection {
    case .close: "close"
    case .keepAlive: "keep-alive"
    case nil: "-"
    }
}
