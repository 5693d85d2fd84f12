/// Why a string is not a URL webhooks may be delivered to (``OutboundURL/init(parsing:)``);
/// ``reason`` says it to a person, e.g. in a `422` field error.
public enum OutboundURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Longer than ``OutboundURL/maximumLength`` bytes.
    case tooLong
    /// No `scheme://` at the start.
    case notAbsolute
    /// A scheme other than `http` or `https` (lowercased).
    case unsupportedScheme(String)
    /// A space, control or non-ASCII byte, or one RFC 3986 allows nowhere: backslash, `"`, `<`,
    /// `>`, `^`, backtick, `{`, `|`, `}`, and `[` or `]` outside an IPv6 host.
    case invalidCharacter(UInt8)
    /// `user:password@` before the host: credentials belong in headers, not in a URL that is
    /// stored and logged.
    case userinfo
    /// `#…`: a fragment is never sent to the server, so it can only mislead.
    case fragment
    case emptyHost
    /// Not a domain name: a label empty, longer than 63 bytes, starting or ending with `-`, or
    /// a byte other than letters, digits, `-` and `_`.
    case invalidHost
    /// The host's last label is numeric, so resolvers read it as an IPv4 address, but it is not
    /// four decimal numbers 0–255 (`127.1`, `0x7f.0.0.1`, `2130706433`).
    case invalidIPv4
    /// The bracketed host is not an IPv6 address, or has a zone (`%25eth0`).
    case invalidIPv6
    /// Not a number from 1 to 65535.
    case invalidPort
    /// A `%` not followed by two hex digits.
    case invalidPercentEncoding

    /// A sentence for a person: what is wrong and, where it helps, what to write instead.
    public var reason: String {
        switch self {
        case .tooLong:
            "the URL is longer than \(OutboundURL.maximumLength) characters"
        case .notAbsolute:
            "the URL must be absolute, starting with http:// or https://"
        case .unsupportedScheme(let scheme):
            "the scheme \"\(scheme)\" is not supported: use http or https"
        case .invalidCharacter(let byte) where byte <= 0x20 || byte == 0x7F:
            "the URL contains a space or a control character"
        case .invalidCharacter(let byte) where byte >= 0x80:
            "the URL contains a non-ASCII character: percent-encode it, and write an international domain name in punycode"
        case .invalidCharacter(let byte):
            "the URL contains the character \(Character(Unicode.Scalar(byte))), which is not allowed there"
        case .userinfo:
            "the URL must not contain a user name or password"
        case .fragment:
            "the URL must not contain a fragment (#…)"
        case .emptyHost:
            "the URL has no host"
        case .invalidHost:
            "the host is not a valid domain name"
        case .invalidIPv4:
            "the host is numeric but not an IPv4 address written as four numbers from 0 to 255"
        case .invalidIPv6:
            "the host in brackets is not an IPv6 address (zones are not supported)"
        case .invalidPort:
            "the port must be a number from 1 to 65535"
        case .invalidPercentEncoding:
            "every % in the URL must be followed by two hex digits"
        }
    }

    public var description: String { reason }
}
