import API

/// Why a command line or environment could not be turned into a
/// ``Command`` and a ``Configuration``.
///
/// Each case names where the problem is — a flag such as `--port`, a variable
/// such as `CRM_PORT`, or a positional such as `ID` — and the rejected text,
/// so the message alone tells the operator what to fix:
///
/// ```
/// --port: "abc" is not a port number (0-65535)
/// CRM_RATE_LIMIT: "6000" is not a rate limit (N/DURATION such as 6000/60s, or off)
/// keys create: --role is required
/// ```
public enum ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `value` given to `option` (a flag, a variable or a positional name)
    /// does not match its grammar; `reason` completes the sentence
    /// "`value` …", e.g. "is not a port number (0-65535)".
    case invalidValue(option: String, value: String, reason: String)
    /// An option that takes a value was last on the line or followed by
    /// another option.
    case missingValue(option: String)
    /// A boolean flag, which takes no value, was written `--flag=value`.
    case unexpectedValue(option: String, value: String)
    /// An option `command` does not accept.
    case unknownOption(String, command: String)
    /// A positional argument `command` does not take.
    case unexpectedArgument(String, command: String)
    /// A required option or positional (`--role`, `ID`, `PATH`) is absent.
    case missingArgument(String, command: String)
    /// The first argument names no command.
    case unknownCommand(String)

    public var description: String {
        switch self {
        case .invalidValue(let option, let value, let reason):
            "\(option): \(value.debugDescription) \(reason)"
        case .missingValue(let option):
            "\(option): needs a value"
        case .unexpectedValue(let option, let value):
            "\(option): takes no value, but was given \(value.debugDescription)"
        case .unknownOption(let option, let command):
            "\(command): unknown option \(option.debugDescription) (see crm-server \(command) --help)"
        case .unexpectedArgument(let argument, let command):
            "\(command): unexpected argument \(argument.debugDescription) (see crm-server \(command) --help)"
        case .missingArgument(let name, let command):
            "\(command): \(name) is required (see crm-server \(command) --help)"
        case .unknownCommand(let name):
            "unknown command \(name.debugDescription) (see crm-server --help)"
        }
    }
}
