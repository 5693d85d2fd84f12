/// A request the parser refuses: the status to answer with and a short reason for the log.
///
/// After an error the parser is dead; the connection answers ``status`` once, with
/// `Connection: close`, and closes (DESIGN.md "HTTP rules").
///
/// ```swift
/// case .error(let error): respond(status: error.status, closing: true)
/// ```
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code to answer with (400, 413, 414, 431, 501 or 505).
    public let status: Int
    /// Short human text saying which rule was broken, e.g. `"obs-fold in header"`.
    public let reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status) \(reason)" }

    /// `400 Bad Request`: the bytes are not a well-formed request (RFC 9112 §2.2, §3, §5, §6, §7).
    public static func badRequest(_ reason: String) -> HTTPParseError {
        HTTPParseError(status: 400, reason: reason)
    }

    /// `501 Not Implemented`: an unknown method or transfer coding (RFC 9110 §9.1, RFC 9112 §6.1).
    public static func notImplemented(_ reason: String) -> HTTPParseError {
        HTTPParseError(status: 501, reason: reason)
    }

    /// `505 HTTP Version Not Supported` (RFC 9110 §15.6.6).
    public static let versionNotSupported = HTTPParseError(status: 505, reason: "HTTP version not supported")

    /// `414 URI Too Long`: the request line exceeds ``ParserLimits/maxRequestLine`` (RFC 9112 §3).
    public static let uriTooLong = HTTPParseError(status: 414, reason: "request line too long")

    /// `431 Request Header Fields Too Large`: the head exceeds ``ParserLimits/maxHeaderBytes``
    /// (RFC 6585 §5).
    public static let headersTooLarge = HTTPParseError(status: 431, reason: "header section too large")

    /// `413 Content Too Large`: the body exceeds ``ParserLimits/maxBodyBytes`` (RFC 9110 §15.5.14).
    public static let payloadTooLarge = HTTPParseError(status: 413, reason: "content too large")
}
