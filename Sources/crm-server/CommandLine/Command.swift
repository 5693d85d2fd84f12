import API

/// What the process was asked to do: one case per subcommand of DESIGN.md,
/// "Command line and configuration", with its own arguments.
///
/// ```swift
/// let (command, configuration) = try CommandLineParser.parse(
///     arguments: Array(CommandLine.arguments.dropFirst()),
///     environment: ProcessInfo.processInfo.environment)
/// switch command { case .serve: … case .help(let text): print(text) … }
/// ```
public enum Command: Sendable, Equatable {
    /// Serve the JSON API; the default when no command is given.
    case serve
    /// Apply pending migrations and exit.
    case migrate
    /// Create an API key and print its secret alone on stdout.
    case keysCreate(role: String, name: String)
    /// List API keys (never their secrets).
    case keysList
    /// Revoke the API key with this id; the server honours it on its next request.
    case keysRevoke(id: Int)
    /// Fill the database with this many demo customers (deterministic).
    case seed(customers: Int)
    /// Write a consistent online copy of the database to `path`.
    case backup(path: String)
    /// Copy the SQLite database at `from` into the (empty) PostgreSQL database `--db` names.
    case copyDatabase(from: String)
    /// `--help` was asked for: print this text on stdout and exit successfully.
    case help(String)
}
