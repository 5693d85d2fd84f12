import API

/// One configuration option: its flag, its environment variable, how its
/// value is spelled and where it goes in ``Configuration``.
///
/// The options declared below are the single source for parsing, precedence
/// and `--help`, so the three cannot drift apart; ``server`` lists them in the
/// order of DESIGN.md's table, which is also the order of the help text.
struct ConfigurationOption: Sendable {
    /// The flag without its dashes: `port` for `--port`.
    let name: String
    /// The environment variable read when the flag is absent.
    let variable: String
    /// What the value looks like in help (`DURATION`, `N`); `nil` for a
    /// boolean flag, which takes no value on the command line.
    let placeholder: String?
    /// The default, as help shows it.
    let defaultText: String
    /// One line for help.
    let summary: String
    /// Completes "`value` …" in an error, naming the grammar.
    let reason: String
    /// Parses `text` and stores it; `false` if `text` is outside the grammar.
    let assign: @Sendable (inout Configuration, String) -> Bool

    /// `--name`, as written on the command line.
    var flag: String { "--" + name }

    /// Whether the option takes no value on the command line.
    var isBoolean: Bool { placeholder == nil }

    private init<Value>(
        _ name: String,
        _ variable: String,
        placeholder: String?,
        default defaultText: String,
        _ summary: String,
        reason: String,
        parse: @escaping @Sendable (String) -> Value?,
        store: @escaping @Sendable (inout Configuration, Value) -> Void
    ) {
        self.name = name
        self.variable = variable
        self.placeholder = placeholder
        self.defaultText = defaultText
        self.summary = summary
        self.reason = reason
        self.assign = { configuration, text in
            guard let value = parse(text) else { return false }
            store(&configuration, value)
            return true
        }
    }
}

extension ConfigurationOption {
    static let durationSyntax = "an integer followed by ms, s or m, e.g. 250ms, 10s, 2m"
    static let sizeSyntax = "an integer with optional KiB or MiB, e.g. 512, 8KiB, 10MiB"

    static let db = ConfigurationOption(
        "db", "CRM_DB", placeholder: "PATH", default: "./crm.sqlite",
        "SQLite database file (created and migrated on first start), or a postgres:// URL (migrated by serve and migrate)",
        reason: "is not a file path",
        parse: { $0.isEmpty || $0.utf8.contains(0) ? nil : $0 },
        store: { $0.db = $1 })

    static let host = ConfigurationOption(
        "host", "CRM_HOST", placeholder: "HOST", default: "127.0.0.1",
        "address to listen on",
        reason: "is not a host name or address",
        parse: { ValueGrammar.host($0) },
        store: { $0.host = $1 })

    static let port = ConfigurationOption(
        "port", "CRM_PORT", placeholder: "PORT", default: "8080",
        "port to listen on; 0 picks a free one",
        reason: "is not a port number (0-65535)",
        parse: { ValueGrammar.port($0) },
        store: { $0.port = $1 })

    static let headerTimeout = ConfigurationOption(
        "header-timeout", "CRM_HEADER_TIMEOUT", placeholder: "DURATION", default: "10s",
        "time from a request head's first byte to its end; then 408 and close",
        reason: "is not a positive duration (\(durationSyntax))",
        parse: { ValueGrammar.duration($0) },
        store: { $0.headerTimeout = $1 })

    static let bodyTimeout = ConfigurationOption(
        "body-timeout", "CRM_BODY_TIMEOUT", placeholder: "DURATION", default: "30s",
        "time from the end of a request head to the end of its body; then 408 and close",
        reason: "is not a positive duration (\(durationSyntax))",
        parse: { ValueGrammar.duration($0) },
        store: { $0.bodyTimeout = $1 })

    static let idleTimeout = ConfigurationOption(
        "idle-timeout", "CRM_IDLE_TIMEOUT", placeholder: "DURATION", default: "60s",
        "wait for the next request on a keep-alive connection; then close",
        reason: "is not a positive duration (\(durationSyntax))",
        parse: { ValueGrammar.duration($0) },
        store: { $0.idleTimeout = $1 })

    static let shutdownTimeout = ConfigurationOption(
        "shutdown-timeout", "CRM_SHUTDOWN_TIMEOUT", placeholder: "DURATION", default: "10s",
        "longest graceful drain on SIGTERM/SIGINT",
        reason: "is not a duration (\(durationSyntax))",
        parse: { ValueGrammar.duration($0, allowingZero: true) },
        store: { $0.shutdownTimeout = $1 })

    static let maxRequestLine = ConfigurationOption(
        "max-request-line", "CRM_MAX_REQUEST_LINE", placeholder: "SIZE", default: "8KiB",
        "longest request line; past it 414 and close",
        reason: "is not a size (\(sizeSyntax))",
        parse: { ValueGrammar.size($0) },
        store: { $0.maxRequestLine = $1 })

    static let maxHeaderBytes = ConfigurationOption(
        "max-header-bytes", "CRM_MAX_HEADER_BYTES", placeholder: "SIZE", default: "16KiB",
        "largest request head; past it 431 and close",
        reason: "is not a size (\(sizeSyntax))",
        parse: { ValueGrammar.size($0) },
        store: { $0.maxHeaderBytes = $1 })

    static let maxBodyBytes = ConfigurationOption(
        "max-body-bytes", "CRM_MAX_BODY_BYTES", placeholder: "SIZE", default: "10MiB",
        "largest request body; past it 413 and close",
        reason: "is not a size (\(sizeSyntax))",
        parse: { ValueGrammar.size($0) },
        store: { $0.maxBodyBytes = $1 })

    static let maxBodyMemory = ConfigurationOption(
        "max-body-memory", "CRM_MAX_BODY_MEMORY", placeholder: "SIZE", default: "64MiB",
        "memory all request bodies in flight may hold together; past it 503 and close",
        reason: "is not a size (\(sizeSyntax))",
        parse: { ValueGrammar.size($0) },
        store: { $0.maxBodyMemory = $1 })

    // The parsed value is `RateLimit?`: `.some(nil)` is a valid "off", `nil` is invalid text.
    static let rateLimit = ConfigurationOption(
        "rate-limit", "CRM_RATE_LIMIT", placeholder: "N/DURATION", default: "6000/60s",
        "per-key token bucket of N requests refilled per window, or off",
        reason: "is not a rate limit (N/DURATION such as 6000/60s, or off)",
        parse: { text -> Configuration.RateLimit?? in
            text == "off" ? .some(nil) : ValueGrammar.rateLimit(text).map { .some($0) }
        },
        store: { $0.rateLimit = $1 })

    static let corsOrigins = ConfigurationOption(
        "cors-origins", "CRM_CORS_ORIGINS", placeholder: "ORIGINS", default: "none",
        "comma-separated origins allowed by CORS, e.g. https://app.example.com",
        reason: "is not a comma-separated list of origins (http[s]://host[:port])",
        parse: { ValueGrammar.origins($0) },
        store: { $0.corsOrigins = $1 })

    static let metricsAddress = ConfigurationOption(
        "metrics-address", "CRM_METRICS_ADDRESS", placeholder: "HOST:PORT", default: "the main address",
        "serve /metrics on this address instead",
        reason: "is not an address (host:port or [ipv6]:port)",
        parse: { ValueGrammar.hostPort($0) },
        store: { $0.metricsAddress = $1 })

    static let allowPrivateWebhooks = ConfigurationOption(
        "allow-private-webhooks", "CRM_ALLOW_PRIVATE_WEBHOOKS", placeholder: nil, default: "off",
        "let webhooks target loopback and private addresses (variable: true/false/1/0)",
        reason: "is not a boolean (true, false, 1 or 0)",
        parse: { ValueGrammar.boolean($0) },
        store: { $0.allowPrivateWebhooks = $1 })

    static let webhookBackoff = ConfigurationOption(
        "webhook-backoff", "CRM_WEBHOOK_BACKOFF", placeholder: "DURATION", default: "10s",
        "first webhook retry delay, doubling, capped at 1h; given up after 24h",
        reason: "is not a positive duration (\(durationSyntax))",
        parse: { ValueGrammar.duration($0) },
        store: { $0.webhookBackoff = $1 })

    static let secretKeyFile = ConfigurationOption(
        "secret-key-file", "CRM_SECRET_KEY_FILE", placeholder: "PATH", default: "<db>.key",
        "the server key that seals webhook secrets (created, mode 0600, on first start; back it up with the database)",
        reason: "is not a file path",
        parse: { $0.isEmpty || $0.utf8.contains(0) ? nil : $0 },
        store: { $0.secretKeyFile = $1 })

    static let dailyAt = ConfigurationOption(
        "daily-at", "CRM_DAILY_AT", placeholder: "HH:MM", default: "02:00",
        "UTC time of the daily automations run (schedule.daily; a missed run happens at the next start)",
        reason: "is not a time of day (HH:MM, 00:00-23:59)",
        parse: { ValueGrammar.timeOfDay($0) },
        store: { $0.dailyAt = $1 })

    static let sync = ConfigurationOption(
        "sync", "CRM_SYNC", placeholder: "MODE", default: "full",
        "SQLite synchronous: full or normal",
        reason: "is not a sync mode (full or normal)",
        parse: { Configuration.SyncMode(rawValue: $0) },
        store: { $0.sync = $1 })

    static let baseCurrency = ConfigurationOption(
        "base-currency", "CRM_BASE_CURRENCY", placeholder: "CODE", default: "CNY",
        "ISO 4217 currency orders must be in (others are a 422) and customer totals are kept in; opportunities without a currency get it",
        reason: "is not a currency code (three capital letters, e.g. CNY)",
        parse: { ValueGrammar.currency($0) },
        store: { $0.baseCurrency = $1 })

    static let atRiskDays = ConfigurationOption(
        "at-risk-days", "CRM_AT_RISK_DAYS", placeholder: "DAYS", default: "90",
        "days since the last paid order before a customer is at_risk",
        reason: "is not a number of days (1-36500)",
        parse: { ValueGrammar.integer($0, in: 1...36500) },
        store: { $0.atRiskDays = $1 })

    static let churnDays = ConfigurationOption(
        "churn-days", "CRM_CHURN_DAYS", placeholder: "DAYS", default: "180",
        "days since the last paid order before a customer is churned",
        reason: "is not a number of days (1-36500)",
        parse: { ValueGrammar.integer($0, in: 1...36500) },
        store: { $0.churnDays = $1 })

    static let eventLoops = ConfigurationOption(
        "event-loops", "CRM_EVENT_LOOPS", placeholder: "N", default: "one per active processor",
        "number of event loops",
        reason: "is not a number of event loops (1-1024)",
        parse: { ValueGrammar.integer($0, in: 1...1024) },
        store: { $0.workers = $1 })

    /// What every subcommand reads: where the database is and how it syncs.
    static let storage: [ConfigurationOption] = [db, sync]

    /// Everything `serve` reads, in help order.
    static let server: [ConfigurationOption] = [
        db, host, port, headerTimeout, bodyTimeout, idleTimeout, shutdownTimeout,
        maxRequestLine, maxHeaderBytes, maxBodyBytes, maxBodyMemory, rateLimit, corsOrigins,
        metricsAddress, allowPrivateWebhooks, webhookBackoff, secretKeyFile, dailyAt, sync,
        baseCurrency, atRiskDays, churnDays, eventLoops,
    ]
}
