import API

/// What one subcommand accepts and how its arguments become a ``Command``.
///
/// Each subcommand is declared once here; parsing and help both read it.
struct CommandSpec: Sendable {
    /// A command-specific option with a value, such as `--role ROLE`; it has
    /// no environment variable because it describes one invocation.
    struct Argument: Sendable {
        let name: String
        let placeholder: String
        let summary: String
    }

    /// As typed: `keys create`.
    let name: String
    /// What follows `crm-server` in the usage line.
    let usage: String
    let summary: String
    /// Configuration options read from flags and the environment.
    let options: [ConfigurationOption]
    let arguments: [Argument]
    /// Names of positional arguments, in order, for usage and errors (`ID`).
    let positionals: [(name: String, summary: String)]
    /// Validates command-specific options and positionals into the command.
    let build: @Sendable ([String: String], [String]) throws(ConfigurationError) -> Command
}

extension CommandSpec {
    static let serve = CommandSpec(
        name: "serve", usage: "serve [options]",
        summary: "Serve the JSON API (the default when no command is given).",
        options: ConfigurationOption.server, arguments: [], positionals: [],
        build: { _, _ in .serve })

    static let migrate = CommandSpec(
        name: "migrate", usage: "migrate [options]",
        summary: "Apply pending migrations, each once and in order, then exit.",
        options: ConfigurationOption.storage, arguments: [], positionals: [],
        build: { _, _ in .migrate })

    static let keysCreate = CommandSpec(
        name: "keys create", usage: "keys create --role ROLE --name NAME [options]",
        summary: "Create an API key and print its secret alone on stdout.",
        options: ConfigurationOption.storage,
        arguments: [
            Argument(
                name: "role", placeholder: "ROLE",
                summary: "required: " + CommandLineParser.roles.joined(separator: ", ")),
            Argument(name: "name", placeholder: "NAME", summary: "required: a label for the key"),
        ],
        positionals: [],
        build: { arguments, _ throws(ConfigurationError) in
            guard let role = arguments["role"] else {
                throw .missingArgument("--role", command: "keys create")
            }
            guard CommandLineParser.roles.contains(role) else {
                throw .invalidValue(
                    option: "--role", value: role,
                    reason: "is not a role (" + CommandLineParser.roles.joined(separator: ", ") + ")")
            }
            guard let name = arguments["name"] else {
                throw .missingArgument("--name", command: "keys create")
            }
            guard !name.allSatisfy(\.isWhitespace), name.count <= 200 else {
                throw .invalidValue(option: "--name", value: name, reason: "is not a key name (1-200 characters)")
            }
            return .keysCreate(role: role, name: name)
        })

    static let keysList = CommandSpec(
        name: "keys list", usage: "keys list [options]",
        summary: "List API keys: id, name, role, created and revoked times (never secrets).",
        options: ConfigurationOption.storage, arguments: [], positionals: [],
        build: { _, _ in .keysList })

    static let keysRevoke = CommandSpec(
        name: "keys revoke", usage: "keys revoke ID [options]",
        summary: "Revoke an API key; a running server refuses it on its next request.",
        options: ConfigurationOption.storage, arguments: [],
        positionals: [("ID", "the key's id, as keys list shows it")],
        build: { _, positionals throws(ConfigurationError) in
            guard let text = positionals.first else {
                throw .missingArgument("ID", command: "keys revoke")
            }
            guard let id = ValueGrammar.integer(text, in: 1...Int.max) else {
                throw .invalidValue(option: "ID", value: text, reason: "is not a key id (a positive integer)")
            }
            return .keysRevoke(id: id)
        })

    static let seed = CommandSpec(
        name: "seed", usage: "seed --customers N [options]",
        summary: "Fill the database with realistic, deterministic demo data.",
        options: ConfigurationOption.storage,
        arguments: [
            Argument(name: "customers", placeholder: "N", summary: "required: how many customers (1-1000000)")
        ],
        positionals: [],
        build: { arguments, _ throws(ConfigurationError) in
            guard let text = arguments["customers"] else {
                throw .missingArgument("--customers", command: "seed")
            }
            guard let count = ValueGrammar.integer(text, in: 1...1_000_000) else {
                throw .invalidValue(
                    option: "--customers", value: text, reason: "is not a number of customers (1-1000000)")
            }
            return .seed(customers: count)
        })

    static let backup = CommandSpec(
        name: "backup", usage: "backup PATH [options]",
        summary: "Write a consistent copy of the database to PATH, even while a server runs.",
        options: ConfigurationOption.storage, arguments: [],
        positionals: [("PATH", "the file to write")],
        build: { _, positionals throws(ConfigurationError) in
            guard let path = positionals.first else {
                throw .missingArgument("PATH", command: "backup")
            }
            guard !path.isEmpty, !path.utf8.contains(0) else {
                throw .invalidValue(option: "PATH", value: path, reason: "is not a file path")
            }
            return .backup(path: path)
        })

    static let copyDatabase = CommandSpec(
        name: "copy-db", usage: "copy-db SQLITE_PATH --db postgres://… [options]",
        summary: "Copy a SQLite database, ids, versions and feed included, into an empty PostgreSQL one.",
        options: ConfigurationOption.storage, arguments: [],
        positionals: [("SQLITE_PATH", "the SQLite file to copy (stop its server first)")],
        build: { _, positionals throws(ConfigurationError) in
            guard let path = positionals.first else {
                throw .missingArgument("SQLITE_PATH", command: "copy-db")
            }
            guard !path.isEmpty, !path.utf8.contains(0), !path.hasPrefix("postgres://"), !path.hasPrefix("postgresql://") else {
                throw .invalidValue(option: "SQLITE_PATH", value: path, reason: "is not a SQLite file path")
            }
            return .copyDatabase(from: path)
        })

    /// Commands named by one word (the `keys` family is looked up by its second).
    static let topLevel: [CommandSpec] = [serve, migrate, seed, backup, copyDatabase]

    /// Every command, in help order.
    static let all: [CommandSpec] = [serve, migrate, keysCreate, keysList, keysRevoke, seed, backup, copyDatabase]
}
