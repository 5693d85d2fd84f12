import Foundation
import PackagePlugin

/// Turns files that live outside the Swift targets into Swift source at build time, so the
/// binary carries them and finds them from any working directory:
/// - for `CRM`: `Migrations/*.sql` (the schema's only source of truth) as `embeddedMigrations`;
/// - for `API`: `docs/openapi.yaml` (served at `GET /v1/openapi.yaml`) as `OpenAPIDocument.yaml`.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let tool = try context.tool(named: "resource-embedder").url
        let root = context.package.directoryURL
        switch target.name {
        case "CRM":
            let folder = root.appending(path: "Migrations")
            let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
            return [
                // The tool lists the folder itself when it runs: SwiftPM may reuse this command
                // from an earlier plugin run, and a file list fixed here would then miss a new
                // migration. The folder is an input, so adding a file (which changes the folder)
                // re-runs the command; the files are inputs, so editing one does too.
                .buildCommand(
                    displayName: "Embedding migrations",
                    executable: tool,
                    arguments: ["migrations", output.path, folder.path],
                    inputFiles: files + [folder],
                    outputFiles: [output])
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
}
