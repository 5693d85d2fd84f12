import API
import Foundation
import XCTest

@testable import crm_server

/// The command line and environment contract of DESIGN.md, "Command line and
/// configuration": defaults, precedence, every value grammar, subcommands and help.
final class ConfigurationTests: XCTestCase {
    // MARK: Helpers

    private func parse(
        _ arguments: [String],
        environment: [String: String] = [:],
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> (Command, Configuration)? {
        do {
            return try CommandLineParser.parse(arguments: arguments, environment: environment)
        } catch {
            XCTFail("\(arguments) \(environment) threw \(error)", file: file, line: line)
            return nil
        }
    }

    private func configuration(
        _ arguments: [String],
        environment: [String: String] = [:],
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> Configuration? {
        parse(arguments, environment: environment, file: file, line: line)?.1
    }

    private func command(
        _ arguments: [String],
        environment: [String: String] = [:],
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> Command? {
        parse(arguments, environment: environment, file: file, line: line)?.0
    }

    private func error(
        _ arguments: [String],
        environment: [String: String] = [:],
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> ConfigurationError? {
        do {
            let result = try CommandLineParser.parse(arguments: arguments, environment: environment)
            XCTFail("\(arguments) \(environment) parsed as \(result)", file: file, line: line)
        } catch let error as ConfigurationError {
            return error
        } catch {
            XCTFail("\(arguments) threw a non-configuration error \(error)", file: file, line: line)
        }
        return nil
    }

    private func help(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> String {
        guard case .help(let text)? = command(arguments, file: file, line: line) else {
            XCTFail("\(arguments) is not a help request", file: file, line: line)
            return ""
        }
        return text
    }

    /// Asserts that `flag` accepts each of `valid` in both `--flag=v` and
    /// `--flag v` forms and in its variable, checking the parsed result.
    private func assertAccepts(
        _ flag: String,
        _ variable: String,
        _ valid: [(String, (Configuration) -> Bool)],
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        for (text, check) in valid {
            for (arguments, environment) in [
                (["--\(flag)=\(text)"], [:]),
                (["--\(flag)", text], [:]),
                ([], [variable: text]),
            ] as [([String], [String: String])] {
                guard let parsed = configuration(arguments, environment: environment, file: file, line: line)
                else { continue }
                XCTAssertTrue(check(parsed), "\(arguments) \(environment) gave \(parsed)", file: file, line: line)
            }
        }
    }

    /// Asserts that `flag` and `variable` reject each of `invalid`, naming the
    /// source and the text, with `reason` as the explanation.
    private func assertRejects(
        _ flag: String,
        _ variable: String,
        _ invalid: [String],
        reason: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        for text in invalid {
            XCTAssertEqual(
                error(["--\(flag)=\(text)"], file: file, line: line),
                .invalidValue(option: "--\(flag)", value: text, reason: reason),
                file: file, line: line)
            if !text.isEmpty, !text.hasPrefix("--") {
                XCTAssertEqual(
                    error(["--\(flag)", text], file: file, line: line),
                    .invalidValue(option: "--\(flag)", value: text, reason: reason),
                    file: file, line: line)
                XCTAssertEqual(
                    error([], environment: [variable: text], file: file, line: line),
                    .invalidValue(option: variable, value: text, reason: reason),
                    file: file, line: line)
            }
        }
    }

    private let durationReason = "an integer followed by ms, s or m, e.g. 250ms, 10s, 2m"
    private let sizeReason = "is not a size (an integer with optional KiB or MiB, e.g. 512, 8KiB, 10MiB)"

    // MARK: Defaults

    func testNoArgumentsServesWithTheDocumentedDefaults() {
        guard let (command, configuration) = parse([]) else { return }
        XCTAssertEqual(command, .serve)
        XCTAssertEqual(configuration, Configuration())
        XCTAssertEqual(configuration.db, "./crm.sqlite")
        XCTAssertEqual(configuration.host, "127.0.0.1")
        XCTAssertEqual(configuration.port, 8080)
        XCTAssertEqual(configuration.headerTimeout, .seconds(10))
        XCTAssertEqual(configuration.idleTimeout, .seconds(60))
        XCTAssertEqual(configuration.shutdownTimeout, .seconds(10))
        XCTAssertEqual(configuration.maxRequestLine, 8192)
        XCTAssertEqual(configuration.maxHeaderBytes, 16384)
        XCTAssertEqual(configuration.maxBodyBytes, 10_485_760)
        XCTAssertEqual(configuration.rateLimit, Configuration.RateLimit(requests: 6000, window: .seconds(60)))
        XCTAssertEqual(configuration.corsOrigins, [])
        XCTAssertNil(configuration.metricsAddress)
        XCTAssertFalse(configuration.allowPrivateWebhooks)
        XCTAssertEqual(configuration.webhookBackoff, .seconds(10))
        XCTAssertEqual(configuration.dailyAt, Configuration.TimeOfDay(hour: 2, minute: 0))
        XCTAssertEqual(configuration.sync, .full)
        XCTAssertEqual(configuration.baseCurrency, "CNY")
        XCTAssertEqual(configuration.atRiskDays, 90)
        XCTAssertEqual(configuration.churnDays, 180)
        XCTAssertEqual(configuration.workers, max(1, ProcessInfo.processInfo.activeProcessorCount))
        XCTAssertGreaterThanOrEqual(configuration.workers, 1)
    }

    func testExplicitServeEqualsNoCommand() {
        XCTAssertEqual(command(["serve"]), .serve)
        XCTAssertEqual(configuration(["serve", "--port", "9000"])?.port, 9000)
        XCTAssertEqual(configuration(["--port", "9000"])?.port, 9000)
    }

    // MARK: Precedence

    func testFlagWinsOverVariableWhichWinsOverDefault() {
        XCTAssertEqual(configuration([])?.port, 8080)
        XCTAssertEqual(configuration([], environment: ["CRM_PORT": "9000"])?.port, 9000)
        XCTAssertEqual(configuration(["--port", "9100"], environment: ["CRM_PORT": "9000"])?.port, 9100)
        XCTAssertEqual(configuration(["--port=9100"], environment: ["CRM_PORT": "9000"])?.port, 9100)
        XCTAssertEqual(
            configuration(["--rate-limit", "10/1s"], environment: ["CRM_RATE_LIMIT": "off"])?.rateLimit,
            Configuration.RateLimit(requests: 10, window: .seconds(1)))
        XCTAssertNil(configuration(["--rate-limit", "off"], environment: ["CRM_RATE_LIMIT": "10/1s"])?.rateLimit)
    }

    func testAFlagShadowsAnInvalidVariable() {
        XCTAssertEqual(configuration(["--port", "1"], environment: ["CRM_PORT": "abc"])?.port, 1)
    }

    func testAnEmptyVariableCountsAsUnset() {
        let parsed = configuration(
            [], environment: ["CRM_PORT": "", "CRM_DB": "", "CRM_METRICS_ADDRESS": "", "CRM_RATE_LIMIT": ""])
        XCTAssertEqual(parsed, Configuration())
    }

    func testTheLastOfARepeatedFlagWins() {
        XCTAssertEqual(configuration(["--port", "1", "--port=2"])?.port, 2)
    }

    func testEveryVariableIsRead() {
        let environment = [
            "CRM_DB": "/var/lib/crm/crm.sqlite",
            "CRM_HOST": "0.0.0.0",
            "CRM_PORT": "0",
            "CRM_HEADER_TIMEOUT": "250ms",
            "CRM_IDLE_TIMEOUT": "2m",
            "CRM_SHUTDOWN_TIMEOUT": "0s",
            "CRM_MAX_REQUEST_LINE": "4KiB",
            "CRM_MAX_HEADER_BYTES": "32768",
            "CRM_MAX_BODY_BYTES": "1MiB",
            "CRM_RATE_LIMIT": "100/10s",
            "CRM_CORS_ORIGINS": "https://app.example.com, http://localhost:3000",
            "CRM_METRICS_ADDRESS": "127.0.0.1:9090",
            "CRM_ALLOW_PRIVATE_WEBHOOKS": "true",
            "CRM_WEBHOOK_BACKOFF": "500ms",
            "CRM_DAILY_AT": "23:59",
            "CRM_SYNC": "normal",
            "CRM_BASE_CURRENCY": "USD",
            "CRM_AT_RISK_DAYS": "30",
            "CRM_CHURN_DAYS": "60",
            "CRM_EVENT_LOOPS": "3",
        ]
        let expected = Configuration(
            db: "/var/lib/crm/crm.sqlite", host: "0.0.0.0", port: 0,
            headerTimeout: .milliseconds(250), idleTimeout: .seconds(120), shutdownTimeout: .zero,
            maxRequestLine: 4096, maxHeaderBytes: 32768, maxBodyBytes: 1_048_576,
            rateLimit: Configuration.RateLimit(requests: 100, window: .seconds(10)),
            corsOrigins: ["https://app.example.com", "http://localhost:3000"],
            metricsAddress: Configuration.HostPort(host: "127.0.0.1", port: 9090),
            allowPrivateWebhooks: true, webhookBackoff: .milliseconds(500),
            dailyAt: Configuration.TimeOfDay(hour: 23, minute: 59), sync: .normal,
            baseCurrency: "USD", atRiskDays: 30, churnDays: 60, workers: 3)
        XCTAssertEqual(configuration([], environment: environment), expected)

        // The same values as flags, in both spellings, give the same configuration.
        var separate: [String] = ["serve"]
        var joined: [String] = ["serve"]
        let flags = [
            ("db", "/var/lib/crm/crm.sqlite"), ("host", "0.0.0.0"), ("port", "0"),
            ("header-timeout", "250ms"), ("idle-timeout", "2m"), ("shutdown-timeout", "0s"),
            ("max-request-line", "4KiB"), ("max-header-bytes", "32768"), ("max-body-bytes", "1MiB"),
            ("rate-limit", "100/10s"), ("cors-origins", "https://app.example.com, http://localhost:3000"),
            ("metrics-address", "127.0.0.1:9090"), ("webhook-backoff", "500ms"), ("daily-at", "23:59"),
            ("sync", "normal"), ("base-currency", "USD"), ("at-risk-days", "30"), ("churn-days", "60"),
            ("event-loops", "3"),
        ]
        for (flag, value) in flags {
            separate += ["--" + flag, value]
            joined.append("--\(flag)=\(value)")
        }
        separate.append("--allow-private-webhooks")
        joined.append("--allow-private-webhooks")
        XCTAssertEqual(configuration(separate), expected)
        XCTAssertEqual(configuration(joined), expected)
    }

    // MARK: Value grammars

    func testPort() {
        assertAccepts("port", "CRM_PORT", [("0", { $0.port == 0 }), ("65535", { $0.port == 65535 })])
        assertRejects(
            "port", "CRM_PORT", ["abc", "65536", "-1", "+80", "80 ", "8.0", "", "99999999999999999999999"],
            reason: "is not a port number (0-65535)")
        XCTAssertEqual(error(["--port", "abc"])?.description, #"--port: "abc" is not a port number (0-65535)"#)
        XCTAssertEqual(
            error([], environment: ["CRM_PORT": "abc"])?.description,
            #"CRM_PORT: "abc" is not a port number (0-65535)"#)
    }

    func testDuration() {
        assertAccepts(
            "header-timeout", "CRM_HEADER_TIMEOUT",
            [
                ("250ms", { $0.headerTimeout == .milliseconds(250) }),
                ("10s", { $0.headerTimeout == .seconds(10) }),
                ("2m", { $0.headerTimeout == .seconds(120) }),
                ("007s", { $0.headerTimeout == .seconds(7) }),
            ])
        assertAccepts("idle-timeout", "CRM_IDLE_TIMEOUT", [("1ms", { $0.idleTimeout == .milliseconds(1) })])
        assertAccepts("webhook-backoff", "CRM_WEBHOOK_BACKOFF", [("1m", { $0.webhookBackoff == .seconds(60) })])
        assertAccepts(
            "shutdown-timeout", "CRM_SHUTDOWN_TIMEOUT",
            [("0s", { $0.shutdownTimeout == .zero }), ("30s", { $0.shutdownTimeout == .seconds(30) })])

        let invalid = [
            "10", "-5s", "+5s", "5 s", " 5s", "1.5s", "s", "ms", "10h", "10S", "10sec", "",
            "99999999999999999999s", "153722867280912931m",
        ]
        for (flag, variable) in [
            ("header-timeout", "CRM_HEADER_TIMEOUT"), ("idle-timeout", "CRM_IDLE_TIMEOUT"),
            ("webhook-backoff", "CRM_WEBHOOK_BACKOFF"),
        ] {
            assertRejects(
                flag, variable, invalid + ["0s", "0ms"], reason: "is not a positive duration (\(durationReason))")
        }
        assertRejects(
            "shutdown-timeout", "CRM_SHUTDOWN_TIMEOUT", invalid, reason: "is not a duration (\(durationReason))")
    }

    func testSize() {
        assertAccepts(
            "max-body-bytes", "CRM_MAX_BODY_BYTES",
            [
                ("512", { $0.maxBodyBytes == 512 }),
                ("8KiB", { $0.maxBodyBytes == 8192 }),
                ("10MiB", { $0.maxBodyBytes == 10_485_760 }),
            ])
        assertAccepts("max-request-line", "CRM_MAX_REQUEST_LINE", [("1KiB", { $0.maxRequestLine == 1024 })])
        assertAccepts("max-header-bytes", "CRM_MAX_HEADER_BYTES", [("64KiB", { $0.maxHeaderBytes == 65536 })])
        let invalid = ["0", "0KiB", "-1", "8kib", "8KB", "8K", "8 KiB", "1.5MiB", "KiB", "", "9999999999999MiB", "x"]
        for (flag, variable) in [
            ("max-request-line", "CRM_MAX_REQUEST_LINE"), ("max-header-bytes", "CRM_MAX_HEADER_BYTES"),
            ("max-body-bytes", "CRM_MAX_BODY_BYTES"),
        ] {
            assertRejects(flag, variable, invalid, reason: sizeReason)
        }
    }

    func testRateLimit() {
        assertAccepts(
            "rate-limit", "CRM_RATE_LIMIT",
            [
                ("off", { $0.rateLimit == nil }),
                ("6000/60s", { $0.rateLimit == Configuration.RateLimit(requests: 6000, window: .seconds(60)) }),
                ("1/500ms", { $0.rateLimit == Configuration.RateLimit(requests: 1, window: .milliseconds(500)) }),
            ])
        assertRejects(
            "rate-limit", "CRM_RATE_LIMIT",
            ["6000", "0/60s", "6000/0s", "6000/60", "/60s", "6000/", "a/60s", "OFF", "-1/60s", "1/1s/1s", ""],
            reason: "is not a rate limit (N/DURATION such as 6000/60s, or off)")
    }

    func testDailyAt() {
        assertAccepts(
            "daily-at", "CRM_DAILY_AT",
            [
                ("00:00", { $0.dailyAt == Configuration.TimeOfDay(hour: 0, minute: 0) }),
                ("23:59", { $0.dailyAt == Configuration.TimeOfDay(hour: 23, minute: 59) }),
                ("07:05", { $0.dailyAt == Configuration.TimeOfDay(hour: 7, minute: 5) }),
            ])
        assertRejects(
            "daily-at", "CRM_DAILY_AT",
            ["24:00", "12:60", "7:00", "07:5", "0700", "07:00:00", "ab:cd", "-1:00", "07-00", ""],
            reason: "is not a time of day (HH:MM, 00:00-23:59)")
    }

    func testMetricsAddress() {
        assertAccepts(
            "metrics-address", "CRM_METRICS_ADDRESS",
            [
                ("127.0.0.1:9090", { $0.metricsAddress == Configuration.HostPort(host: "127.0.0.1", port: 9090) }),
                ("localhost:0", { $0.metricsAddress == Configuration.HostPort(host: "localhost", port: 0) }),
                ("[::1]:9090", { $0.metricsAddress == Configuration.HostPort(host: "::1", port: 9090) }),
            ])
        assertRejects(
            "metrics-address", "CRM_METRICS_ADDRESS",
            ["9090", "::1:9090", ":9090", "host:", "host:70000", "[::1]9090", "[::1]", "a b:80", "[]:80", ""],
            reason: "is not an address (host:port or [ipv6]:port)")
    }

    func testHost() {
        assertAccepts(
            "host", "CRM_HOST",
            [
                ("0.0.0.0", { $0.host == "0.0.0.0" }),
                ("::", { $0.host == "::" }),
                ("[::1]", { $0.host == "::1" }),
                ("crm.internal", { $0.host == "crm.internal" }),
            ])
        assertRejects(
            "host", "CRM_HOST", ["a b", "http://x", "host/path", ""], reason: "is not a host name or address")
    }

    func testSyncMode() {
        assertAccepts(
            "sync", "CRM_SYNC", [("full", { $0.sync == .full }), ("normal", { $0.sync == .normal })])
        assertRejects("sync", "CRM_SYNC", ["FULL", "off", "extra", ""], reason: "is not a sync mode (full or normal)")
    }

    func testBaseCurrency() {
        assertAccepts("base-currency", "CRM_BASE_CURRENCY", [("USD", { $0.baseCurrency == "USD" })])
        assertRejects(
            "base-currency", "CRM_BASE_CURRENCY", ["usd", "US", "EURO", "U$D", "ÉUR", ""],
            reason: "is not a currency code (three capital letters, e.g. CNY)")
    }

    func testLifecycleDays() {
        assertAccepts(
            "at-risk-days", "CRM_AT_RISK_DAYS",
            [("1", { $0.atRiskDays == 1 }), ("36500", { $0.atRiskDays == 36500 })])
        assertAccepts("churn-days", "CRM_CHURN_DAYS", [("365", { $0.churnDays == 365 })])
        for (flag, variable) in [("at-risk-days", "CRM_AT_RISK_DAYS"), ("churn-days", "CRM_CHURN_DAYS")] {
            assertRejects(
                flag, variable, ["0", "-1", "36501", "ninety", "1d", ""], reason: "is not a number of days (1-36500)")
        }
    }

    func testEventLoops() {
        assertAccepts(
            "event-loops", "CRM_EVENT_LOOPS", [("1", { $0.workers == 1 }), ("64", { $0.workers == 64 })])
        assertRejects(
            "event-loops", "CRM_EVENT_LOOPS", ["0", "1025", "x", "-2", ""],
            reason: "is not a number of event loops (1-1024)")
    }

    func testCORSOrigins() {
        assertAccepts(
            "cors-origins", "CRM_CORS_ORIGINS",
            [
                ("https://app.example.com", { $0.corsOrigins == ["https://app.example.com"] }),
                (
                    "https://a.example.com, http://localhost:3000,",
                    { $0.corsOrigins == ["https://a.example.com", "http://localhost:3000"] }
                ),
            ])
        XCTAssertEqual(configuration(["--cors-origins="])?.corsOrigins, [])
        assertRejects(
            "cors-origins", "CRM_CORS_ORIGINS",
            ["a.example.com", "https://a.example.com/", "https://", "*", "ftp://x", "https://a/b", "https://a,b.com"],
            reason: "is not a comma-separated list of origins (http[s]://host[:port])")
    }

    func testDatabasePath() {
        assertAccepts("db", "CRM_DB", [("/tmp/x.sqlite", { $0.db == "/tmp/x.sqlite" })])
        XCTAssertEqual(
            error(["--db="]), .invalidValue(option: "--db", value: "", reason: "is not a file path"))
    }

    func testADatabaseURLNamesPostgreSQLAndEverythingElseAnSQLiteFile() {
        for url in ["postgres://crm@db/crm", "postgresql:///crm?host=/run/postgresql"] {
            XCTAssertEqual(configuration(["migrate", "--db", url])?.databaseEngine, .postgres, url)
            XCTAssertEqual(configuration(["migrate"], environment: ["CRM_DB": url])?.databaseEngine, .postgres, url)
        }
        for path in ["./crm.sqlite", "/var/lib/crm/crm.sqlite", "postgres.sqlite", "postgres:crm", "file:crm.db"] {
            XCTAssertEqual(configuration(["--db", path])?.databaseEngine, .sqlite, path)
        }
        XCTAssertEqual(Configuration().databaseEngine, .sqlite, "SQLite is the default")
    }

    func testAllowPrivateWebhooks() {
        XCTAssertEqual(configuration(["--allow-private-webhooks"])?.allowPrivateWebhooks, true)
        for (text, expected) in [("true", true), ("1", true), ("TRUE", true), ("false", false), ("0", false)] {
            XCTAssertEqual(
                configuration([], environment: ["CRM_ALLOW_PRIVATE_WEBHOOKS": text])?.allowPrivateWebhooks, expected)
        }
        // The flag wins even over an explicit false.
        XCTAssertEqual(
            configuration(["--allow-private-webhooks"], environment: ["CRM_ALLOW_PRIVATE_WEBHOOKS": "0"])?
                .allowPrivateWebhooks,
            true)
        for text in ["yes", "2", "on"] {
            XCTAssertEqual(
                error([], environment: ["CRM_ALLOW_PRIVATE_WEBHOOKS": text]),
                .invalidValue(
                    option: "CRM_ALLOW_PRIVATE_WEBHOOKS", value: text, reason: "is not a boolean (true, false, 1 or 0)")
            )
        }
        // A boolean flag takes no value: `--allow-private-webhooks=true` is an error,
        // and `--allow-private-webhooks true` leaves "true" as a stray argument.
        XCTAssertEqual(
            error(["--allow-private-webhooks=true"]),
            .unexpectedValue(option: "--allow-private-webhooks", value: "true"))
        XCTAssertEqual(
            error(["--allow-private-webhooks", "true"]), .unexpectedArgument("true", command: "serve"))
    }

    // MARK: Malformed command lines

    func testUnknownOptionsAreErrors() {
        XCTAssertEqual(error(["--bogus"]), .unknownOption("--bogus", command: "serve"))
        XCTAssertEqual(error(["--bogus=1"]), .unknownOption("--bogus", command: "serve"))
        XCTAssertEqual(error(["-p", "80"]), .unknownOption("-p", command: "serve"))
        XCTAssertEqual(error(["--Port", "80"]), .unknownOption("--Port", command: "serve"))
        XCTAssertEqual(error(["migrate", "--port", "80"]), .unknownOption("--port", command: "migrate"))
        XCTAssertEqual(error(["keys", "list", "--role", "admin"]), .unknownOption("--role", command: "keys list"))
        XCTAssertEqual(error(["--bogus"])?.description, #"serve: unknown option "--bogus""#)
        XCTAssertEqual(error(["--bogus"])?.usageHint, "Run 'crm-server serve --help' for usage.")
    }

    func testEveryErrorIsOneMessageAndOneHint() {
        let lines: [[String]] = [
            ["--prot", "1"], ["--port", "abc"], ["--port"], ["--allow-private-webhooks=yes"], ["serve", "extra"], ["frobnicate"],
            ["keys"], ["keys", "create", "--name", "x"], ["migrate", "--port", "1"],
        ]
        for arguments in lines {
            guard let failure = error(arguments) else { continue }
            XCTAssertFalse(failure.description.contains("--help"), "\(arguments): \(failure.description)")
            XCTAssertFalse(failure.description.contains("\n"), "\(arguments): \(failure.description)")
            XCTAssertTrue(failure.usageHint.hasPrefix("Run 'crm-server "), "\(arguments): \(failure.usageHint)")
            XCTAssertTrue(failure.usageHint.hasSuffix(" --help' for usage."), "\(arguments): \(failure.usageHint)")
        }
        XCTAssertEqual(error(["migrate", "--port", "1"])?.usageHint, "Run 'crm-server migrate --help' for usage.")
        XCTAssertEqual(error(["keys"])?.usageHint, "Run 'crm-server keys --help' for usage.")
        XCTAssertEqual(error(["frobnicate"])?.usageHint, "Run 'crm-server --help' for usage.")
        XCTAssertEqual(error(["--port", "abc"])?.usageHint, "Run 'crm-server --help' for usage.")
    }

    func testStrayPositionalArgumentsAreErrors() {
        XCTAssertEqual(error(["serve", "extra"]), .unexpectedArgument("extra", command: "serve"))
        XCTAssertEqual(error(["--port", "80", "extra"]), .unexpectedArgument("extra", command: "serve"))
        XCTAssertEqual(error(["migrate", "now"]), .unexpectedArgument("now", command: "migrate"))
        XCTAssertEqual(error(["migrate", "-"]), .unexpectedArgument("-", command: "migrate"))
    }

    func testUnknownCommandsAreErrors() {
        XCTAssertEqual(error(["frobnicate"]), .unknownCommand("frobnicate"))
        XCTAssertEqual(error(["keys", "rotate"]), .unknownCommand("keys rotate"))
        XCTAssertEqual(error(["keys"]), .missingArgument("a command (create, list or revoke)", command: "keys"))
        XCTAssertEqual(error(["Serve"]), .unknownCommand("Serve"))
    }

    func testAnOptionWithoutItsValueIsAnError() {
        XCTAssertEqual(error(["--port"]), .missingValue(option: "--port"))
        XCTAssertEqual(error(["--port", "--host", "::"]), .missingValue(option: "--port"))
        XCTAssertEqual(error(["keys", "create", "--role"]), .missingValue(option: "--role"))
        XCTAssertEqual(error(["--port"])?.description, "--port: needs a value")
    }

    func testDoubleDashEndsOptions() {
        XCTAssertEqual(command(["backup", "--", "--odd-name.sqlite"]), .backup(path: "--odd-name.sqlite"))
        XCTAssertEqual(command(["backup", "--db", "a.sqlite", "--", "-"]), .backup(path: "-"))
        XCTAssertEqual(error(["serve", "--", "--port"]), .unexpectedArgument("--port", command: "serve"))
    }

    // MARK: Subcommands

    func testMigrate() {
        XCTAssertEqual(command(["migrate"]), .migrate)
        let parsed = configuration(["migrate", "--db", "x.sqlite", "--sync=normal"])
        XCTAssertEqual(parsed?.db, "x.sqlite")
        XCTAssertEqual(parsed?.sync, .normal)
    }

    func testKeysCreate() {
        XCTAssertEqual(
            command(["keys", "create", "--role", "admin", "--name", "ops laptop"]),
            .keysCreate(role: "admin", name: "ops laptop"))
        XCTAssertEqual(
            command(["keys", "create", "--name=bot", "--role=viewer", "--db", "x.sqlite"]),
            .keysCreate(role: "viewer", name: "bot"))
        for role in ["admin", "sales", "support", "marketing", "viewer"] {
            XCTAssertEqual(
                command(["keys", "create", "--role", role, "--name", "n"]), .keysCreate(role: role, name: "n"))
        }
    }

    func testKeysCreateRequiresAValidRoleAndAName() {
        XCTAssertEqual(
            error(["keys", "create", "--name", "x"]), .missingArgument("--role", command: "keys create"))
        XCTAssertEqual(
            error(["keys", "create", "--name", "x"])?.description, "keys create: --role is required")
        XCTAssertEqual(
            error(["keys", "create", "--name", "x"])?.usageHint, "Run 'crm-server keys create --help' for usage.")
        XCTAssertEqual(
            error(["keys", "create", "--role", "admin"]), .missingArgument("--name", command: "keys create"))
        XCTAssertEqual(
            error(["keys", "create", "--role", "root", "--name", "x"]),
            .invalidValue(
                option: "--role", value: "root", reason: "is not a role (admin, sales, support, marketing, viewer)"))
        XCTAssertEqual(
            error(["keys", "create", "--role", "Admin", "--name", "x"]),
            .invalidValue(
                option: "--role", value: "Admin", reason: "is not a role (admin, sales, support, marketing, viewer)"))
        XCTAssertEqual(
            error(["keys", "create", "--role", "admin", "--name="]),
            .invalidValue(option: "--name", value: "", reason: "is not a key name (1-200 characters)"))
        XCTAssertEqual(
            error(["keys", "create", "--role", "admin", "--name", "x", "extra"]),
            .unexpectedArgument("extra", command: "keys create"))
    }

    func testKeysListAndRevoke() {
        XCTAssertEqual(command(["keys", "list"]), .keysList)
        XCTAssertEqual(command(["keys", "revoke", "42"]), .keysRevoke(id: 42))
        XCTAssertEqual(command(["keys", "revoke", "--db", "x.sqlite", "7"]), .keysRevoke(id: 7))
        XCTAssertEqual(error(["keys", "revoke"]), .missingArgument("ID", command: "keys revoke"))
        for text in ["abc", "0", "-1", "1.5"] where !text.hasPrefix("-") {
            XCTAssertEqual(
                error(["keys", "revoke", text]),
                .invalidValue(option: "ID", value: text, reason: "is not a key id (a positive integer)"))
        }
        XCTAssertEqual(error(["keys", "revoke", "-1"]), .unknownOption("-1", command: "keys revoke"))
        XCTAssertEqual(error(["keys", "revoke", "1", "2"]), .unexpectedArgument("2", command: "keys revoke"))
    }

    func testSeed() {
        XCTAssertEqual(command(["seed", "--customers", "100"]), .seed(customers: 100))
        XCTAssertEqual(command(["seed", "--customers=1"]), .seed(customers: 1))
        XCTAssertEqual(error(["seed"]), .missingArgument("--customers", command: "seed"))
        for text in ["0", "x", "1000001"] {
            XCTAssertEqual(
                error(["seed", "--customers", text]),
                .invalidValue(option: "--customers", value: text, reason: "is not a number of customers (1-1000000)"))
        }
    }

    func testBackup() {
        XCTAssertEqual(command(["backup", "/tmp/copy.sqlite"]), .backup(path: "/tmp/copy.sqlite"))
        XCTAssertEqual(
            parse(["backup", "--db", "live.sqlite", "copy.sqlite"])?.1.db, "live.sqlite")
        XCTAssertEqual(error(["backup"]), .missingArgument("PATH", command: "backup"))
        XCTAssertEqual(error(["backup", "a", "b"]), .unexpectedArgument("b", command: "backup"))
    }

    func testSubcommandsReadOnlyTheirOwnVariables() {
        // An invalid server variable must not stop `keys list` on the same host.
        let environment = ["CRM_PORT": "abc", "CRM_DB": "shared.sqlite", "CRM_SYNC": "normal"]
        guard let (command, configuration) = parse(["keys", "list"], environment: environment) else { return }
        XCTAssertEqual(command, .keysList)
        XCTAssertEqual(configuration.db, "shared.sqlite")
        XCTAssertEqual(configuration.sync, .normal)
        XCTAssertEqual(configuration.port, 8080)
        XCTAssertEqual(
            error([], environment: environment),
            .invalidValue(
                option: "CRM_PORT", value: "abc", reason: "is not a port number (0-65535)"))
    }

    // MARK: Help

    private let serverOptions = [
        ("--db", "CRM_DB", "./crm.sqlite"), ("--host", "CRM_HOST", "127.0.0.1"), ("--port", "CRM_PORT", "8080"),
        ("--header-timeout", "CRM_HEADER_TIMEOUT", "10s"), ("--idle-timeout", "CRM_IDLE_TIMEOUT", "60s"),
        ("--shutdown-timeout", "CRM_SHUTDOWN_TIMEOUT", "10s"),
        ("--max-request-line", "CRM_MAX_REQUEST_LINE", "8KiB"),
        ("--max-header-bytes", "CRM_MAX_HEADER_BYTES", "16KiB"),
        ("--max-body-bytes", "CRM_MAX_BODY_BYTES", "10MiB"), ("--rate-limit", "CRM_RATE_LIMIT", "6000/60s"),
        ("--cors-origins", "CRM_CORS_ORIGINS", "none"),
        ("--metrics-address", "CRM_METRICS_ADDRESS", "the main address"),
        ("--allow-private-webhooks", "CRM_ALLOW_PRIVATE_WEBHOOKS", "off"),
        ("--webhook-backoff", "CRM_WEBHOOK_BACKOFF", "10s"), ("--daily-at", "CRM_DAILY_AT", "02:00"),
        ("--sync", "CRM_SYNC", "full"), ("--base-currency", "CRM_BASE_CURRENCY", "CNY"),
        ("--at-risk-days", "CRM_AT_RISK_DAYS", "90"), ("--churn-days", "CRM_CHURN_DAYS", "180"),
        ("--event-loops", "CRM_EVENT_LOOPS", "one per active processor"),
    ]

    func testHelpListsEveryServerOptionWithItsVariableAndDefault() {
        for arguments in [["--help"], ["-h"], ["help"], ["serve", "--help"], ["serve", "-h"]] {
            let text = help(arguments)
            for (flag, variable, defaultText) in serverOptions {
                XCTAssertTrue(text.contains(flag), "\(arguments) help lacks \(flag)")
                XCTAssertTrue(
                    text.contains("env \(variable), default \(defaultText)"), "\(arguments) help lacks \(variable)")
            }
        }
    }

    func testHelpSaysWhatTheOptionsDoAndWhatTheBaseCurrencyDoes() {
        let lines = help(["serve", "--help"]).split(separator: "\n").map(String.init)
        func summary(_ flag: String) -> String {
            guard let index = lines.firstIndex(where: { $0.hasPrefix("  \(flag)") }), index + 1 < lines.count else { return "" }
            return lines[index + 1]
        }
        XCTAssertTrue(summary("--daily-at").contains("daily automations run"), summary("--daily-at"))
        // Every option is in use: none says otherwise.
        for flag in [
            "--port", "--base-currency", "--at-risk-days", "--sync", "--allow-private-webhooks", "--webhook-backoff", "--daily-at",
        ] {
            XCTAssertFalse(summary(flag).contains("nothing uses it yet"), "\(flag): \(summary(flag))")
        }
        // Orders must carry a currency, so nothing "defaults" to it there: it is the one they may use.
        XCTAssertFalse(summary("--base-currency").contains("default"), summary("--base-currency"))
        XCTAssertTrue(summary("--base-currency").contains("orders"), summary("--base-currency"))
    }

    func testOverviewHelpListsEveryCommand() {
        let text = help(["--help"])
        for usage in [
            "serve", "migrate", "keys create --role ROLE --name NAME", "keys list", "keys revoke ID",
            "seed --customers N", "backup PATH",
        ] {
            XCTAssertTrue(text.contains(usage), "overview lacks \(usage)")
        }
        let keys = help(["keys", "--help"])
        for usage in ["keys create --role ROLE --name NAME", "keys list", "keys revoke ID"] {
            XCTAssertTrue(keys.contains(usage), "keys help lacks \(usage)")
        }
    }

    func testEachSubcommandHelpListsItsOwnOptionsOnly() {
        let cases: [([String], [String])] = [
            (["migrate", "--help"], []),
            (
                ["keys", "create", "--help"],
                ["--role ROLE", "--name NAME", "admin, sales, support, marketing, viewer"]
            ),
            (["keys", "list", "-h"], []),
            (["keys", "revoke", "--help"], ["ID"]),
            (["seed", "--help"], ["--customers N"]),
            (["backup", "--help"], ["PATH"]),
        ]
        for (arguments, specific) in cases {
            let text = help(arguments)
            for expected in specific + [
                "--db PATH", "env CRM_DB, default ./crm.sqlite", "--sync MODE", "env CRM_SYNC, default full", "--help",
            ] {
                XCTAssertTrue(text.contains(expected), "\(arguments) help lacks \(expected)")
            }
            XCTAssertFalse(text.contains("--port"), "\(arguments) help lists --port")
            XCTAssertFalse(text.contains("CRM_RATE_LIMIT"), "\(arguments) help lists CRM_RATE_LIMIT")
        }
    }

    func testHelpCommandShowsACommandsHelp() {
        XCTAssertEqual(help(["help", "migrate"]), help(["migrate", "--help"]))
        XCTAssertEqual(help(["help", "keys", "create"]), help(["keys", "create", "--help"]))
        XCTAssertEqual(help(["help", "keys"]), help(["keys", "--help"]))
        XCTAssertEqual(help(["help"]), help(["--help"]))
        XCTAssertEqual(error(["help", "frobnicate"]), .unknownCommand("frobnicate"))
    }

    func testHelpWinsOverOtherErrorsButNotAfterDoubleDash() {
        XCTAssertNotNil(help(["--bogus", "--help"]))
        XCTAssertNotNil(help(["keys", "create", "--help"]))
        XCTAssertEqual(error(["backup", "--", "--help", "extra"]), .unexpectedArgument("extra", command: "backup"))
        XCTAssertEqual(command(["backup", "--", "--help"]), .backup(path: "--help"))
    }
}
