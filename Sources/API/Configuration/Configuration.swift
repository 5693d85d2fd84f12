import CRM
import Foundation

/// Everything the server and its subcommands can be told at start-up, as
/// typed values (DESIGN.md, "Command line and configuration").
///
/// A value is built once by ``CommandLineParser/parse(arguments:environment:)``
/// from flags, environment variables and these defaults, in that order of
/// precedence, and is then only read. Tests build one directly:
///
/// ```swift
/// var configuration = Configuration()
/// configuration.db = temporaryFile
/// configuration.port = 0          // an ephemeral port
/// ```
public struct Configuration: Sendable, Equatable {
    /// The SQLite database file, or a `postgres://` URL (`--db`, `CRM_DB`); every subcommand uses
    /// it. ``databaseEngine`` tells which; on PostgreSQL only `migrate` works so far.
    public var db: String
    /// The address `serve` listens on (`--host`, `CRM_HOST`).
    public var host: String
    /// The port `serve` listens on (`--port`, `CRM_PORT`); `0` asks the kernel
    /// for a free one.
    public var port: Int
    /// From a request head's first byte to its end, not restarted by each
    /// read; then `408` and close (`--header-timeout`, `CRM_HEADER_TIMEOUT`).
    public var headerTimeout: Duration
    /// From the end of a request head to the end of its body (bodies are read only once the
    /// head is authenticated); then `408` and close (`--body-timeout`, `CRM_BODY_TIMEOUT`).
    public var bodyTimeout: Duration
    /// How long a keep-alive connection may wait for its next request
    /// (`--idle-timeout`, `CRM_IDLE_TIMEOUT`).
    public var idleTimeout: Duration
    /// The longest graceful drain at shutdown (`--shutdown-timeout`,
    /// `CRM_SHUTDOWN_TIMEOUT`); the process exits as soon as in-flight work is done.
    public var shutdownTimeout: Duration
    /// Longest request line in bytes; past it `414` and close (`--max-request-line`).
    public var maxRequestLine: Int
    /// Largest request head (all header fields) in bytes; past it `431` and
    /// close (`--max-header-bytes`).
    public var maxHeaderBytes: Int
    /// Largest request body in bytes; past it `413` and close (`--max-body-bytes`).
    public var maxBodyBytes: Int
    /// What all request bodies in flight may hold together, in bytes; past it `503` and close
    /// (`--max-body-memory`, `CRM_MAX_BODY_MEMORY`).
    public var maxBodyMemory: Int
    /// The per-key token bucket of API.md, or `nil` when switched `off`
    /// (`--rate-limit`, `CRM_RATE_LIMIT`).
    public var rateLimit: RateLimit?
    /// Origins allowed by CORS, compared exactly; empty allows none
    /// (`--cors-origins`, `CRM_CORS_ORIGINS`).
    public var corsOrigins: [String]
    /// A separate address for `/metrics`, or `nil` to serve it on the main one
    /// (`--metrics-address`, `CRM_METRICS_ADDRESS`).
    public var metricsAddress: HostPort?
    /// Whether webhooks may target loopback and private addresses
    /// (`--allow-private-webhooks`, `CRM_ALLOW_PRIVATE_WEBHOOKS`).
    public var allowPrivateWebhooks: Bool
    /// The first webhook retry delay; it doubles per attempt, capped at one hour
    /// (`--webhook-backoff`, `CRM_WEBHOOK_BACKOFF`).
    public var webhookBackoff: Duration
    /// The file holding the key that seals webhook secrets (`--secret-key-file`,
    /// `CRM_SECRET_KEY_FILE`); nil means the database path with `.key` appended.
    public var secretKeyFile: String?
    /// Certificate authorities trusted for HTTPS webhook targets besides the system's (tests).
    public var webhookTrustedCAFile: String?
    /// CPU time an event loop gives a request's reads before handing the request to a worker
    /// (``EndpointBuilder/inlineReadBudget``); not a flag, tests lower it.
    public var inlineReadBudget: Duration = EndpointBuilder.defaultInlineReadBudget
    /// The UTC time of the daily automations run (`--daily-at`, `CRM_DAILY_AT`).
    public var dailyAt: TimeOfDay
    /// SQLite's `PRAGMA synchronous` (`--sync`, `CRM_SYNC`).
    public var sync: SyncMode
    /// ISO 4217 code that orders must be in and customer totals are kept in; an opportunity
    /// without a currency gets it (`--base-currency`, `CRM_BASE_CURRENCY`).
    public var baseCurrency: String
    /// Days since the last paid order after which a customer is `at_risk`
    /// (`--at-risk-days`, `CRM_AT_RISK_DAYS`; API.md §3).
    public var atRiskDays: Int
    /// Days since the last paid order after which a customer is `churned`
    /// (`--churn-days`, `CRM_CHURN_DAYS`; API.md §3).
    public var churnDays: Int
    /// Number of event loops (`--event-loops`, `CRM_EVENT_LOOPS`); at least 1.
    public var workers: Int

    /// The documented defaults, overridable one by one.
    public init(
        db: String = "./crm.sqlite",
        host: String = "127.0.0.1",
        port: Int = 8080,
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        shutdownTimeout: Duration = .seconds(10),
        maxRequestLine: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxBodyBytes: Int = 10 * 1024 * 1024,
        maxBodyMemory: Int = 64 * 1024 * 1024,
        rateLimit: RateLimit? = RateLimit(requests: 6000, window: .seconds(60)),
        corsOrigins: [String] = [],
        metricsAddress: HostPort? = nil,
        allowPrivateWebhooks: Bool = false,
        webhookBackoff: Duration = .seconds(10),
        dailyAt: TimeOfDay = TimeOfDay(hour: 2, minute: 0),
        sync: SyncMode = .full,
        baseCurrency: String = "CNY",
        atRiskDays: Int = 90,
        churnDays: Int = 180,
        workers: Int = Configuration.defaultWorkers
    ) {
        self.db = db
        self.host = host
        self.port = port
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.shutdownTimeout = shutdownTimeout
        self.maxRequestLine = maxRequestLine
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxBodyMemory = maxBodyMemory
        self.rateLimit = rateLimit
        self.corsOrigins = corsOrigins
        self.metricsAddress = metricsAddress
        self.allowPrivateWebhooks = allowPrivateWebhooks
        self.webhookBackoff = webhookBackoff
        self.secretKeyFile = nil
        self.webhookTrustedCAFile = nil
        self.dailyAt = dailyAt
        self.sync = sync
        self.baseCurrency = baseCurrency
        self.atRiskDays = atRiskDays
        self.churnDays = churnDays
        self.workers = workers
    }

    /// One event loop per active processor (DESIGN.md, "Server model"), at least one.
    public static var defaultWorkers: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}

extension Configuration {
    /// A token bucket holding `requests` tokens, refilled at `requests` per
    /// `window` (API.md, "Rate limits"). Spelled `N/WINDOW` on the command line.
    public struct RateLimit: Sendable, Equatable {
        /// The bucket's size, reported as `RateLimit-Limit`; at least 1.
        public var requests: Int
        /// The time in which a whole bucket refills; positive.
        public var window: Duration

        public init(requests: Int, window: Duration) {
            self.requests = requests
            self.window = window
        }
    }

    /// A listening address, spelled `host:port` (`[v6]:port` for IPv6).
    public struct HostPort: Sendable, Equatable {
        /// A name or literal address, without IPv6 brackets.
        public var host: String
        /// 0–65535; 0 asks the kernel for a free port.
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// A UTC wall-clock time of day, spelled `HH:MM`, 00:00–23:59.
    public struct TimeOfDay: Sendable, Equatable {
        /// 0–23.
        public var hour: Int
        /// 0–59.
        public var minute: Int

        public init(hour: Int, minute: Int) {
            self.hour = hour
            self.minute = minute
        }
    }

    /// SQLite's `synchronous` setting (https://sqlite.org/pragma.html#pragma_synchronous).
    public enum SyncMode: String, Sendable, Equatable, CaseIterable {
        /// Sync on every commit: durable across power loss.
        case full
        /// In WAL mode, sync only at checkpoints: a power loss may undo the
        /// last commits but never corrupts the database.
        case normal
    }
}

extension Configuration {
    /// The engine `db` names.
    public enum DatabaseEngine: Sendable, Equatable {
        /// `db` is the path of an SQLite file: the default.
        case sqlite
        /// `db` is a libpq connection URL (`postgres://user@host:5432/dbname?sslmode=require`).
        case postgres
    }

    /// PostgreSQL when `db` starts with one of the two URL schemes libpq accepts
    /// (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS),
    /// otherwise SQLite: any other value, `./crm.sqlite` or `file.db` alike, stays a file path.
    public var databaseEngine: DatabaseEngine {
        db.hasPrefix("postgres://") || db.hasPrefix("postgresql://") ? .postgres : .sqlite
    }

    /// The file holding the key that seals webhook secrets: ``secretKeyFile``, or beside the SQLite
    /// file. On PostgreSQL every node must read the same key, so it is never guessed: nil until
    /// `--secret-key-file` names it.
    public var resolvedSecretKeyFile: String? {
        secretKeyFile ?? (databaseEngine == .sqlite ? db + ".key" : nil)
    }

    /// Opens (and migrates) the database `db` names, on its engine.
    public func openDatabase(maximumReaders: Int, maximumWriteBatch: Int = Database.defaultWriteBatch) throws -> Database {
        switch databaseEngine {
        case .sqlite:
            try Database.open(path: db, fullSync: sync != .normal, maximumReaders: maximumReaders, maximumWriteBatch: maximumWriteBatch)
        case .postgres:
            try Database.open(postgres: db, maximumConnections: maximumReaders, maximumWriteBatch: maximumWriteBatch)
        }
    }
}
