import API

/// The `--help` texts, generated from the same ``CommandSpec`` and
/// ``ConfigurationOption`` declarations the parser uses, so every option
/// appears with its variable and default exactly as it is parsed.
extension CommandLineParser {
    /// `crm-server --help`: the commands, then `serve`'s options (the default command).
    static var overviewHelp: String {
        var text = """
            crm-server: a CRM JSON API server on one SQLite file.

            Usage: crm-server [COMMAND] [options]

            Commands:

            """
        text += commandsHelp(CommandSpec.all)
        text += """

            Run 'crm-server COMMAND --help' for a command's options. Each option
            can also be set by its environment variable; a flag wins over it.
            DURATION is an integer with ms, s or m; SIZE an integer with an
            optional KiB or MiB.

            Options of serve:

            """
        text += optionsHelp(CommandSpec.serve.options)
        return text
    }

    /// `crm-server keys --help`.
    static var keysHelp: String {
        var text = "Usage: crm-server keys COMMAND [options]\n\nManage API keys.\n\nCommands:\n"
        text += commandsHelp([.keysCreate, .keysList, .keysRevoke])
        text += "\nRun 'crm-server keys COMMAND --help' for a command's options.\n"
        return text
    }

    /// One entry per option: the flag, what it does, its variable and default.
    static func optionsHelp(_ options: [ConfigurationOption]) -> String {
        var text = ""
        for option in options {
            let flag = option.flag + (option.placeholder.map { " " + $0 } ?? "")
            text += "  \(flag)\n"
            text += "      \(option.summary)\n"
            text += "      env \(option.variable), default \(option.defaultText)\n"
        }
        text += "  -h, --help\n      show this help\n"
        return text
    }

    /// One entry per command: its usage, then what it does.
    private static func commandsHelp(_ specs: [CommandSpec]) -> String {
        specs.map { "  \($0.usage)\n      \($0.summary)\n" }.joined()
    }
}

extension CommandSpec {
    /// `crm-server <command> --help`.
    var helpText: String {
        var text = "Usage: crm-server \(usage)\n\n\(summary)\n"
        if !positionals.isEmpty || !arguments.isEmpty {
            text += "\nArguments:\n"
            for positional in positionals {
                text += "  \(positional.name)\n      \(positional.summary)\n"
            }
            for argument in arguments {
                text += "  --\(argument.name) \(argument.placeholder)\n      \(argument.summary)\n"
            }
        }
        text += "\nOptions (each also read from its environment variable; the flag wins):\n"
        text += CommandLineParser.optionsHelp(options)
        return text
    }
}
