/// Why a delivery got no HTTP status: the kind, for a caller to decide on (retry, give up,
/// disable the webhook), and a detail for the delivery log.
///
///     case .failure(let failure): log("\(failure)")  // "timeout: no response within 10.0 s"
public struct OutboundFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The request itself is unusable: a header name that is not a token, a value with a
        /// line break, or a header the client writes itself (`Host`, `Content-Length`…).
        case invalidRequest
        /// The host resolved to an address ``AddressPolicy`` refuses; nothing was connected.
        case forbiddenAddress
        /// The name did not resolve (no such host, no address, resolver error).
        case dnsFailure
        /// No address accepted the TCP connection (refused, unreachable).
        case connectFailed
        /// The deadline passed: in resolution, connection, handshake, or waiting for the
        /// response head.
        case timeout
        /// The TLS handshake failed: certificate not trusted or not for this host, no common
        /// protocol version or cipher, or a TLS error later.
        case tlsFailure
        /// The connection was reset or closed before a complete response head arrived.
        case connectionLost
        /// The response head is not HTTP/1.x (RFC 9112), or is larger than the client reads.
        case protocolError
    }

    public let kind: Kind
    /// Human text naming the host, address or rule involved.
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}
