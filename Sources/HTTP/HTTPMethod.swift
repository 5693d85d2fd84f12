/// The request methods this server implements.
///
/// Methods are case-sensitive tokens (RFC 9110 §9.1): `get` is a valid token but not `GET`.
/// The other methods RFC 9110 defines (`TRACE`, `CONNECT`), and `QUERY` (the IETF's safe method
/// with a body, in IANA's method registry; clients and contract fuzzers send it), are
/// ``other(_:)``: known, served by no route, so a known path answers `405` with `Allow` (RFC 9110 §15.5.6) and an unknown path
/// `404`, as for any method the path does not take. Any other token is a method the server does
/// not recognise: the parser answers `501` (RFC 9110 §15.6.2) and closes.
public enum HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    case get, head, post, put, patch, delete, options
    /// A method token this server implements nowhere, as sent.
    case other(String)

    /// The method token as it appears on the request line, e.g. `"GET"`.
    public var name: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .patch: "PATCH"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .other(let token): token
        }
    }

    public var description: String { name }

    /// The method named exactly `name` (case-sensitive), or `nil` when it is not one of ours.
    public init?(name: String) {
        var name = name
        guard let method = name.withUTF8({ HTTPMethod(token: $0) }) else { return nil }
        self = method
    }

    /// Whether `token` is a method of HTTP that this server knows and implements nowhere.
    static func isDefinedElsewhere(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        token.elementsEqual("TRACE".utf8) || token.elementsEqual("CONNECT".utf8) || token.elementsEqual("QUERY".utf8)
    }

    /// Matches the raw method token of a request line without creating a `String`.
    init?(token: UnsafeBufferPointer<UInt8>) {
        func matches(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == token.count else { return false }
            let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            return bytes.elementsEqual(token)
        }
        switch token.count {
        case 3:
            if matches("GET") { self = .get } else if matches("PUT") { self = .put } else { return nil }
        case 4:
            if matches("POST") { self = .post } else if matches("HEAD") { self = .head } else { return nil }
        case 5:
            if matches("PATCH") { self = .patch } else { return nil }
        case 6:
            if matches("DELETE") { self = .delete } else { return nil }
        case 7:
            if matches("OPTIONS") { self = .options } else { return nil }
        default:
            return nil
        }
    }
}
