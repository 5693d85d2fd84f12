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
///
/// The message names the problem only; ``usageHint`` is the one pointer to help printed after
/// it, so a mistyped flag reads as one error and one hint, not two hints.
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
            "\(command): unknown option \(option.debugDescription)"
        case .unexpectedArgument(let argument, let command):
            "\(command): unexpected argument \(argument.debugDescription)"
        case .missingArgument(let name, let command):
            "\(command): \(name) is required"
        case .unknownCommand(let name):
            "unknown command \(name.debugDescription)"
        }
    }

    /// Where to read the usage: the help of the command the error is about when it names one,
    /// else the overview (which lists every command and `serve`'s options).
    public var usageHint: String {
        switch self {
        case .unknownOption(_, let command), .unexpectedArgument(_, let command), .missingArgument(_, let command):
            "Run 'crm-server \(command) --help' for usage."
        case .invalidValue, .missingValue, .unexpectedValue, .unknownCommand:
            "Run 'crm-server --help' for usage."
        }
    }
}
