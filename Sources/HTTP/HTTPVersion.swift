/// An HTTP protocol version, `HTTP/major.minor` (RFC 9110 §2.5, RFC 9112 §2.3).
///
/// The parser serves `HTTP/1.0` and `HTTP/1.1`; a request announcing `HTTP/1.2` … `HTTP/1.9`
/// is served as ``http11`` (RFC 9110 §6.2: a server may send a response in the highest minor
/// version it supports within the request's major version). Any other major version is
/// `505 HTTP Version Not Supported`.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http10 = HTTPVersion(major: 1, minor: 0)
    public static let http11 = HTTPVersion(major: 1, minor: 1)

    /// `"HTTP/1.1"`, as written on a status line.
    public var description: String { "HTTP/\(major).\(minor)" }
}
