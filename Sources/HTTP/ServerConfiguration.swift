/// How the HTTP server listens and the limits it enforces (DESIGN.md, "Command line and configuration").
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port; ``Server/port`` tells which.
    public var port: Int
    /// Event loops (threads), about one per core.
    public var eventLoops: Int
    public var limits: ParserLimits
    /// From a request head's first byte to its end; then `408` and close.
    public var headerTimeout: Duration
    /// From the end of a request head to the end of its body; then `408` and close.
    public var bodyTimeout: Duration
    /// What all request bodies in flight may hold together (body budget (a ``Quota``)); past it `503`.
    public var maxBodyMemory: Int
    /// Wait for the next request on a keep-alive connection (and for a body making no progress); then close.
    public var idleTimeout: Duration
    /// Longest graceful drain after ``Server/shutdown()``.
    public var shutdownTimeout: Duration
    /// One JSON line per request on stderr.
    public var accessLog: Bool
    public var metrics: ServerMetrics
    /// Runs once on each event loop's thread before it serves anything (e.g. to give the
    /// thread a database connection of its own, so short reads on the loop never wait).
    public var loopThreadStarted: @Sendable () -> Void

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        eventLoops: Int = 1,
        limits: ParserLimits = ParserLimits(),
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30),
        maxBodyMemory: Int = 64 << 20,
        idleTimeout: Duration = .seconds(60),
        shutdownTimeout: Duration = .seconds(10),
        accessLog: Bool = true,
        metrics: ServerMetrics = ServerMetrics(),
        loopThreadStarted: @escaping @Sendable () -> Void = {}
    ) {
        self.loopThreadStarted = loopThreadStarted
        self.host = host
        self.port = port
        self.eventLoops = max(1, eventLoops)
        self.limits = limits
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.maxBodyMemory = maxBodyMemory
        self.idleTimeout = idleTimeout
        self.shutdownTimeout = shutdownTimeout
        self.accessLog = accessLog
        self.metrics = metrics
    }
}
