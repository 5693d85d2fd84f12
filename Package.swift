// swift-tools-version:6.0
// crm-server: one binary, one SQLite file, no package dependencies: the toolchain, libsqlite3 and
// OpenSSL's libssl only (docs/architecture.md); libpq for PostgreSQL, which only `migrate` uses so far.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "crm-server",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "crm-server", targets: ["crm-server"])
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // epoll and eventfd, which Swift's Glibc module leaves out: headers only, no C code.
        .systemLibrary(name: "CLinux"),
        // TLS for outbound HTTPS (webhook delivery): the system's OpenSSL 3, so certificates are
        // checked against the same CA store as every other program on the machine.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // libpq, PostgreSQL's client library: the second engine (issue 16). Only the PostgreSQL
        // schema's migrator uses it so far.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // What both engines' single writers and pools share: the lock-and-condition state and the
        // queue of write jobs (group commit). No engine in it.
        .target(name: "WriteQueue", swiftSettings: strict),
        .target(name: "SQLite", dependencies: ["CSQLite", "WriteQueue"], swiftSettings: strict),
        // The PostgreSQL twin of SQLite: connection, prepared statements, rows, typed errors,
        // transactions with retries, advisory locks, LISTEN/NOTIFY and a connection pool.
        .target(name: "Postgres", dependencies: ["CLibPQ", "WriteQueue"], swiftSettings: strict),
        // RFC 8259 JSON reading and writing: no CRM knowledge, shared by CRM (records, change
        // feed) and API (request bodies, responses).
        .target(name: "JSON", swiftSettings: strict),
        // SHA-256, HMAC, constant-time comparison, secure random bytes, hex, base64url; ChaCha20 and
        // SecretBox to keep secrets encrypted at rest, and SecretKeyFile for their master key.
        .target(name: "Crypto", swiftSettings: strict),
        .target(name: "HTTP", dependencies: ["CLinux"], swiftSettings: strict),
        // The outbound side: one blocking HTTP/1.1 POST with a deadline, refusing private and
        // loopback addresses (SSRF). Apart from HTTP, which serves and never calls out.
        .target(name: "HTTPClient", dependencies: ["COpenSSL", "CLinux"], swiftSettings: strict),
        .target(
            name: "CRM",
            // Postgres for the PostgreSQL schema and its migrator (Schema+Postgres.swift); the
            // stores do not use it yet.
            dependencies: ["SQLite", "Postgres", "JSON", "Crypto"],
            swiftSettings: strict,
            plugins: ["EmbedResources"]
        ),
        .target(
            name: "API",
            // No SQLite: routes hand the database on to CRM and never read it. Members of types
            // from modules API does not import are invisible here (MemberImportVisibility), so a
            // row, a column or a binding cannot be touched, and .ci/run fails on any
            // `import SQLite` under Sources/API.
            dependencies: ["HTTP", "CRM", "JSON", "Crypto", "HTTPClient", "CLinux"],
            swiftSettings: strict + [.enableUpcomingFeature("MemberImportVisibility")],
            plugins: ["EmbedResources"]
        ),
        // Postgres: `migrate` opens its own connection for a postgres:// database.
        .executableTarget(name: "crm-server", dependencies: ["API", "CRM", "Postgres"], swiftSettings: strict),

        // Build-time only: turns Migrations/*.sql and docs/openapi.yaml into Swift source so
        // the binary carries them and finds them from any working directory.
        .executableTarget(name: "resource-embedder", path: "Sources/ResourceEmbedder", swiftSettings: strict),
        .plugin(
            name: "EmbedResources",
            capability: .buildTool(),
            dependencies: ["resource-embedder"],
            path: "Sources/EmbedResourcesPlugin"
        ),

        // libFuzzer harnesses (README "Fuzzing", .ci/fuzz): built with -sanitize=fuzzer they fuzz,
        // built plainly (as here, by `swift build`) they replay files. Corpus: Tests/Fuzz/corpus.
        .executableTarget(name: "FuzzHTTPParser", dependencies: ["HTTP"], path: "Tests/Fuzz/HTTPParser", swiftSettings: strict),
        .executableTarget(name: "FuzzJSON", dependencies: ["JSON"], path: "Tests/Fuzz/JSON", swiftSettings: strict),

        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "WriteQueue"], swiftSettings: strict),
        // The throwaway PostgreSQL cluster (the `postgresql` package's binaries), started once per
        // test run, and a test case with a fresh database per test: for test targets only.
        .target(name: "PostgresTestSupport", dependencies: ["Postgres"], path: "Tests/PostgresTestSupport", swiftSettings: strict),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "PostgresTestSupport"], swiftSettings: strict),
        // The PostgreSQL schema against the SQLite one (tables, columns, indexes, triggers) and
        // `crm-server migrate --db postgres://…`, on the throwaway cluster.
        .testTarget(
            name: "PostgresSchemaTests",
            dependencies: ["crm-server", "CRM", "SQLite", "Postgres", "PostgresTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"], swiftSettings: strict),
        // COpenSSL too: the TLS tests run a small OpenSSL server of their own.
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "COpenSSL"], swiftSettings: strict),
        .testTarget(name: "CommandLineTests", dependencies: ["crm-server", "API"], swiftSettings: strict),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strict),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"], swiftSettings: strict),
        .testTarget(name: "CRMTests", dependencies: ["CRM", "SQLite", "JSON", "Crypto"], swiftSettings: strict),
        .testTarget(name: "APITests", dependencies: ["API", "CRM", "HTTP", "JSON", "Crypto"], swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["API", "CRM", "HTTP", "SQLite", "Postgres", "JSON", "Crypto", "PostgresTestSupport"],
            swiftSettings: strict
        ),
    ]
)
