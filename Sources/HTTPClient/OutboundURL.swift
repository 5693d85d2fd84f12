/// An absolute `http` or `https` URL a webhook is delivered to, parsed strictly (RFC 3986 §3)
/// into exactly what the client needs: scheme, host, port and the request target.
///
/// Strict because the same string is stored, shown, and later resolved by a different parser:
/// anything two parsers might read differently (userinfo, a backslash, `127.1`) is refused
/// rather than interpreted.
///
///     let url = try OutboundURL(parsing: "https://Hooks.Example.com/crm?team=7")
///     url.host          // "hooks.example.com"
///     url.port          // 443
///     url.pathAndQuery  // "/crm?team=7"
///
/// Rules:
/// - At most ``maximumLength`` bytes, all printable ASCII; no space or control byte, and none
///   of the bytes RFC 3986 allows nowhere.
/// - `http://` or `https://`, the scheme in any case; no userinfo (`user@`), no fragment (`#`).
/// - Host: a domain name (letters, digits, `-`, `_`; labels of 1–63 bytes not starting or ending
///   with `-`; one trailing dot allowed), lowercased; or an IPv4 address as four decimal
///   numbers; or an IPv6 address in brackets, without a zone. A name whose last label is
///   numeric must be an IPv4 address (as in the WHATWG URL standard), so `127.1` and
///   `2130706433`, which resolvers read as `127.0.0.1`, are refused.
/// - Port: 1–65535, default 80 or 443.
/// - Path and query: `/` when absent (`https://a.example?x` is `/?x`); RFC 3986 characters
///   only, every `%` followed by two hex digits.
public struct OutboundURL: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http
        case https

        public var defaultPort: Int { self == .http ? 80 : 443 }
    }

    /// Longer URLs are refused (browsers and servers commonly stop near here too).
    public static let maximumLength = 2048

    public let scheme: Scheme
    /// Lowercased, without a trailing dot; an IPv6 address in its canonical form, without
    /// brackets (`[0:0::1]` is `::1`).
    public let host: String
    /// 1–65535.
    public let port: Int
    /// The request target: starts with `/`.
    public let pathAndQuery: String

    public init(parsing text: String) throws(OutboundURLError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= OutboundURL.maximumLength else { throw .tooLong }
        if let bad = bytes.first(where: { $0 <= 0x20 || $0 >= 0x7F || "\\\"<>^`{|}".utf8.contains($0) }) {
            throw .invalidCharacter(bad)
        }
        guard !bytes.contains(UInt8(ascii: "#")) else { throw .fragment }

        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            bytes[0].isLetter,
            bytes[..<colon].allSatisfy({ $0.isLetter || $0.isDigit || "+-.".utf8.contains($0) })
        else { throw .notAbsolute }
        let schemeName = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        guard let scheme = Scheme(rawValue: schemeName) else { throw .unsupportedScheme(schemeName) }
        guard bytes[(colon + 1)...].starts(with: "//".utf8) else { throw .notAbsolute }

        let authorityStart = colon + 3
        let authorityEnd =
            bytes[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? bytes.endIndex
        let authority = bytes[authorityStart..<authorityEnd]
        guard !authority.contains(UInt8(ascii: "@")) else { throw .userinfo }
        let (host, portText) = try OutboundURL.splitAuthority(authority)

        var port = scheme.defaultPort
        if let portText {
            guard (1...5).contains(portText.count), portText.allSatisfy(\.isDigit),
                let number = Int(String(decoding: portText, as: UTF8.self)), (1...65535).contains(number)
            else { throw .invalidPort }
            port = number
        }

        let target = bytes[authorityEnd...]
        try OutboundURL.validateTarget(target)
        let targetText = String(decoding: target, as: UTF8.self)

        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathAndQuery = target.first == UInt8(ascii: "/") ? targetText : "/" + targetText
    }

    /// The host as an IP address when it is a literal one (never resolves a name).
    public var ipAddress: IPAddress? { IPAddress(literal: host) }

    /// `host[:port]` as the `Host` header and the URL write it: IPv6 in brackets, the port only
    /// when it is not the scheme's default (RFC 9110 §7.2).
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// The URL in its normalized form: `https://hooks.example.com/crm?team=7`.
    public var description: String { "\(scheme.rawValue)://\(authority)\(pathAndQuery)" }

    /// The host (normalized) and the port digits, if a `:` gave any.
    private static func splitAuthority(_ authority: ArraySlice<UInt8>) throws(OutboundURLError) -> (String, ArraySlice<UInt8>?) {
        guard let first = authority.first else { throw .emptyHost }
        if first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw .invalidIPv6 }
            let literal = String(decoding: authority[(authority.startIndex + 1)..<close], as: UTF8.self)
            guard let address = IPAddress(literal: literal), case .v6 = address else { throw .invalidIPv6 }
            let rest = authority[(close + 1)...]
            guard rest.isEmpty || rest.first == UInt8(ascii: ":") else { throw .invalidHost }
            return (address.description, rest.isEmpty ? nil : rest.dropFirst())
        }
        // More than one colon: an IPv6 address without its brackets.
        guard authority.count(where: { $0 == UInt8(ascii: ":") }) <= 1 else { throw .invalidHost }
        var name = authority
        var portText: ArraySlice<UInt8>?
        if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            name = authority[..<colon]
            portText = authority[(colon + 1)...]
        }
        return (try validateHostName(name), portText)
    }

    /// A domain name or a dotted-decimal IPv4 address, lowercased and without a trailing dot.
    private static func validateHostName(_ name: ArraySlice<UInt8>) throws(OutboundURLError) -> String {
        guard !name.isEmpty else { throw .emptyHost }
        let trimmed = Array(String(decoding: name.last == UInt8(ascii: ".") ? name.dropLast() : name, as: UTF8.self).lowercased().utf8)
        let labels = trimmed.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let text = String(decoding: trimmed, as: UTF8.self)
        // Resolvers read a name ending in a numeric label as an IPv4 address in any of
        // inet_aton's forms: only the dotted-decimal one is accepted, so that the host
        // judged when the URL is saved is the address connected to.
        if let last = labels.last, !last.isEmpty, last.allSatisfy(\.isDigit) || last.starts(with: "0x".utf8) {
            guard case .v4 = IPAddress(literal: text) else { throw .invalidIPv4 }
            return text
        }
        guard trimmed.count <= 253 else { throw .invalidHost }
        for label in labels {
            guard (1...63).contains(label.count),
                label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                label.allSatisfy({ $0.isLetter || $0.isDigit || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
            else { throw .invalidHost }
        }
        return text
    }

    /// Path and query (RFC 3986 §3.3, §3.4): unreserved, sub-delims, `:`, `@`, `/`, `?` and
    /// percent-encoded bytes.
    private static func validateTarget(_ target: ArraySlice<UInt8>) throws(OutboundURLError) {
        var index = target.startIndex
        while index < target.endIndex {
            let byte = target[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < target.endIndex, target[index + 1].isHexDigit, target[index + 2].isHexDigit
                else { throw .invalidPercentEncoding }
                index += 3
                continue
            }
            guard byte.isLetter || byte.isDigit || "-._~!$&'()*+,;=:@/?".utf8.contains(byte) else {
                throw .invalidCharacter(byte)
            }
            index += 1
        }
    }
}
