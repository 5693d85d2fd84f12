import CLinux
import CRM
import Crypto
import Foundation
import HTTP
import Synchronization

/// The whole server built from one ``Configuration``: database, routes, HTTP listeners.
/// `main.swift` and the end-to-end tests both build it here, so the tests run the real wiring.
///
///     let app = try Application(configuration: configuration)
///     app.start()
///     // … SIGTERM …
///     app.shutdown()
public final class Application: Sendable {
    public let configuration: Configuration
    public let database: Database
    public let clock: CRMClock
    /// The admin key created because the database held none; printed once by `serve`.
    public let bootstrapKey: IssuedAPIKey?
    private let server: Server
    private let metricsServer: Server?
    private let settings: CRMSettings
    private let customers: CustomerService
    private let scoringTimer = PeriodicTimer(label: "crm-scoring")
    private let dailyTimer = PeriodicTimer(label: "crm-daily-automations")
    private let memoryTimer = PeriodicTimer(label: "crm-memory-trim")
    private let automations: AutomationEngine
    /// The last UTC day the daily automations ran in this process (nil: not yet).
    private let lastDailyRun = Mutex<String?>(nil)
    private let workers: WorkerPool
    private let feedWaiters: ChangeFeedWaiters
    private let webhookDispatcher: WebhookDispatcher
    /// The SQLite database's lock against a second `serve` on it; nil on PostgreSQL, where many
    /// nodes share one database by design.
    private let servingLock: ServingLock?

    /// The port the API listens on (useful with port 0).
    public var port: Int { server.port }
    public var metricsPort: Int? { metricsServer?.port }

    public init(configuration: Configuration, clock: CRMClock = .system, accessLog: Bool = true) throws {
        self.configuration = configuration
        self.clock = clock
        // CRM_WRITER_MAX_BATCH=1 turns group commit off: a benchmark knob (bench/README.md) to
        // measure what group commit buys, not an operating setting.
        let batch = ProcessInfo.processInfo.environment["CRM_WRITER_MAX_BATCH"].flatMap(Int.init) ?? Database.defaultWriteBatch
        // On PostgreSQL a worker mostly waits for the network, so there are more of them (every
        // handler runs on one there), each with a connection, and the loops' and the listener's.
        let onPostgres = configuration.databaseEngine == .postgres
        let workerThreads = onPostgres ? max(16, configuration.workers * 8) : max(2, configuration.workers * 2)
        let database = try configuration.openDatabase(
            maximumReaders: onPostgres ? workerThreads + configuration.workers + 2 : max(4, configuration.workers * 2 + 2),
            maximumWriteBatch: batch)
        self.database = database
        var lock: ServingLock?
        do {
            lock = onPostgres ? nil : try ServingLock(databasePath: configuration.db)
            servingLock = lock
            let keys = APIKeyService()
            bootstrapKey = try database.writeAndWait { connection -> IssuedAPIKey? in
                try keys.count(connection) == 0 ? try keys.create(connection, name: "bootstrap admin", role: .admin, now: clock.now()) : nil
            }
            let cursorKey = try database.writeAndWait { try ServerSettings.cursorKey($0) }

            let metrics = ServerMetrics()
            metrics.addGauge("crm_db_writer_queue_depth", help: "Writes waiting for the database writer.") {
                Double(database.writeQueueDepth)
            }
            metrics.addGauge("crm_db_readers_open", help: "Read-only database connections open.") { Double(database.readersOpen) }
            metrics.addGauge("crm_db_readers_busy", help: "Read-only database connections in use.") { Double(database.readersBusy) }

            // Long work runs on a bounded pool of threads that each own a database reader; the
            // event loops own one each too, so no loop ever waits for a pooled connection.
            let workers = WorkerPool(threads: workerThreads, queueLimit: 256) { try? database.ownReader() }
            self.workers = workers
            metrics.addGauge("crm_worker_queue_depth", help: "Long requests waiting for a worker thread.") { Double(workers.waiting) }
            let feedWaiters = ChangeFeedWaiters(
                lastSeq: try database.read { try ChangeFeed.lastSeq($0) }, threadStarted: { try? database.ownReader() },
                read: { query in try database.read { try ChangeFeed.page($0, query) } })
            self.feedWaiters = feedWaiters
            guard let keyFile = configuration.resolvedSecretKeyFile else {
                throw StartError(
                    "on PostgreSQL every node must seal webhook secrets with the same key: name its file with --secret-key-file (CRM_SECRET_KEY_FILE); it is created if missing"
                )
            }
            // A new key would leave every existing webhook unable to sign: refuse to start instead
            // of making one silently when webhooks exist (restore the file from the backup).
            if !FileManager.default.fileExists(atPath: keyFile), try database.read({ try WebhookService.liveCount($0) }) > 0 {
                throw StartError(
                    "the server key file \(keyFile) is missing but the database has webhooks whose secrets it sealed; restore it from the backup taken with the database (or point --secret-key-file at it)"
                )
            }
            let webhooks = WebhookService(
                secretKey: try SecretKeyFile.loadOrCreate(path: keyFile),
                urlProblem: WebhookRoutes.urlProblem(allowPrivate: configuration.allowPrivateWebhooks))
            let dispatcher = WebhookDispatcher(
                database: database, service: webhooks,
                policy: WebhookRetryPolicy(
                    firstDelayMilliseconds: configuration.webhookBackoff.components.seconds * 1000
                        + configuration.webhookBackoff.components.attoseconds / 1_000_000_000_000_000),
                allowPrivate: configuration.allowPrivateWebhooks, trustedCAFile: configuration.webhookTrustedCAFile, clock: clock)
            webhookDispatcher = dispatcher
            database.observeChanges(since: { feedWaiters.isIdle ? nil : feedWaiters.committedSeq }) { last, recordTypes in
                feedWaiters.committed(through: last, recordTypes: recordTypes)
                // Only a commit that queued deliveries wakes the dispatcher (retries it finds itself).
                if WebhookOutbox.takeQueued() { dispatcher.wake() }
            }
            metrics.addGauge("crm_webhook_outbox_pending", help: "Webhook deliveries waiting to be sent (the outbox backlog).") {
                Double((try? database.read { try webhooks.deliveryCounts($0) })?["pending"] ?? 0)
            }
            metrics.addGauge("crm_webhook_deliveries_delivered_total", help: "Webhook delivery attempts answered 2xx.") {
                Double(dispatcher.outcomes.delivered)
            }
            metrics.addGauge("crm_webhook_deliveries_retried_total", help: "Webhook delivery attempts that failed and will be retried.") {
                Double(dispatcher.outcomes.retried)
            }
            metrics.addGauge("crm_webhook_deliveries_failed_total", help: "Webhook deliveries given up after 24 hours of failures.") {
                Double(dispatcher.outcomes.failed)
            }
            metrics.addGauge("crm_feed_waiters", help: "Long-polls of the change feed waiting for a change.") {
                Double(feedWaiters.count)
            }
            let endpoints = EndpointBuilder(
                authenticator: Authenticator(database: database),
                rateLimiter: configuration.rateLimit.map { RateLimiter(capacity: $0.requests, window: $0.window) },
                cors: CORSPolicy(allowedOrigins: Set(configuration.corsOrigins)),
                log: Logger(enabled: accessLog), workers: workers, offloadsInline: database.isShared,
                inlineReadBudget: configuration.inlineReadBudget)
            metrics.addGauge(
                "crm_inline_requests_moved_total",
                help:
                    "Requests an event loop began and handed to a worker, their reads past the loop's budget (a filter or sort no index serves)."
            ) { Double(endpoints.movedToWorkers.count) }
            var router = Router()
            OperationsRoutes.install(
                on: &router, endpoints: endpoints, database: database, metrics: metrics,
                serveMetrics: configuration.metricsAddress == nil)
            APIKeyRoutes.install(
                on: &router, endpoints: endpoints, database: database, cursors: CursorCodec(key: cursorKey), clock: clock)
            let cursors = CursorCodec(key: cursorKey)
            let customers = CustomerService(baseCurrency: configuration.baseCurrency)
            let settings = CRMSettings(
                baseCurrency: configuration.baseCurrency, atRiskDays: configuration.atRiskDays, churnDays: configuration.churnDays)
            self.settings = settings
            self.customers = customers
            let automations = AutomationEngine(settings: settings, customers: customers, clock: clock)
            try automations.install(on: database)
            self.automations = automations
            for status in AutomationRun.Status.allCases {
                metrics.addGauge("crm_automation_runs_\(status.rawValue)_total", help: "Automation runs recorded \(status.rawValue).") {
                    Double(automations.counts.count(status))
                }
            }
            CustomerRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: customers)
                .install(on: &router)
            CustomerTransferRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: customers)
                .install(on: &router)
            LoyaltyPointsRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock, customers: customers)
                .install(on: &router)
            SalesRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock, settings: settings, customers: customers)
                .install(on: &router)
            SupportRoutes(
                endpoints: endpoints, database: database, cursors: cursors, clock: clock, settings: settings, customers: customers
            )
            .install(on: &router)
            RecordRoutes(
                endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: TaskService.make(), path: "/v1/tasks",
                resource: .tasks, listFields: TaskSchema.listFields
            )
            .install(on: &router)
            ChangeFeedRoutes(endpoints: endpoints, database: database, waiters: feedWaiters).install(on: &router)
            AuditLogRoutes(endpoints: endpoints, database: database, cursors: cursors).install(on: &router)
            AnalyticsRoutes(
                endpoints: endpoints, database: database, cursors: cursors, clock: clock, baseCurrency: configuration.baseCurrency
            ).install(on: &router)
            SegmentRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock, customers: customers).install(
                on: &router)
            WebhookRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: webhooks).install(on: &router)
            CustomerMergeRoutes(endpoints: endpoints, database: database, clock: clock, settings: settings, customers: customers)
                .install(on: &router)
            CustomerErasureRoutes(endpoints: endpoints, database: database, clock: clock, settings: settings, customers: customers)
                .install(on: &router)
            AutomationRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock, engine: automations)
                .install(on: &router)
            FieldRoutes(endpoints: endpoints, database: database, cursors: cursors, clock: clock).install(on: &router)
            router.fallback = Fallback.make(endpoints: endpoints)

            let limits = ParserLimits(
                maxRequestLine: configuration.maxRequestLine, maxHeaderBytes: configuration.maxHeaderBytes,
                maxBodyBytes: configuration.maxBodyBytes)
            server = try Server(
                configuration: ServerConfiguration(
                    host: configuration.host, port: configuration.port, eventLoops: configuration.workers, limits: limits,
                    headerTimeout: configuration.headerTimeout, bodyTimeout: configuration.bodyTimeout,
                    maxBodyMemory: configuration.maxBodyMemory, idleTimeout: configuration.idleTimeout,
                    shutdownTimeout: configuration.shutdownTimeout, accessLog: accessLog, metrics: metrics,
                    loopThreadStarted: { try? database.ownReader() }),
                router: router, errorRenderer: ProblemRenderer.forServer)
            if let address = configuration.metricsAddress {
                var metricsRouter = Router()
                OperationsRoutes.install(metrics: metrics, on: &metricsRouter)
                metricsServer = try Server(
                    configuration: ServerConfiguration(host: address.host, port: address.port, eventLoops: 1, accessLog: false),
                    router: metricsRouter, errorRenderer: ProblemRenderer.forServer)
            } else {
                metricsServer = nil
            }
        } catch {
            database.close()
            lock?.release()
            throw error
        }
    }

    public func start() {
        Self.keepLargeBlocksMapped()
        server.start()
        metricsServer?.start()
        webhookDispatcher.start()
        scoringTimer.start(every: CustomerScoring.refreshInterval) { [self] in
            _ = try? recomputeScores()
        }
        // On the minute (just after it turns), so a run is due within a second of `--daily-at`
        // rather than up to a minute after it, whenever the server started.
        let intoMinute = Timestamp.now().millisecondsSinceEpoch % 60_000
        dailyTimer.start(every: .seconds(60), first: .milliseconds(60_000 - intoMinute + 50), leeway: .milliseconds(100)) { [self] in
            _ = try? runDailyIfDue()
        }
        memoryTimer.start(every: Self.memoryTrimInterval, leeway: .seconds(5)) { Self.returnFreedMemory() }
    }

    /// How often freed heap memory is handed back to the system (``returnFreedMemory()``).
    static let memoryTrimInterval: Duration = .seconds(30)

    /// A large body (a batch of a thousand records, a 9 MB JSON document) is parsed into many
    /// small blocks, on whichever thread parsed it; freed, they stay in that thread's glibc arena
    /// as free pages of the process, which private memory counts: 2 to 3 such requests a minute
    /// kept 200 to 300 MB for good (found by a black-box audit). `malloc_trim` gives every arena's
    /// free pages back (`madvise`), in about a millisecond; nothing in use moves.
    static func returnFreedMemory() {
        _ = malloc_trim(0)
    }

    /// glibc serves a block of 128 KiB or more from a mapping of its own, given back when it is
    /// freed, until such a block is freed: it then raises that threshold to the block's size, so
    /// later blocks below it come from the heap, whose freed pages stay in the process. An
    /// export's page buffers (half a megabyte) followed by a few batch bodies left private memory
    /// 6 MB higher for good (1,000,000 customers: 63.6 MB after the benchmark's writes, 57.8 MB
    /// with the threshold fixed). Fixed, it no longer moves.
    private static func keepLargeBlocksMapped() {
        _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
    }

    /// The daily automations, once per UTC day once `--daily-at` has passed (checked each time
    /// the minute turns, so a run missed while the server was down happens soon after it starts; each
    /// record is acted on at most once a day whatever runs). Returns the runs recorded, or nil
    /// when it was not due.
    @discardableResult
    func runDailyIfDue() throws -> Int? {
        let now = clock.now()
        let day = CalendarDate(now).description
        let minutes = Int((now.millisecondsSinceEpoch / 60_000) % 1440)
        let due = minutes >= configuration.dailyAt.hour * 60 + configuration.dailyAt.minute
        guard due, lastDailyRun.withLock({ $0 != day }) else { return nil }
        // Another node running it now acts on every record; this one looks again next minute.
        guard let runs = try database.onOneNode(.dailyAutomations, { try automations.runDaily(database, now: now) }) else { return nil }
        lastDailyRun.withLock { $0 = day }
        return runs
    }

    /// Rescores every customer now (RFM, tier, time-driven lifecycle); the server also does this
    /// every ``CustomerScoring/refreshInterval``. Returns how many customers changed (0 when
    /// another node is rescoring them right now).
    @discardableResult
    public func recomputeScores() throws -> Int {
        try database.onOneNode(.scoring) { try recomputeScoresHere() } ?? 0
    }

    private func recomputeScoresHere() throws -> Int {
        let settings = self.settings
        let customers = self.customers
        let now = clock.now()
        // The population is scored on a reader, so writes go on meanwhile; only what changed is
        // written, in small transactions.
        let changes = try database.read { try CustomerScoring.changes($0, settings: settings, now: now) }
        var changed = 0
        var start = 0
        while start < changes.count {
            let chunk = changes[start..<min(start + 500, changes.count)]
            changed += try database.writeAndWait { try CustomerScoring.apply($0, chunk, service: customers, now: now) }
            start += 500
        }
        return changed
    }

    /// Graceful: stop accepting, finish in-flight requests, flush the writer, close the database.
    public func shutdown() {
        scoringTimer.stop()
        dailyTimer.stop()
        memoryTimer.stop()
        // Long-polls are answered first, with what the feed holds: they would otherwise keep
        // the server's in-flight count up until their wait ran out.
        feedWaiters.stop()
        server.shutdown()
        webhookDispatcher.stop()
        metricsServer?.shutdown()
        workers.shutdown()
        database.close()
        servingLock?.release()
    }
}

/// Why the server cannot start, in words for the operator.
public struct StartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
