import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP/1.1 server: binds, runs the event loops, and shuts down gracefully.
///
///     let server = try Server(configuration: .init(port: 0), router: router)
///     try server.start()
///     print(server.port)
///     server.shutdown()   // SIGTERM: stop accepting, finish in-flight requests, return
///
/// It knows nothing of the CRM: routes are handed in as a ``Router``.
public final class Server: Sendable {
    /// Renders the body of an error the server itself produces (parse errors, 408, 503).
    public typealias ErrorRenderer = @Sendable (_ status: Int, _ detail: String, _ requestID: String) -> Response

    private let core: ServerCore
    private let listener: Socket
    private let loops: [EventLoop]
    private let phase = Mutex(Phase.created)
    /// The port actually bound (differs from the configuration's when that asked for 0).
    public let port: Int

    private enum Phase {
        case created, running, stopping, stopped
    }

    public init(configuration: ServerConfiguration, router: Router, errorRenderer: ErrorRenderer? = nil) throws {
        let renderer = errorRenderer ?? Self.plainProblem
        core = ServerCore(configuration: configuration, router: router, errorRenderer: renderer)
        listener = try Socket.listen(host: configuration.host, port: configuration.port)
        port = try listener.localPort()
        let smallest = min(configuration.headerTimeout, configuration.bodyTimeout, configuration.idleTimeout).wholeMilliseconds
        // Timeouts are checked on a sweep; a quarter of the shortest keeps them within 25 %.
        let sweep = max(5, min(250, smallest / 4))
        loops = try (0..<configuration.eventLoops).map {
            try EventLoop(index: $0, sweepIntervalMilliseconds: sweep, logToStandardError: configuration.accessLog)
        }
    }

    public var metrics: ServerMetrics { core.configuration.metrics }

    /// Starts accepting on every loop.
    public func start() {
        phase.withLock { phase in
            guard case .created = phase else { return }
            phase = .running
            for loop in loops {
                loop.start(threadStarted: core.configuration.loopThreadStarted)
                let bound = LoopBound(value: Listener(socket: listener, loop: loop, core: core))
                loop.execute {
                    do {
                        try bound.value.start()
                    } catch {
                        AccessLog.event("error", "listener registration failed", fields: [("error", "\(error)")])
                    }
                }
            }
        }
    }

    /// Graceful shutdown (DESIGN.md): stop accepting, answer `503` + close to new requests, finish
    /// in-flight ones, and return once every connection is closed or `shutdownTimeout` passed.
    ///
    /// Idle keep-alive connections stay open while any loop still has a request in flight, so
    /// that a request a client sends on one meanwhile is answered `503` rather than dropped; they
    /// close as soon as no request is in flight anywhere, and do not hold the server up.
    public func shutdown() {
        let proceed = phase.withLock { phase -> Bool in
            guard case .running = phase else { return false }
            phase = .stopping
            return true
        }
        guard proceed else { return }
        for loop in loops { loop.beginDraining() }
        let deadline = DispatchTime.now() + .milliseconds(Int(core.configuration.shutdownTimeout.wholeMilliseconds))
        // Polled: shutdown happens once, and a few milliseconds of latency cost nothing there.
        while !loops.allSatisfy(\.isQuiet) && DispatchTime.now() < deadline {
            usleep(2000)
        }
        for loop in loops { loop.finishDraining() }
        for loop in loops where loop.stopped.wait(timeout: deadline) == .timedOut {
            loop.stop()
            _ = loop.stopped.wait(timeout: .now() + .seconds(1))
        }
        listener.close()
        phase.withLock { $0 = .stopped }
    }

    /// Open client connections across all loops.
    public var openConnections: Int { core.configuration.metrics.openConnections }

    /// The default renderer: an RFC 9457 problem with the status and detail.
    public static let plainProblem: ErrorRenderer = { status, detail, requestID in
        let body =
            "{\"type\":\"about:blank\",\"title\":\"\(ReasonPhrase.of(status))\",\"status\":\(status),"
            + "\"detail\":\"\(AccessLog.jsonEscaped(detail))\",\"request_id\":\"\(requestID)\"}"
        return Response(status: status, headers: [("Content-Type", "application/problem+json")], body: Array(body.utf8))
    }
}
