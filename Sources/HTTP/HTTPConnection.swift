import CLinux
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// One client connection's whole life, confined to the event loop that accepted it.
///
/// States and their transitions (RFC 9112 §9, DESIGN.md "HTTP rules"):
///
///     reading ──request──▶ handling ──respond, keep-alive──▶ reading
///        │                    │ └──respond, stream──▶ streaming ──last chunk──▶ reading
///        │                    └──respond, close──▶ closing
///        ├──head refused by its route's screen, or no budget for its body──▶ handling (answer, close)
///        ├──parse error / 408──▶ closing (error response queued)
///        └──peer closed, idle timeout──▶ closed
///     closing ──output flushed──▶ lingering (write side shut, discarding input) ──EOF/2 s──▶ closed
///
/// A request with a body is screened from its head (route, method, key and role; memory for
/// the body) before any of the body is read or `100 Continue` is sent: a refused one is answered
/// and the connection closed without reading on, so a client the handler would refuse cannot
/// make the server hold its body.
///
/// Only one request is handled at a time: while `handling` or `streaming`, the connection stops
/// reading, so pipelined requests wait in the kernel and the parser, and answers go out in order.
/// The socket is closed in exactly one place, ``close()``.
final class HTTPConnection: EventSource {
    enum State {
        case reading
        case handling
        case streaming
        case closing
        case lingering(since: Int64)
        case closed
    }

    /// What the connection remembers about the request being handled, for the response and the log.
    private struct Exchange {
        let serial: UInt64
        let method: HTTPMethod
        let version: HTTPVersion
        let keepAlive: Bool
        let requestID: String
        let route: String?
        let startedAt: UInt64
    }

    private let socket: Socket
    private let loop: EventLoop
    private let core: ServerCore
    private var parser: RequestParser
    private(set) var state = State.reading
    private var output: [UInt8] = []
    private var outputStart = 0
    private var registeredEvents: UInt32 = 0
    private var headStartedAt: Int64?
    /// When the head of the request whose body is arriving passed its screen (body timeout).
    private var bodyStartedAt: Int64?
    /// What this connection has charged to the server's ``BodyBudget`` for the current body.
    private var bodyCharge = 0
    private var lastActivity: Int64
    private var exchange: Exchange?
    private var serial: UInt64 = 0
    private var isProcessing = false
    private var draining = false
    /// Set when shutdown began while a request head had been received: that request is served.
    private var drainAfterCurrent = false
    private var bodyWriter: BodyWriter?

    /// Past this much unsent output the connection stops taking new requests until the client reads.
    private static let outputHighWater = 1 << 20

    init(socket: Socket, loop: EventLoop, core: ServerCore) {
        self.socket = socket
        self.loop = loop
        self.core = core
        self.parser = RequestParser(limits: core.configuration.limits, announcesHeads: true)
        self.lastActivity = MonotonicClock.milliseconds()
    }

    func start() throws {
        registeredEvents = EPOLLIN.rawValue
        try loop.register(socket.descriptor, events: registeredEvents, source: self)
        core.configuration.metrics.connectionOpened()
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            close()
            return
        }
        if events & EPOLLOUT.rawValue != 0 {
            flush()
        }
        if events & EPOLLIN.rawValue != 0 {
            switch state {
            case .reading: readAndProcess()
            case .lingering: discardInput()
            default: break
            }
        }
        if case .reading = state, parser.bufferedByteCount > 0, pendingOutput < Self.outputHighWater {
            process()
        }
        flush()
    }

    func checkTimeouts(now: Int64) {
        let config = core.configuration
        switch state {
        case .reading:
            if let started = headStartedAt, now - started >= config.headerTimeout.wholeMilliseconds {
                sendError(status: 408, detail: "the request head did not arrive within \(config.headerTimeout)")
                flush()
            } else if let started = bodyStartedAt, case .body = parser.state,
                now - started >= config.bodyTimeout.wholeMilliseconds
            {
                sendError(status: 408, detail: "the request body did not arrive within \(config.bodyTimeout)")
                flush()
            } else if now - lastActivity >= config.idleTimeout.wholeMilliseconds {
                close()
            }
        case .lingering(let since):
            if now - since >= 2000 { close() }
        case .closing, .streaming:
            // A client that stopped reading cannot hold the connection forever.
            if pendingOutput > 0 && now - lastActivity >= config.idleTimeout.wholeMilliseconds { close() }
        case .handling, .closed:
            break
        }
    }

    func beginDraining() {
        draining = true
        switch state {
        case .reading:
            switch parser.state {
            case .idle where pendingOutput == 0:
                // Nothing in flight and nothing unread: close at once, no lingering needed.
                close()
            case .idle: startClosing()
            case .body: drainAfterCurrent = true
            default: break
            }
        case .handling, .streaming:
            break
        case .closing, .lingering, .closed:
            break
        }
    }

    // MARK: Reading and dispatching

    private var pendingOutput: Int { output.count - outputStart }

    private func readAndProcess() {
        // One read per readiness event keeps the loop fair; level-triggered epoll reports the rest.
        switch socket.read(into: loop.readBuffer) {
        case .bytes(let count):
            lastActivity = MonotonicClock.milliseconds()
            parser.feed(UnsafeRawBufferPointer(rebasing: loop.readBuffer[0..<count]))
            process()
        case .wouldBlock:
            break
        case .closed:
            // The peer will send nothing more; whatever complete requests it sent are answered first.
            process()
            if case .reading = state { startClosing() }
        }
    }

    private func process() {
        guard !isProcessing else { return }
        isProcessing = true
        defer { isProcessing = false }
        while case .reading = state, pendingOutput < Self.outputHighWater {
            switch parser.next() {
            case .needMore:
                switch parser.state {
                case .head:
                    bodyStartedAt = nil
                    if headStartedAt == nil { headStartedAt = MonotonicClock.milliseconds() }
                case .idle:
                    headStartedAt = nil
                    bodyStartedAt = nil
                    if draining && pendingOutput == 0 { startClosing() }
                case .body:
                    headStartedAt = nil
                    chargeGrowingBody()
                }
                return
            case .head(let head):
                headStartedAt = nil
                screen(head)
            case .continueExpected:
                output.append(contentsOf: Self.continueResponse)
            case .error(let error):
                headStartedAt = nil
                bodyStartedAt = nil
                sendError(status: error.status, detail: error.reason)
            case .request(let request):
                headStartedAt = nil
                bodyStartedAt = nil
                dispatch(request)
            }
        }
    }

    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private func match(_ request: Request) -> Router.RouteMatch {
        // One spelling per resource: `/v1/customers/1/` and `/v1//customers/1` name nothing.
        guard request.hasCanonicalPath else { return .miss(.notFound) }
        return core.router.match(request.method, segments: request.pathSegments)
    }

    /// The client's `X-Request-Id` when it is sane, else a fresh one.
    private func requestID(for request: Request) -> String {
        let supplied = request.headers["X-Request-Id"]
        return supplied.flatMap { RequestIDGenerator.isAcceptable($0) ? $0 : nil } ?? loop.requestIDs.next()
    }

    /// Starts the exchange for `request` (its serial, id, route and log entry) and moves to
    /// `handling`.
    private func beginExchange(
        _ request: Request, requestID: String, match: Router.RouteMatch, keepAlive: Bool
    ) -> RequestContext {
        serial &+= 1
        let startedAt = MonotonicClock.nanoseconds()
        var route: String?
        var parameters: [String: String] = [:]
        if case .found(let template, let found, _) = match {
            route = template
            parameters = found
        }
        exchange = Exchange(
            serial: serial, method: request.method, version: request.version,
            keepAlive: keepAlive, requestID: requestID, route: route, startedAt: startedAt)
        state = .handling
        return RequestContext(requestID: requestID, route: route, parameters: parameters, receivedAt: startedAt)
    }

    private func dispatch(_ request: Request) {
        let servedWhileDraining = drainAfterCurrent
        drainAfterCurrent = false
        let refused = draining && !servedWhileDraining
        let match: Router.RouteMatch = refused ? .miss(.notFound) : match(request)
        let context = beginExchange(
            request, requestID: requestID(for: request), match: match, keepAlive: request.keepAlive && !draining)
        if refused {
            // A request that arrived after shutdown began: refuse it, and close.
            complete(core.errorResponse(503, "the server is shutting down", context.requestID), serial: serial)
            return
        }
        let responder = makeResponder(serial: serial)
        switch match {
        case .found(_, _, let endpoint):
            endpoint.handler(request, context, responder)
        case .miss(let miss):
            core.router.fallback(request, context, miss, responder)
        }
    }

    /// A refused request's body up to this size is skipped (consumed, never held) so that the
    /// connection stays open, as for any well-framed request; a larger or chunked one, or one
    /// whose client waits for `100 Continue`, is not read at all: the connection closes.
    private static let skippableBody = 64 << 10

    /// Decides from the head of a request with a body whether to read the body. A route miss,
    /// the route's screen (authentication, role) or a full ``BodyBudget`` answers at once,
    /// before any of the body is read or held; otherwise the body timeout starts and the body
    /// is read.
    private func screen(_ head: Request) {
        let shuttingDown = draining && !drainAfterCurrent
        let match: Router.RouteMatch = shuttingDown ? .miss(.notFound) : match(head)
        let requestID = requestID(for: head)
        var refusal: Response?
        if case .found(let template, let parameters, let endpoint) = match, !shuttingDown {
            if let screen = endpoint.screen {
                refusal = screen(head, RequestContext(requestID: requestID, route: template, parameters: parameters))
            }
            if refusal == nil, let length = parser.remainingFixedBody, !charge(length) {
                refusal = bodyBudgetRefusal(requestID)
            }
            if refusal == nil {
                bodyStartedAt = MonotonicClock.milliseconds()
                return
            }
        }
        drainAfterCurrent = false
        var keepAlive = false
        if head.keepAlive && !draining && !parser.expectsContinue, let length = parser.remainingFixedBody,
            length <= Self.skippableBody
        {
            parser.skipBody()
            bodyStartedAt = MonotonicClock.milliseconds()
            keepAlive = true
        }
        let context = beginExchange(head, requestID: requestID, match: match, keepAlive: keepAlive)
        if shuttingDown {
            complete(core.errorResponse(503, "the server is shutting down", requestID), serial: serial)
        } else if let refusal {
            complete(refusal, serial: serial)
        } else if case .miss(let miss) = match {
            core.router.fallback(head, context, miss, makeResponder(serial: serial))
        }
    }

    /// Charges `bytes` more of the current body to the server's budget.
    private func charge(_ bytes: Int) -> Bool {
        guard core.bodyBudget.reserve(bytes) else { return false }
        bodyCharge += bytes
        return true
    }

    /// Keeps the charge of a chunked body ahead of what the parser holds, 64 KiB at a time;
    /// when the budget is spent the request is refused with `503` and the connection closed.
    private func chargeGrowingBody() {
        let held = parser.bodyByteCount
        guard held > bodyCharge else { return }
        if !charge(max(held - bodyCharge, 64 << 10)) {
            let requestID = loop.requestIDs.next()
            bodyStartedAt = nil
            _ = beginExchange(
                Request(method: .post, target: "/"), requestID: requestID, match: .miss(.notFound), keepAlive: false)
            complete(bodyBudgetRefusal(requestID), serial: serial)
        }
    }

    private func bodyBudgetRefusal(_ requestID: String) -> Response {
        var response = core.errorResponse(503, "the server holds too many request bodies at once; retry", requestID)
        response.headers.append(("Retry-After", "1"))
        return response
    }

    /// Returns this connection's charge to the body budget (the exchange ended or the
    /// connection closed).
    private func releaseBodyCharge() {
        core.bodyBudget.release(bodyCharge)
        bodyCharge = 0
    }

    private func makeResponder(serial: UInt64) -> Responder {
        let bound = LoopBound(value: self)
        let loop = self.loop
        return Responder { response in
            if loop.inEventLoop {
                bound.value.complete(response, serial: serial)
            } else {
                loop.execute { bound.value.complete(response, serial: serial) }
            }
        }
    }

    // MARK: Responding

    /// Encodes the handler's response; a second answer to the same request, or one arriving after
    /// the connection closed, is dropped.
    private func complete(_ response: Response, serial: UInt64) {
        guard case .handling = state, let exchange, exchange.serial == serial else { return }
        let keepAlive = exchange.keepAlive && !draining
        let connectionHeader: ResponseEncoder.ConnectionHeader? =
            !keepAlive ? .close : (exchange.version == .http10 ? .keepAlive : nil)
        let date = loop.dateCache.current()
        switch response.body {
        case .bytes(let body):
            ResponseEncoder.appendHead(
                status: response.status, headers: response.headers, requestID: exchange.requestID, date: date,
                framing: .length(body.count), connection: connectionHeader, into: &output)
            if exchange.method != .head && response.status >= 200 && response.status != 204 && response.status != 304 {
                output.append(contentsOf: body)
            }
            finishExchange(status: response.status, keepAlive: keepAlive)
        case .stream(let stream):
            if exchange.method == .head {
                ResponseEncoder.appendHead(
                    status: response.status, headers: response.headers, requestID: exchange.requestID, date: date,
                    framing: .chunked, connection: connectionHeader, into: &output)
                finishExchange(status: response.status, keepAlive: keepAlive)
            } else {
                // HTTP/1.0 knows no chunked coding: the body ends when the connection closes.
                let chunked = exchange.version != .http10
                ResponseEncoder.appendHead(
                    status: response.status, headers: response.headers, requestID: exchange.requestID, date: date,
                    framing: chunked ? .chunked : .untilClose, connection: chunked ? connectionHeader : .close,
                    into: &output)
                startStreaming(stream, chunked: chunked, status: response.status, keepAlive: keepAlive && chunked)
            }
        }
        if !isProcessing, case .reading = state { process() }
        flush()
    }

    private func startStreaming(_ stream: StreamingBody, chunked: Bool, status: Int, keepAlive: Bool) {
        state = .streaming
        let bound = LoopBound(value: self)
        let loop = self.loop
        let serial = self.serial
        let writer = BodyWriter { bytes in
            loop.execute { bound.value.appendStreamed(bytes, chunked: chunked, serial: serial) }
        }
        bodyWriter = writer
        DispatchQueue.global().async {
            let failed: Bool
            do {
                try stream.produce(writer)
                failed = false
            } catch {
                failed = true
            }
            loop.execute { bound.value.endStream(chunked: chunked, failed: failed, status: status, keepAlive: keepAlive, serial: serial) }
        }
    }

    private func appendStreamed(_ bytes: [UInt8], chunked: Bool, serial: UInt64) {
        guard case .streaming = state, exchange?.serial == serial else { return }
        if chunked { ResponseEncoder.appendChunk(bytes, into: &output) } else { output.append(contentsOf: bytes) }
        flush()
    }

    private func endStream(chunked: Bool, failed: Bool, status: Int, keepAlive: Bool, serial: UInt64) {
        guard case .streaming = state, exchange?.serial == serial else { return }
        bodyWriter = nil
        if failed {
            // The status line is gone already; an unterminated body tells the client it is incomplete.
            logExchange(status: status)
            exchange = nil
            close()
            return
        }
        if chunked { output.append(contentsOf: ResponseEncoder.lastChunk) }
        finishExchange(status: status, keepAlive: keepAlive)
        if case .reading = state { process() }
        flush()
    }

    private func finishExchange(status: Int, keepAlive: Bool) {
        releaseBodyCharge()
        logExchange(status: status)
        exchange = nil
        if keepAlive {
            state = .reading
            lastActivity = MonotonicClock.milliseconds()
        } else {
            state = .closing
        }
    }

    private func logExchange(status: Int) {
        guard let exchange else { return }
        let seconds = Double(MonotonicClock.nanoseconds() &- exchange.startedAt) / 1e9
        core.configuration.metrics.recordRequest(route: exchange.route ?? "unmatched", status: status, seconds: seconds)
        if core.configuration.accessLog {
            AccessLog.append(
                requestID: exchange.requestID, method: exchange.method, route: exchange.route, status: status,
                seconds: seconds, into: &loop.logBuffer, clock: &loop.logClock)
        }
    }

    /// Queues an error response for a request the parser or a timer rejected, then closes.
    private func sendError(status: Int, detail: String) {
        let requestID = loop.requestIDs.next()
        let response = core.errorResponse(status, detail, requestID)
        guard case .bytes(let body) = response.body else { return }
        ResponseEncoder.appendHead(
            status: status, headers: response.headers, requestID: requestID, date: loop.dateCache.current(),
            framing: .length(body.count), connection: .close, into: &output)
        output.append(contentsOf: body)
        let seconds = 0.0
        core.configuration.metrics.recordRequest(route: "unmatched", status: status, seconds: seconds)
        if core.configuration.accessLog {
            AccessLog.append(
                requestID: requestID, method: nil, route: nil, status: status, seconds: seconds, into: &loop.logBuffer,
                clock: &loop.logClock)
        }
        state = .closing
    }

    // MARK: Writing and closing

    private func flush() {
        while pendingOutput > 0 {
            let result = output.withUnsafeBytes { bytes in
                socket.write(UnsafeRawBufferPointer(rebasing: bytes[outputStart...]))
            }
            switch result {
            case .bytes(let count):
                outputStart += count
                lastActivity = MonotonicClock.milliseconds()
            case .wouldBlock:
                updateInterest()
                return
            case .closed:
                close()
                return
            }
        }
        if outputStart > 0 {
            // Keep a moderate buffer for the next response; drop one that a big export inflated.
            if output.capacity > 4 << 20 { output = [] } else { output.removeAll(keepingCapacity: true) }
            outputStart = 0
        }
        bodyWriter?.didDrain()
        if case .closing = state { startClosing() }
        updateInterest()
    }

    /// Graceful close (RFC 9112 §9.6): shut our write side, then read and discard until the peer
    /// closes or two seconds pass, so unread request bytes do not turn into a reset that could
    /// destroy the response before the client reads it.
    private func startClosing() {
        guard pendingOutput == 0 else {
            state = .closing
            return
        }
        switch state {
        case .lingering, .closed: return
        default: break
        }
        _ = Glibc.shutdown(socket.descriptor, Int32(SHUT_WR))
        state = .lingering(since: MonotonicClock.milliseconds())
        updateInterest()
    }

    private func discardInput() {
        switch socket.read(into: loop.readBuffer) {
        case .bytes, .wouldBlock: break
        case .closed: close()
        }
    }

    private func updateInterest() {
        var wanted: UInt32 = 0
        switch state {
        case .reading where pendingOutput < Self.outputHighWater, .lingering:
            wanted |= EPOLLIN.rawValue
        default:
            break
        }
        if pendingOutput > 0 { wanted |= EPOLLOUT.rawValue }
        if wanted != registeredEvents {
            registeredEvents = wanted
            loop.modify(socket.descriptor, events: wanted)
        }
    }

    func close() {
        if case .closed = state { return }
        state = .closed
        releaseBodyCharge()
        bodyWriter?.connectionClosed()
        bodyWriter = nil
        loop.deregister(socket.descriptor)
        socket.close()
        core.configuration.metrics.connectionClosed()
    }
}
