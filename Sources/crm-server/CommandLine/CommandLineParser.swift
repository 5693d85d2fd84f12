import API

/// Turns `crm-server`'s arguments and environment into a ``Command`` and a
/// ``Configuration`` (DESIGN.md, "Command line and configuration").
///
/// The grammar is GNU long options, by hand:
/// - the command comes first (`serve` when the first argument is an option or
///   there is none): `serve`, `migrate`, `keys create|list|revoke`, `seed`,
///   `backup`, and `help [COMMAND]`;
/// - `--name value` and `--name=value`; boolean flags take no value;
///   `--` ends options; `-h`/`--help` anywhere asks for the command's help;
/// - each command accepts only its own options; an unknown option or a stray
///   positional is an error, never ignored;
/// - precedence is flag, then environment variable, then default. A variable
///   set to the empty string counts as unset, and variables of options the
///   command does not take are not read at all.
///
/// ```swift
/// let (command, configuration) = try CommandLineParser.parse(
///     arguments: ["serve", "--port=0", "--rate-limit", "off"],
///     environment: ["CRM_DB": "/var/lib/crm/crm.sqlite"])
/// ```
public struct CommandLineParser {
    /// Parses `arguments` (without `argv[0]`) with `environment` as fallback.
    ///
    /// - Returns: the command and the configuration it should run with; for
    ///   ``Command/help(_:)`` the configuration is the default one.
    /// - Throws: ``ConfigurationError``, naming the offending flag, variable
    ///   or argument and its text.
    public static func parse(
        arguments: [String],
        environment: [String: String]
    ) throws -> (Command, Configuration) {
        var remaining = arguments[...]
        let spec: CommandSpec
        switch remaining.first {
        case nil:
            spec = .serve
        case let first? where first.hasPrefix("-"):
            if isHelpRequested(remaining) { return (.help(overviewHelp), Configuration()) }
            spec = .serve
        case "help":
            // `help COMMAND…` is `COMMAND… --help`.
            guard arguments.count > 1 else { return (.help(overviewHelp), Configuration()) }
            return try parse(arguments: Array(arguments.dropFirst()) + ["--help"], environment: environment)
        case "keys":
            remaining.removeFirst()
            switch remaining.first {
            case "create": spec = .keysCreate
            case "list": spec = .keysList
            case "revoke": spec = .keysRevoke
            case nil:
                throw ConfigurationError.missingArgument("a command (create, list or revoke)", command: "keys")
            case let other?:
                if isHelpRequested(remaining) { return (.help(keysHelp), Configuration()) }
                throw ConfigurationError.unknownCommand("keys " + other)
            }
            remaining.removeFirst()
        case let name?:
            guard let found = CommandSpec.topLevel.first(where: { $0.name == name }) else {
                throw ConfigurationError.unknownCommand(name)
            }
            spec = found
            remaining.removeFirst()
        }

        if isHelpRequested(remaining) {
            return (.help(spec.helpText), Configuration())
        }
        let parsed = try scan(remaining, for: spec)
        let configuration = try resolve(spec.options, flags: parsed.flags, environment: environment)
        let command = try spec.build(parsed.arguments, parsed.positionals)
        return (command, configuration)
    }

    /// The roles a key may have (API.md, "Roles").
    public static let roles = ["admin", "sales", "support", "marketing", "viewer"]

    // MARK: Scanning

    /// The command line after the command word, sorted by kind.
    private struct ScannedLine {
        /// Values of configuration flags given, by option name; the last one wins.
        var flags: [String: String] = [:]
        /// Values of command-specific options (`--role`), by name; the last one wins.
        var arguments: [String: String] = [:]
        var positionals: [String] = []
    }

    /// `-h` or `--help` before any `--`.
    private static func isHelpRequested(_ arguments: ArraySlice<String>) -> Bool {
        for argument in arguments {
            if argument == "--" { return false }
            if argument == "-h" || argument == "--help" { return true }
        }
        return false
    }

    private static func scan(
        _ arguments: ArraySlice<String>,
        for spec: CommandSpec
    ) throws(ConfigurationError) -> ScannedLine {
        var line = ScannedLine()
        var remaining = arguments
        var optionsEnded = false
        while let argument = remaining.popFirst() {
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                line.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            guard argument.hasPrefix("--") else {
                throw .unknownOption(argument, command: spec.name)
            }
            let body = argument.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            let flag = "--" + name

            if let option = spec.options.first(where: { $0.name == name }) {
                if option.isBoolean {
                    if let inlineValue { throw .unexpectedValue(option: flag, value: inlineValue) }
                    line.flags[name] = "true"
                } else {
                    line.flags[name] = try value(for: flag, inline: inlineValue, remaining: &remaining)
                }
            } else if spec.arguments.contains(where: { $0.name == name }) {
                line.arguments[name] = try value(for: flag, inline: inlineValue, remaining: &remaining)
            } else {
                throw .unknownOption(flag, command: spec.name)
            }
        }
        guard line.positionals.count <= spec.positionals.count else {
            throw .unexpectedArgument(line.positionals[spec.positionals.count], command: spec.name)
        }
        return line
    }

    /// The value of an option that takes one: after `=`, or the next argument
    /// unless that is itself an option.
    private static func value(
        for flag: String,
        inline: String?,
        remaining: inout ArraySlice<String>
    ) throws(ConfigurationError) -> String {
        if let inline { return inline }
        guard let next = remaining.first, !next.hasPrefix("--") else {
            throw .missingValue(option: flag)
        }
        remaining.removeFirst()
        return next
    }

    /// Applies defaults, then variables, then flags, option by option.
    private static func resolve(
        _ options: [ConfigurationOption],
        flags: [String: String],
        environment: [String: String]
    ) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        for option in options {
            let text: String
            let source: String
            if let flagValue = flags[option.name] {
                (text, source) = (flagValue, option.flag)
            } else if let variableValue = environment[option.variable], !variableValue.isEmpty {
                (text, source) = (variableValue, option.variable)
            } else {
                continue
            }
            guard option.assign(&configuration, text) else {
                throw .invalidValue(option: source, value: text, reason: option.reason)
            }
        }
        return configuration
    }
}
