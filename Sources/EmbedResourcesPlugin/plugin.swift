import Foundation
import PackagePlugin

/// Turns files that live outside the Swift targets into Swift source at build time, so the
/// binary carries them and finds them from any working directory:
/// - for `CRM`: `Migrations/*.sql` (the schema's only source of truth) as `embeddedMigrations`, and
///   `Migrations/postgres/*.sql` (the same schema for PostgreSQL) as `embeddedPostgresMigrations`;
/// - for `API`: `docs/openapi.yaml` (served at `GET /v1/openapi.yaml`) as `OpenAPIDocument.yaml`.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let tool = try context.tool(named: "resource-embedder").url
        let root = context.package.directoryURL
        switch target.name {
        case "CRM":
            // Each engine's migrations from its own folder: `Migrations/*.sql` for SQLite (the
            // `postgres` folder inside it is not a .sql file, and the tool lists regular files only),
            // `Migrations/postgres/*.sql` for PostgreSQL.
            return try [
                migrationsCommand(
                    context: context, tool: tool, folder: root.appending(path: "Migrations"),
                    variable: "embeddedMigrations", fileName: "EmbeddedMigrations.swift",
                    displayName: "Embedding migrations"),
                migrationsCommand(
                    context: context, tool: tool, folder: root.appending(path: "Migrations/postgres"),
                    variable: "embeddedPostgresMigrations", fileName: "EmbeddedPostgresMigrations.swift",
                    displayName: "Embedding PostgreSQL migrations"),
            ]
        case "API":
            let file = root.appending(path: "docs/openapi.yaml")
            let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocument.swift")
            return [
                .buildCommand(
                    displayName: "Embedding docs/openapi.yaml",
                    executable: tool,
                    arguments: ["openapi", output.path, file.path],
                    inputFiles: [file],
                    outputFiles: [output])
            ]
        default:
            return []
        }
    }

    /// The command that writes `fileName`, declaring `variable` with every `*.sql` file of `folder`.
    private func migrationsCommand(
        context: PluginContext, tool: URL, folder: URL, variable: String, fileName: String, displayName: String
    ) throws -> Command {
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
            .filter { $0.pathExtension == "sql" && (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: fileName)
        // The tool lists the folder itself when it runs: SwiftPM may reuse this command from an
        // earlier plugin run, and a file list fixed here would then miss a new migration. The
        // folder is an input, so adding a file (which changes the folder) re-runs the command; the
        // files are inputs, so editing one does too.
        return .buildCommand(
            displayName: displayName,
            executable: tool,
            arguments: ["migrations", output.path, variable, folder.path],
            inputFiles: files + [folder],
            outputFiles: [output])
    }
}
