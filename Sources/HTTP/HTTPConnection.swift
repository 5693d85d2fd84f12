import CLinux
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One client connection, confined to the event loop that accepted it: the hands of a
/// ``ConnectionStateMachine``, which decides everything the protocol says (see the states and
/// transitions there). This class reports socket events, responses, stream pieces and timer
/// sweeps to the machine and carries out the actions it returns: reading and writing the
/// socket, epoll interest, routing, screens and handlers, the body budget, the access log and
/// metrics, closing. The socket is closed in exactly one place, ``close(releasing:)``.
final class HTTPConnection: EventSource {
    /// What the log line and `X-Request-Id` of the exchange being answered need: what the router
    /// and the request said when it began.
    private struct ExchangeRecord {
        let requestID: String
        let route: String?
        let method: HTTPMethod
        let startedAt: UInt64
    }

    private let socket: Socket
    private let loop: EventLoop
    private let core: ServerCore

    // `@exclusivity(unchecked)`: the state below is touched only on the loop's thread, and every
    // access is a single call or assignment that ends before anything can re-enter (the nested
    // run of a handler that answers at once starts after the outer run's accesses ended; with
    // checking on, the whole test suite runs without a conflict). A checked access costs about
    // eighty instructions at run time, and a request made some fifteen of them here.
    @exclusivity(unchecked) private var machine: ConnectionStateMachine
    @exclusivity(unchecked) private var output: [UInt8] = []
    @exclusivity(unchecked) private var outputStart = 0
    @exclusivity(unchecked) private var registeredEvents: UInt32 = 0
    /// The last write would have blocked: the next one waits for `EPOLLOUT`.
    @exclusivity(unchecked) private var writeBlocked = false
    /// Output waits for the end of the loop's iteration (``EventLoop/deferWrite(_:)``).
    @exclusivity(unchecked) private var writeIsDeferred = false
    /// Set while ``run(_:now:)`` carries out actions. A handler that answers at once re-enters it
    /// from inside `.dispatch`; that inner run writes the answer and leaves reading on (and the
    /// epoll interest) to the outer one, so pipelined requests take one stack frame however many
    /// there are.
    @exclusivity(unchecked) private var running = false
    @exclusivity(unchecked) private var exchange: ExchangeRecord?
    private var bodyWriter: BodyWriter?

    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    init(socket: Socket, loop: EventLoop, core: ServerCore) {
        self.socket = socket
        self.loop = loop
        self.core = core
        let configuration = core.configuration
        machine = ConnectionStateMachine(
            limits: configuration.limits,
            timeouts: .init(
                header: configuration.headerTimeout, body: configuration.bodyTimeout, idle: configuration.idleTimeout),
            now: MonotonicClock.milliseconds())
    }

    func start() throws {
        registeredEvents = EPOLLIN.rawValue
        try loop.register(socket.descriptor, events: registeredEvents, source: self)
        core.configuration.metrics.connectionOpened()
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        let now = MonotonicClock.milliseconds()
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            run(machine.connectionLost(), now: now)
            return
        }
        if events & EPOLLOUT.rawValue != 0 { writeBlocked = false }
        run(events & EPOLLIN.rawValue != 0 ? machine.readable() : .wait, now: now)
    }

    func writeDeferred() {
        writeIsDeferred = false
        run(.wait, now: MonotonicClock.milliseconds())
    }

    func checkTimeouts(now: Int64) {
        // Every connection hears every sweep: one that has nothing to do returns at once.
        let action = machine.timerFired(now: now, unsent: pendingOutput)
        if case .wait = action { return }
        run(action, now: now)
    }

    func beginDraining() {
        run(machine.shutdownBegan(), now: MonotonicClock.milliseconds())
    }

    func finishDraining() {
        run(machine.drainCompleted(unsent: pendingOutput), now: MonotonicClock.milliseconds())
    }

    var hasRequestInFlight: Bool { machine.hasRequestInFlight(unsent: pendingOutput) }

    // MARK: Carrying out actions

    private var pendingOutput: Int { output.count - outputStart }

    /// Carries out `first` and what follows from it until the machine says to wait and nothing
    /// buffered can be parsed; then writes what is queued and sets the epoll interest.
    ///
    /// Every request passes through here several times, so: actions are consumed, never copied;
    /// once there is nothing to do, the machine's state and the unsent count are read once each
    /// (every access to `machine` or `output` is checked for exclusivity at run time); and a run
    /// nested in another (a handler that answers at once re-enters from inside `.dispatch`)
    /// leaves the epoll interest to the outer run, which always ends by setting it or closing.
    private func run(_ first: consuming ConnectionStateMachine.Action, now: Int64) {
        let outermost = !running
        running = true
        defer { if outermost { running = false } }
        var action = first
        while true {
            // Consumed, so that each payload moves out of the action instead of being copied.
            switch consume action {
            case .wait:
                if outermost {
                    action = machine.parseNext(unsent: pendingOutput, now: now)
                    if !action.isWait { continue }
                }
                let unsent = pendingOutput
                let state = machine.state
                if state.isClosed { return }
                if unsent > 0 ? !writeBlocked : state.isClosing {
                    guard unsent > 0, loop.defersWrites, !state.isClosing else {
                        action = flush(now: now)
                        continue
                    }
                    if !writeIsDeferred {
                        writeIsDeferred = true
                        loop.deferWrite(self)
                    }
                }
                // Output waiting for the iteration's end needs no EPOLLOUT: it is written then.
                if outermost {
                    updateInterest(wantsInput: state.wantsInput(unsent: unsent), unsent: writeIsDeferred ? 0 : unsent)
                }
                return
            case .read:
                action = read(now: now)
            case .discardInput:
                switch socket.read(into: loop.readBuffer) {
                case .bytes, .wouldBlock: action = .wait
                case .closed: action = machine.peerClosed(unsent: pendingOutput, now: now)
                }
            case .screen(let head, let bodyLength):
                let verdict = screen(head, bodyLength: bodyLength)
                action = machine.headScreened(verdict, unsent: pendingOutput, now: now)
            case .sendContinue:
                output.append(contentsOf: Self.continueResponse)
                action = .wait
            case .dispatch(let request, let serial):
                dispatch(request, serial: serial)
                action = .wait
            case .refuseShuttingDown(let request, let serial):
                let requestID = requestID(for: request)
                begin(request.method, requestID: requestID, route: nil)
                complete(core.errorResponse(503, "the server is shutting down", requestID), serial: serial)
                action = .wait
            case .answerRefusedHead(let head, let refusal, let serial):
                answer(head, refusal, serial: serial)
                action = .wait
            case .chargeBody(let bytes):
                action = machine.bodyCharged(bytes, granted: core.bodyBudget.reserve(bytes))
            case .refuseBodyOverBudget(let serial, let supplied):
                let requestID = requestID(supplied: supplied)
                begin(.post, requestID: requestID, route: nil)
                complete(bodyBudgetRefusal(requestID), serial: serial)
                action = .wait
            case .sendError(let status, let detail, let requestID):
                sendError(status: status, detail: detail, requestID: requestID)
                action = .wait
            case .writeResponse(let response, let head, let releasing):
                append(response, head)
                core.bodyBudget.release(releasing)
                logExchange(status: response.status)
                action = .wait
            case .startStream(let response, let head, let body, let serial):
                append(response, head)
                startProducer(body, serial: serial)
                action = .wait
            case .writeBodyPiece(let bytes, let chunked):
                if chunked { ResponseEncoder.appendChunk(bytes, into: &output) } else { output.append(contentsOf: bytes) }
                action = .wait
            case .endStream(let chunked, let status, let releasing):
                bodyWriter = nil
                if chunked { output.append(contentsOf: ResponseEncoder.lastChunk) }
                core.bodyBudget.release(releasing)
                logExchange(status: status)
                action = .wait
            case .resumeProducer:
                bodyWriter?.didDrain()
                action = .wait
            case .shutdownWrite:
                _ = Glibc.shutdown(socket.descriptor, Int32(SHUT_WR))
                action = .wait
            case .close(let releasing, let failedStatus):
                if let failedStatus { logExchange(status: failedStatus) }
                close(releasing: releasing)
                return
            }
        }
    }

    private func read(now: Int64) -> ConnectionStateMachine.Action {
        // One read per readiness event keeps the loop fair; level-triggered epoll reports the rest.
        switch socket.read(into: loop.readBuffer) {
        case .bytes(let count):
            return machine.bytesReceived(
                UnsafeRawBufferPointer(rebasing: loop.readBuffer[0..<count]), unsent: pendingOutput, now: now)
        case .wouldBlock:
            return .wait
        case .closed:
            return machine.peerClosed(unsent: pendingOutput, now: now)
        }
    }

    /// Writes queued output until it is all gone or the socket would block.
    private func flush(now: Int64) -> ConnectionStateMachine.Action {
        let end = output.count
        let first = outputStart
        var start = first
        writing: while start < end {
            let result = output.withUnsafeBytes { bytes in
                socket.write(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            }
            switch result {
            case .bytes(let count):
                start += count
            case .wouldBlock:
                writeBlocked = true
                break writing
            case .closed:
                outputStart = start
                return machine.connectionLost()
            }
        }
        if start == end && start > 0 {
            // Keep a moderate buffer for the next response; drop one that a big export inflated.
            if output.capacity > 4 << 20 { output = [] } else { output.removeAll(keepingCapacity: true) }
            outputStart = 0
        } else {
            outputStart = start
        }
        return machine.outputFlushed(written: start - first, unsent: end - start, now: now)
    }

    private func updateInterest(wantsInput: Bool, unsent: Int) {
        var wanted: UInt32 = wantsInput ? EPOLLIN.rawValue : 0
        if unsent > 0 { wanted |= EPOLLOUT.rawValue }
        if wanted != registeredEvents {
            registeredEvents = wanted
            loop.modify(socket.descriptor, events: wanted)
        }
    }

    private func close(releasing: Int) {
        core.bodyBudget.release(releasing)
        bodyWriter?.connectionClosed()
        bodyWriter = nil
        exchange = nil
        output = []
        outputStart = 0
        loop.deregister(socket.descriptor)
        socket.close()
        core.configuration.metrics.connectionClosed()
    }

    // MARK: Routing and answering

    private func match(_ request: Request) -> Router.RouteMatch {
        // One spelling per resource: `/v1/customers/1/` and `/v1//customers/1` name nothing.
        core.router.match(request.method, target: request.target)
    }

    /// The client's `X-Request-Id` when it is sane, else a fresh one.
    private func requestID(for request: Request) -> String {
        let supplied = request.headers["X-Request-Id"]
        return supplied.flatMap { RequestIDGenerator.isAcceptable($0) ? $0 : nil } ?? loop.requestIDs.next()
    }

    /// The request id of an answer given before any handler: the client's own when it sent an
    /// acceptable one with a head the machine kept, else a new one. Apart from
    /// ``requestID(for:)``, which every request takes, so that path stays as it was.
    @inline(never)
    private func requestID(supplied: String?) -> String {
        supplied.flatMap { RequestIDGenerator.isAcceptable($0) ? $0 : nil } ?? loop.requestIDs.next()
    }

    /// Records the exchange the machine just began, for its response and log line; returns when it began.
    @discardableResult
    private func begin(_ method: HTTPMethod, requestID: String, route: String?) -> UInt64 {
        let startedAt = MonotonicClock.nanoseconds()
        exchange = ExchangeRecord(requestID: requestID, route: route, method: method, startedAt: startedAt)
        return startedAt
    }

    private func dispatch(_ request: Request, serial: UInt64) {
        let requestID = requestID(for: request)
        let responder = makeResponder(serial: serial)
        switch match(request) {
        case .found(let template, let parameters, let endpoint):
            let startedAt = begin(request.method, requestID: requestID, route: template)
            let context = RequestContext(requestID: requestID, route: template, parameters: parameters, receivedAt: startedAt)
            endpoint.handler(request, context, responder)
        case .miss(let miss):
            let startedAt = begin(request.method, requestID: requestID, route: nil)
            let context = RequestContext(requestID: requestID, route: nil, receivedAt: startedAt)
            core.router.fallback(request, context, miss, responder)
        }
    }

    /// Decides from the head of a request with a body whether to read the body. A route miss,
    /// the route's screen (authentication, role) or a full body budget (a ``Quota``) refuses it, before any
    /// of the body is read or held.
    private func screen(_ head: Request, bodyLength: Int?) -> ConnectionStateMachine.HeadVerdict {
        let requestID = requestID(for: head)
        switch match(head) {
        case .found(let template, let parameters, let endpoint):
            // No route of these methods takes a body: one sent is refused at once and skipped, never
            // held in the body budget (anyone could otherwise fill it through `GET /healthz`).
            if Self.methodsWithoutBody.contains(head.method), bodyLength != 0 {
                let refusal = core.errorResponse(400, "\(head.method.name) takes no request body", requestID)
                return .refused(HeadRefusal(requestID: requestID, route: template, answer: .response(refusal)))
            }
            let context = RequestContext(requestID: requestID, route: template, parameters: parameters)
            if let refusal = endpoint.screen?(head, context) {
                return .refused(HeadRefusal(requestID: requestID, route: template, answer: .response(refusal)))
            }
            if let length = bodyLength, !core.bodyBudget.reserve(length) {
                let refusal = bodyBudgetRefusal(requestID)
                return .refused(HeadRefusal(requestID: requestID, route: template, answer: .response(refusal), skipsBody: false))
            }
            return .accepted(charged: bodyLength ?? 0)
        case .miss(let miss):
            return .refused(HeadRefusal(requestID: requestID, route: nil, answer: .routeMiss(miss)))
        }
    }

    /// The methods whose routes read no body.
    static let methodsWithoutBody: [HTTPMethod] = [.get, .head, .delete]

    private func answer(_ head: Request, _ refusal: HeadRefusal, serial: UInt64) {
        let startedAt = begin(head.method, requestID: refusal.requestID, route: refusal.route)
        switch refusal.answer {
        case .response(let response):
            complete(response, serial: serial)
        case .routeMiss(let miss):
            let context = RequestContext(requestID: refusal.requestID, route: nil, receivedAt: startedAt)
            core.router.fallback(head, context, miss, makeResponder(serial: serial))
        }
    }

    private func bodyBudgetRefusal(_ requestID: String) -> Response {
        var response = core.errorResponse(503, "the server holds too many request bodies at once; retry", requestID)
        // Once: a 503 may come with its Retry-After already (RFC 9110 allows one).
        if !response.headers.contains(where: { $0.name.lowercased() == "retry-after" }) { response.headers.append(("Retry-After", "1")) }
        return response
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

    private func complete(_ response: consuming Response, serial: UInt64) {
        let now = MonotonicClock.milliseconds()
        run(machine.responseReady(consume response, serial: serial, now: now), now: now)
    }

    // MARK: Encoding, streaming, logging

    /// Queues `response`'s head, and its body when it has one of bytes that `head` says to send.
    private func append(_ response: Response, _ head: ConnectionStateMachine.ResponseHead) {
        Self.encode(response, head, requestID: exchange?.requestID ?? "", date: loop.dateCache.current(), into: &output)
    }

    /// One access to `output` for the head and the body.
    private static func encode(
        _ response: Response, _ head: ConnectionStateMachine.ResponseHead, requestID: String, date: [UInt8],
        into output: inout [UInt8]
    ) {
        ResponseEncoder.appendHead(
            status: response.status, headers: response.headers, requestID: requestID, date: date, framing: head.framing,
            connection: head.connection, into: &output)
        if head.includesBody, case .bytes(let body) = response.body { output.append(contentsOf: body) }
    }

    private func startProducer(_ stream: StreamingBody, serial: UInt64) {
        let bound = LoopBound(value: self)
        let loop = self.loop
        let writer = BodyWriter { bytes in
            loop.execute { bound.value.streamed(bytes, serial: serial) }
        }
        bodyWriter = writer
        // A thread of its own, not a Dispatch queue: a producer blocks (by design) while its
        // client reads slowly, and Dispatch runs only about a core's worth of blocked work at
        // once, so a few slow clients would hold every other stream back. The application caps
        // how many streams run at once.
        let thread = Thread {
            // Below the event loops (nice 10; on Linux a nice value belongs to the thread): many
            // producers rendering at once must not delay the short requests the loops serve.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            let failed: Bool
            do {
                try stream.produce(writer)
                failed = false
            } catch {
                failed = true
            }
            loop.execute { bound.value.streamEnded(serial: serial, failed: failed) }
        }
        thread.name = "stream"
        thread.stackSize = 512 << 10
        thread.start()
    }

    private func streamed(_ bytes: [UInt8], serial: UInt64) {
        run(machine.streamChunk(bytes, serial: serial), now: MonotonicClock.milliseconds())
    }

    private func streamEnded(serial: UInt64, failed: Bool) {
        let now = MonotonicClock.milliseconds()
        run(machine.streamEnded(serial: serial, failed: failed, now: now), now: now)
    }

    private func logExchange(status: Int) {
        guard let exchange else { return }
        self.exchange = nil
        let seconds = Double(MonotonicClock.nanoseconds() &- exchange.startedAt) / 1e9
        core.configuration.metrics.recordRequest(route: exchange.route ?? "unmatched", status: status, seconds: seconds)
        if core.configuration.accessLog {
            AccessLog.append(
                requestID: exchange.requestID, method: exchange.method, route: exchange.route, status: status,
                seconds: seconds, into: &loop.logBuffer, clock: &loop.logClock)
        }
    }

    /// Queues the error response for a request the parser or a timer refused.
    private func sendError(status: Int, detail: String, requestID supplied: String?) {
        let requestID = requestID(supplied: supplied)
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
    }
}
