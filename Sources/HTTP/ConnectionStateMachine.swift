/// One client connection's HTTP/1.1 protocol state (RFC 9112 §9, DESIGN.md "HTTP rules") as a
/// value: events go in, an ``Action`` comes out, and ``HTTPConnection`` carries it out (socket
/// reads and writes, epoll interest, routing and handlers, the body budget, the access log,
/// closing). Nothing here touches a socket, a clock or anything shared, so every rule below is a
/// unit test without sockets (`ConnectionStateMachineTests`).
///
/// States and their transitions:
///
///     reading ──request──▶ handling ──response, keep-alive──▶ reading
///        │                  │  └──streamed response──▶ streaming ──ended, keep-alive──▶ reading
///        │                  │                              ├──ended, close──▶ closing
///        │                  │                              └──producer failed──▶ closed
///        │                  └──response, close──▶ closing
///        ├──head of a request with a body──▶ screening ──accepted──▶ reading (its body)
///        │                                       └──refused──▶ handling (answer; body skipped)
///        ├──parse error, header or body timeout──▶ closing (error response queued)
///        ├──peer closed──▶ closing
///        └──idle timeout, or the drain completed while idle──▶ closed
///     closing ──output written──▶ lingering (write side shut, input discarded) ──EOF or 2 s──▶ closed
///     any ──socket error──▶ closed
///
/// A request with a body is screened from its head (route, method, key and role; memory for
/// the body) before any of the body is read or `100 Continue` is sent: a refused one is answered
/// without reading on, so a client the handler would refuse cannot make the server hold its body.
///
/// Only one request is handled at a time: outside `reading` the machine asks for no input, so
/// pipelined requests wait in the kernel and the parser, and answers go out in order. Past
/// ``outputHighWater`` bytes of unsent output it stops parsing until the client reads.
///
/// Graceful shutdown (DESIGN.md): once it began, requests that arrive are answered `503` with
/// `Connection: close` and requests in flight finish (also with `Connection: close`). An idle
/// connection stays open meanwhile, so that a request its client sends is answered rather than
/// dropped; it closes when the drain completes (no request in flight on any loop), at once or
/// as soon as it is idle again.
///
/// Calling convention: the connection reports what happened (`bytesReceived`, `responseReady`,
/// `outputFlushed`, `timerFired`, …) and carries out the returned action; whenever an action
/// says ``Action/wait``, it calls ``parseNext(unsent:now:)`` for the next buffered request.
/// `unsent` is always the connection's count of queued, unwritten output bytes and `now` its
/// monotonic milliseconds.
struct ConnectionStateMachine {
    /// Plain values only (the screened head waits in ``screenedHead``): a state is read or
    /// replaced on every event, and that costs no reference counting.
    enum State: Equatable {
        /// Between requests or receiving one.
        case reading(Reading)
        /// The head of a request with a body (``screenedHead``) is with its route's screen.
        case screening
        /// A request is with its handler (or a refused head is being answered); nothing is read.
        case handling(Exchange)
        /// A response body is being produced and written piece by piece; nothing is read.
        case streaming(Exchange, Stream)
        /// The last response is queued; once written, the connection lingers.
        case closing
        /// Write side shut: input is read and dropped until EOF or ``lingerMilliseconds``.
        case lingering(since: Int64)
        case closed
    }

    /// Where a `reading` connection is within the next request, with the clock each timeout runs on.
    enum Reading: Equatable {
        /// No byte of a next request has arrived (the idle timeout runs).
        case idle
        /// Part of a head has arrived, its first byte at `since` (header timeout).
        case head(since: Int64)
        /// The body of a head that passed its screen is arriving since `since` (body timeout).
        case body(since: Int64)
        /// The body of a refused request is being read and dropped since `since` (body timeout).
        case skippedBody(since: Int64)
    }

    /// The request being answered: what its response's framing depends on.
    struct Exchange: Equatable {
        /// Numbers exchanges on this connection, so a late or second answer is recognised and dropped.
        let serial: UInt64
        let method: HTTPMethod
        let version: HTTPVersion
        /// The request asked to keep the connection, and the server could when it began.
        let keepAlive: Bool
        /// When the skipped body of this refused request began; it is read on after the answer.
        let skippedBodySince: Int64?
    }

    /// A streamed response in progress.
    struct Stream: Equatable {
        let status: Int
        /// Chunked coding; HTTP/1.0 knows none, so there the body ends when the connection closes.
        let chunked: Bool
        let keepAlive: Bool
    }

    /// The timeouts of ``ServerConfiguration``.
    struct Timeouts {
        var header: Duration
        var body: Duration
        var idle: Duration
    }

    /// Where the server's graceful shutdown is, as this connection sees it.
    enum Drain: Equatable {
        case off
        /// Shutdown began: new requests are refused with `503`, and no response keeps the connection.
        case refusing
        /// No request is in flight on any loop any more: idle connections close too.
        case closingIdle
    }

    /// Past this much unsent output the connection takes no new request until the client reads.
    static let outputHighWater = 1 << 20
    /// A chunked body is charged to the budget at least this much ahead of what is held.
    static let bodyChargeStep = 64 << 10
    /// How long a closing connection discards input before it closes regardless.
    static let lingerMilliseconds: Int64 = 2000

    private(set) var state = State.reading(.idle)
    private(set) var parser: RequestParser
    /// The head being screened, while `screening`.
    private var screenedHead: Request?
    /// The accepted head whose body is arriving, while `reading(.body)`: an answer that ends the
    /// body early (timeout, bad framing, budget) echoes its `X-Request-Id`.
    private var bodyHead: Request?
    let timeouts: Timeouts
    /// What this connection has charged to the server's body budget (a ``Quota``) for the current body;
    /// handed back in the action that ends the exchange or closes the connection.
    private(set) var bodyCharge = 0
    private var serial: UInt64 = 0
    /// Last byte read or written (or exchange finished): the idle timeout's clock.
    private var lastActivity: Int64
    /// The peer shut its write side: once what it sent is answered, the connection closes.
    private var inputEnded = false
    private(set) var drain = Drain.off
    private var draining: Bool { drain != .off }

    /// The largest body the parser lets through (`--max-body-bytes`): no charge goes past it.
    private let maxBodyBytes: Int

    init(limits: ParserLimits, timeouts: Timeouts, now: Int64) {
        parser = RequestParser(limits: limits, announcesHeads: true)
        maxBodyBytes = limits.maxBodyBytes
        self.timeouts = timeouts
        lastActivity = now
    }

    /// Whether the connection wants `EPOLLIN`.
    func wantsInput(unsent: Int) -> Bool {
        state.wantsInput(unsent: unsent)
    }

    /// A `closing` connection with nothing left to write must still hear ``outputFlushed(written:unsent:now:)``.
    var isClosing: Bool { state.isClosing }

    var isClosed: Bool { state.isClosed }

    /// Whether a request is on this connection: part of one received, one being answered, or an
    /// answer not yet written. Shutdown waits for these, and only these.
    func hasRequestInFlight(unsent: Int) -> Bool {
        switch state {
        case .reading: !isIdle(unsent: unsent)
        case .screening, .handling, .streaming, .closing: true
        case .lingering, .closed: false
        }
    }

    private func isIdle(unsent: Int) -> Bool {
        guard case .reading = state else { return false }
        return parser.state == .idle && unsent == 0
    }

    // MARK: Input

    /// The socket has input.
    func readable() -> Action {
        switch state {
        case .reading: .read
        case .lingering: .discardInput
        default: .wait
        }
    }

    mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, unsent: Int, now: Int64) -> Action {
        lastActivity = now
        parser.feed(bytes)
        return parseNext(unsent: unsent, now: now)
    }

    /// The socket read returned end of file.
    mutating func peerClosed(unsent: Int, now: Int64) -> Action {
        switch state {
        case .lingering:
            return closeNow()
        case .reading:
            // Whatever complete requests the peer sent are answered first.
            inputEnded = true
            return parseNext(unsent: unsent, now: now)
        default:
            return .wait
        }
    }

    /// The next step with the buffered bytes, when `reading` and under the output high-water mark.
    mutating func parseNext(unsent: Int, now: Int64) -> Action {
        guard case .reading(let reading) = state, unsent < Self.outputHighWater else { return .wait }
        switch parser.next() {
        case .needMore:
            return awaitMore(reading, unsent: unsent, now: now)
        case .head(let head):
            if draining { return begin(head, keepAlive: false, refused: true) }
            state = .screening
            screenedHead = head
            return .screen(head, bodyLength: parser.remainingFixedBody)
        case .continueExpected:
            return .sendContinue
        case .error(let error):
            // The skipped body of a refused request: that request has its answer, and a second one
            // would be read as the answer to the client's next request. Close, answering nothing.
            if case .skippedBody = reading { return closeQuietly(unsent: unsent, now: now) }
            return refuse(error)
        case .request(let request):
            // A body that was arriving when shutdown began belongs to a request taken before it.
            let admitted: Bool
            if case .body = reading { admitted = true } else { admitted = false }
            return begin(request, keepAlive: request.keepAlive && !draining, refused: draining && !admitted)
        }
    }

    /// The `X-Request-Id` of the head whose body was arriving, for an answer that ends it early.
    private mutating func takeBodyRequestID() -> String? { bodyHead.take()?.headers["X-Request-Id"] }

    /// The parser refused the request: answer it and close. Out of line: ``parseNext(unsent:now:)``
    /// runs for every request, this for almost none.
    @inline(never)
    private mutating func refuse(_ error: HTTPParseError) -> Action {
        state = .closing
        let requestID = parser.refusedRequestID ?? takeBodyRequestID()
        return .sendError(status: error.status, detail: error.reason, requestID: requestID)
    }

    /// The buffered bytes end inside a request, or there are none: start the timer that applies,
    /// keep a growing body's budget charge ahead of it, or close a connection with nothing to do.
    private mutating func awaitMore(_ reading: Reading, unsent: Int, now: Int64) -> Action {
        switch parser.state {
        case .head:
            if case .head = reading {} else { state = .reading(.head(since: now)) }
        case .idle:
            state = .reading(.idle)
            if drain == .closingIdle && unsent == 0 { return closeNow() }
        case .body:
            let held = parser.bodyByteCount
            // A step ahead of what is held, but never past the largest body there can be (a
            // small --max-body-bytes must not make every chunked body cost the whole step).
            if held > bodyCharge { return .chargeBody(max(held - bodyCharge, min(Self.bodyChargeStep, maxBodyBytes - bodyCharge))) }
        }
        if inputEnded { state = .closing }
        return .wait
    }

    private mutating func begin(_ request: consuming Request, keepAlive: Bool, refused: Bool) -> Action {
        bodyHead = nil
        serial &+= 1
        state = .handling(
            Exchange(
                serial: serial, method: request.method, version: request.version, keepAlive: keepAlive,
                skippedBodySince: nil))
        return refused ? .refuseShuttingDown(request, serial: serial) : .dispatch(request, serial: serial)
    }

    /// The connection screened the head that ``Action/screen(_:bodyLength:)`` named.
    mutating func headScreened(_ verdict: HeadVerdict, unsent: Int, now: Int64) -> Action {
        guard case .screening = state, let head = screenedHead.take() else { return .wait }
        switch verdict {
        case .accepted(let charged):
            bodyCharge += charged
            bodyHead = head
            state = .reading(.body(since: now))
            return parseNext(unsent: unsent, now: now)
        case .refused(let refusal):
            var keepAlive = false
            var skippedBodySince: Int64?
            // A refused request's body is skipped (consumed, never held) so that the connection
            // stays open, as for any well-framed request; one whose client waits for
            // `100 Continue` is not read at all: the connection closes.
            if refusal.skipsBody && head.keepAlive && !draining && !parser.expectsContinue && parser.bodyIsSkippable {
                parser.skipBody()
                keepAlive = true
                skippedBodySince = now
            }
            serial &+= 1
            state = .handling(
                Exchange(
                    serial: serial, method: head.method, version: head.version, keepAlive: keepAlive,
                    skippedBodySince: skippedBodySince))
            return .answerRefusedHead(head, refusal, serial: serial)
        }
    }

    /// The connection tried to charge `bytes` of a growing body (``Action/chargeBody(_:)``).
    mutating func bodyCharged(_ bytes: Int, granted: Bool) -> Action {
        guard case .reading(.body) = state else { return .wait }
        if granted {
            bodyCharge += bytes
            return .wait
        }
        serial &+= 1
        state = .handling(Exchange(serial: serial, method: .post, version: .http11, keepAlive: false, skippedBodySince: nil))
        return .refuseBodyOverBudget(serial: serial, requestID: takeBodyRequestID())
    }

    // MARK: Output

    /// The handler (or the connection, for a refusal) answered exchange `serial`. A second
    /// answer, or one for an exchange that is over, is dropped.
    mutating func responseReady(_ response: consuming Response, serial: UInt64, now: Int64) -> Action {
        guard case .handling(let exchange) = state, exchange.serial == serial else { return .wait }
        let keepAlive = exchange.keepAlive && !draining
        let connection: ResponseEncoder.ConnectionHeader? =
            !keepAlive ? .close : (exchange.version == .http10 ? .keepAlive : nil)
        switch response.body {
        case .bytes(let body):
            let status = response.status
            let includesBody = exchange.method != .head && status >= 200 && status != 204 && status != 304
            let head = ResponseHead(framing: .length(body.count), connection: connection, includesBody: includesBody)
            let released = finish(keepAlive: keepAlive, skippedBodySince: exchange.skippedBodySince, now: now)
            return .writeResponse(response, head, releasing: released)
        case .stream(let body):
            if exchange.method == .head {
                let head = ResponseHead(framing: .chunked, connection: connection, includesBody: false)
                let released = finish(keepAlive: keepAlive, skippedBodySince: nil, now: now)
                return .writeResponse(response, head, releasing: released)
            }
            // HTTP/1.0 knows no chunked coding: the body ends when the connection closes.
            let chunked = exchange.version != .http10
            let head = ResponseHead(
                framing: chunked ? .chunked : .untilClose, connection: chunked ? connection : .close, includesBody: true)
            state = .streaming(exchange, Stream(status: response.status, chunked: chunked, keepAlive: keepAlive && chunked))
            return .startStream(response, head, body, serial: serial)
        }
    }

    /// Ends the exchange: back to `reading` (on to a refused request's skipped body) or `closing`.
    /// Returns the body budget charge to hand back.
    private mutating func finish(keepAlive: Bool, skippedBodySince: Int64?, now: Int64) -> Int {
        let released = bodyCharge
        bodyCharge = 0
        if keepAlive {
            if let since = skippedBodySince, parser.state == .body {
                state = .reading(.skippedBody(since: since))
            } else {
                state = .reading(.idle)
            }
            lastActivity = now
        } else {
            state = .closing
        }
        return released
    }

    /// The stream of exchange `serial` produced `bytes`.
    func streamChunk(_ bytes: consuming [UInt8], serial: UInt64) -> Action {
        guard case .streaming(let exchange, let stream) = state, exchange.serial == serial else { return .wait }
        return .writeBodyPiece(bytes, chunked: stream.chunked)
    }

    /// The stream of exchange `serial` ended; `failed` when its producer threw.
    mutating func streamEnded(serial: UInt64, failed: Bool, now: Int64) -> Action {
        guard case .streaming(let exchange, let stream) = state, exchange.serial == serial else { return .wait }
        if failed {
            // The status line is gone already; an unterminated body tells the client it is incomplete.
            state = .closed
            return .close(releasing: takeCharge(), failedStatus: stream.status)
        }
        let released = finish(keepAlive: stream.keepAlive && !draining, skippedBodySince: nil, now: now)
        return .endStream(chunked: stream.chunked, status: stream.status, releasing: released)
    }

    /// The connection wrote `written` bytes; `unsent` remain (more when the socket would block).
    mutating func outputFlushed(written: Int, unsent: Int, now: Int64) -> Action {
        if written > 0 { lastActivity = now }
        guard unsent == 0 else { return .wait }
        switch state {
        case .closing:
            state = .lingering(since: now)
            return .shutdownWrite
        case .streaming:
            return .resumeProducer
        case .reading where drain == .closingIdle && isIdle(unsent: unsent):
            return closeNow()
        default:
            return .wait
        }
    }

    // MARK: Timers, shutdown, failure

    /// The loop's periodic sweep.
    mutating func timerFired(now: Int64, unsent: Int) -> Action {
        switch state {
        case .reading(let reading):
            if case .head(let since) = reading, now - since >= timeouts.header.wholeMilliseconds {
                state = .closing
                return .sendError(status: 408, detail: "the request head did not arrive within \(timeouts.header)", requestID: nil)
            }
            if let since = reading.bodySince, parser.state == .body, now - since >= timeouts.body.wholeMilliseconds {
                if case .skippedBody = reading { return closeQuietly(unsent: unsent, now: now) }  // see parseNext
                state = .closing
                return .sendError(
                    status: 408, detail: "the request body did not arrive within \(timeouts.body)",
                    requestID: takeBodyRequestID())
            }
            return now - lastActivity >= timeouts.idle.wholeMilliseconds ? closeNow() : .wait
        case .lingering(let since):
            return now - since >= Self.lingerMilliseconds ? closeNow() : .wait
        case .closing, .streaming:
            // A client that stopped reading cannot hold the connection forever.
            return unsent > 0 && now - lastActivity >= timeouts.idle.wholeMilliseconds ? closeNow() : .wait
        case .screening, .handling, .closed:
            return .wait
        }
    }

    /// The server began its graceful shutdown. Nothing closes yet: a body that is arriving
    /// belongs to a request taken before, and an idle connection's next request is answered.
    mutating func shutdownBegan() -> Action {
        if drain == .off { drain = .refusing }
        return .wait
    }

    /// No request is in flight on any loop: an idle connection closes now, a busy one once idle.
    mutating func drainCompleted(unsent: Int) -> Action {
        drain = .closingIdle
        // Nothing in flight and nothing unread: close at once, no lingering needed.
        return isIdle(unsent: unsent) ? closeNow() : .wait
    }

    /// A socket error, a hang-up or a failed write: the connection is gone.
    mutating func connectionLost() -> Action {
        if case .closed = state { return .wait }
        return closeNow()
    }

    /// Closes once what is queued is written, answering nothing more (the write side is shut
    /// now when nothing is queued, as after a last answer).
    private mutating func closeQuietly(unsent: Int, now: Int64) -> Action {
        guard unsent == 0 else {
            state = .closing
            return .wait
        }
        state = .lingering(since: now)
        return .shutdownWrite
    }

    private mutating func closeNow() -> Action {
        state = .closed
        screenedHead = nil
        bodyHead = nil
        return .close(releasing: takeCharge(), failedStatus: nil)
    }

    private mutating func takeCharge() -> Int {
        defer { bodyCharge = 0 }
        return bodyCharge
    }
}

/// What the connection asks of the state once it has nothing else to do: it reads the state once
/// and asks these of its copy.
extension ConnectionStateMachine.State {
    /// Whether a connection in this state wants `EPOLLIN` (``ConnectionStateMachine/wantsInput(unsent:)``).
    func wantsInput(unsent: Int) -> Bool {
        switch self {
        case .reading: unsent < ConnectionStateMachine.outputHighWater
        case .lingering: true
        default: false
        }
    }

    var isClosing: Bool {
        if case .closing = self { return true }
        return false
    }

    var isClosed: Bool {
        if case .closed = self { return true }
        return false
    }
}

extension ConnectionStateMachine.Reading {
    /// When the body being read (kept or skipped) began.
    var bodySince: Int64? {
        switch self {
        case .body(let since), .skippedBody(let since): since
        case .idle, .head: nil
        }
    }
}
