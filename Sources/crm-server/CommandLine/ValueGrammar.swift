import API

/// The grammars of option values (DESIGN.md, "Command line and
/// configuration"), as pure functions from text to a typed value.
///
/// Each returns `nil` for text outside its grammar; the caller knows which
/// option it was and reports a ``ConfigurationError``. Numbers are ASCII
/// digits only — no sign, no spaces, no `_` — and overflow is an error, never
/// a wrap.
enum ValueGrammar {
    /// An unsigned decimal integer that fits in `Int`.
    static func integer(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflowShift, !overflowAdd else { return nil }
            value = sum
        }
        return value
    }

    /// An integer within `range`.
    static func integer(_ text: some StringProtocol, in range: ClosedRange<Int>) -> Int? {
        guard let value = integer(Substring(text)), range.contains(value) else { return nil }
        return value
    }

    /// A TCP port, 0–65535.
    static func port(_ text: some StringProtocol) -> Int? {
        integer(text, in: 0...65535)
    }

    /// DURATION: an integer followed by `ms`, `s` or `m` (`250ms`, `10s`, `2m`).
    /// A unit is required, so `10` is ambiguous and rejected.
    static func duration(_ text: some StringProtocol, allowingZero: Bool = false) -> Duration? {
        let text = Substring(text)
        let duration: Duration
        if text.hasSuffix("ms"), let count = integer(text.dropLast(2)) {
            duration = .milliseconds(count)
        } else if text.hasSuffix("s"), let count = integer(text.dropLast(1)) {
            duration = .seconds(count)
        } else if text.hasSuffix("m"), let count = integer(text.dropLast(1)) {
            let (seconds, overflow) = count.multipliedReportingOverflow(by: 60)
            guard !overflow else { return nil }
            duration = .seconds(seconds)
        } else {
            return nil
        }
        guard allowingZero || duration > .zero else { return nil }
        return duration
    }

    /// SIZE: a positive integer count of bytes with an optional binary unit
    /// (`512`, `8KiB`, `10MiB`).
    static func size(_ text: some StringProtocol) -> Int? {
        let text = Substring(text)
        let number: Substring
        let multiplier: Int
        if text.hasSuffix("KiB") {
            (number, multiplier) = (text.dropLast(3), 1024)
        } else if text.hasSuffix("MiB") {
            (number, multiplier) = (text.dropLast(3), 1024 * 1024)
        } else {
            (number, multiplier) = (text, 1)
        }
        guard let count = integer(number), count > 0 else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : bytes
    }

    /// `N/DURATION` with N ≥ 1 and a positive window (`6000/60s`). `off` is
    /// handled by the caller, since it is a valid value meaning "no limit".
    static func rateLimit(_ text: some StringProtocol) -> Configuration.RateLimit? {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2,
            let requests = integer(parts[0], in: 1...Int.max),
            let window = duration(parts[1])
        else { return nil }
        return Configuration.RateLimit(requests: requests, window: window)
    }

    /// `HH:MM`, exactly two digits each, 00:00–23:59.
    static func timeOfDay(_ text: some StringProtocol) -> Configuration.TimeOfDay? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
        let string = String(text)
        guard let hour = integer(string.prefix(2), in: 0...23),
            let minute = integer(string.suffix(2), in: 0...59)
        else { return nil }
        return Configuration.TimeOfDay(hour: hour, minute: minute)
    }

    /// A host name or literal address to listen on: letters, digits and
    /// `.-_:%` (the last two for IPv6 literals and their zone), at most 253
    /// characters. Surrounding IPv6 brackets are removed.
    static func host(_ text: some StringProtocol) -> String? {
        var host = Substring(text)
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
            guard host.contains(":") else { return nil }
        }
        guard !host.isEmpty, host.utf8.count <= 253,
            host.utf8.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"),
                    UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "%"):
                    true
                default:
                    false
                }
            })
        else { return nil }
        return String(host)
    }

    /// `host:port`, or `[v6-address]:port`; an IPv6 literal needs its brackets
    /// so that the port is unambiguous.
    static func hostPort(_ text: some StringProtocol) -> Configuration.HostPort? {
        let text = Substring(text)
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostText = text[...close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostText = text[..<colon]
            guard !hostText.contains(":") else { return nil }
            portText = text[text.index(after: colon)...]
        }
        guard let host = host(hostText), let port = port(portText) else { return nil }
        return Configuration.HostPort(host: host, port: port)
    }

    /// A comma-separated list of origins, each `http://` or `https://` then a
    /// host and optional port, with no path (RFC 6454 §6.1 serialisation, as
    /// browsers send it in `Origin`). Spaces around commas and empty items are
    /// ignored, so an empty text is an empty list.
    static func origins(_ text: String) -> [String]? {
        var origins: [String] = []
        for item in text.split(separator: ",") {
            let origin = item.trimmingSpaces
            if origin.isEmpty { continue }
            let authority: Substring
            if origin.hasPrefix("https://") {
                authority = origin.dropFirst(8)
            } else if origin.hasPrefix("http://") {
                authority = origin.dropFirst(7)
            } else {
                return nil
            }
            guard !authority.isEmpty,
                authority.utf8.allSatisfy({ byte in
                    byte > 0x20 && byte < 0x7f && !"/?#*@\\,".utf8.contains(byte)
                })
            else { return nil }
            origins.append(String(origin))
        }
        return origins
    }

    /// `true`/`false`/`1`/`0` (letters in any case), for boolean variables.
    static func boolean(_ text: some StringProtocol) -> Bool? {
        switch text.lowercased() {
        case "true", "1": true
        case "false", "0": false
        default: nil
        }
    }

    /// An ISO 4217 alphabetic code: exactly three capital ASCII letters.
    static func currency(_ text: some StringProtocol) -> String? {
        guard text.utf8.count == 3,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
        else { return nil }
        return String(text)
    }
}

extension Substring {
    /// Without leading and trailing ASCII spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
