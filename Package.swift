// swift-tools-version:6.0
// crm-server: one binary, one SQLite file, no package dependencies (DESIGN.md).
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
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "HTTP", swiftSettings: strict),
        .target(
            name: "CRM",
            dependencies: ["SQLite"],
            swiftSettings: strict,
            plugins: ["EmbedMigrations"]
        ),
        .target(name: "API", dependencies: ["HTTP", "CRM", "SQLite"], swiftSettings: strict),
        .executableTarget(name: "crm-server", dependencies: ["API"], swiftSettings: strict),

        // Build-time only: turns Migrations/*.sql into Swift source so the binary
        // carries its schema and finds it from any working directory.
        .executableTarget(name: "migration-embedder", path: "Sources/MigrationEmbedder", swiftSettings: strict),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["migration-embedder"],
            path: "Sources/EmbedMigrationsPlugin"
        ),

        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: strict),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"], swiftSettings: strict),
        .testTarget(name: "CRMTests", dependencies: ["CRM", "SQLite"], swiftSettings: strict),
        .testTarget(name: "APITests", dependencies: ["API", "CRM", "HTTP"], swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["API", "CRM", "HTTP", "SQLite"],
            swiftSettings: strict
        ),
    ]
)
