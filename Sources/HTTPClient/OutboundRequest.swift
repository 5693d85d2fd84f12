/// The bytes of one webhook `POST` (RFC 9112 §3, §5, §6): head and body in one buffer, so they
/// usually leave in one segment.
///
///     POST /crm?team=7 HTTP/1.1
///     Host: hooks.example.com
///     User-Agent: crm-server
///     Content-Type: application/json
///     Content-Length: 27
///     Connection: close
///     X-CRM-Signature: t=…,v1=…        ← the caller's headers, in their order
///
/// The caller's headers are checked here, since they end up in a byte stream: a name must be a
/// token and a value free of control characters (HTAB aside), or a line break in a value would
/// start a header, or a request, of its own. The headers the client writes itself may not be
/// given again.
enum OutboundRequest {
    /// Lowercased names of the fields the client writes itself.
    static let ownHeaders: Set<String> = ["host", "user-agent", "content-type", "content-length", "transfer-encoding", "connection"]

    static func encode(url: OutboundURL, headers: [(String, String)], body: [UInt8]) throws(OutboundFailure) -> [UInt8] {
        var head = "POST \(url.pathAndQuery) HTTP/1.1\r\n"
        head += "Host: \(url.authority)\r\n"
        head += "User-Agent: crm-server\r\n"
        head += "Content-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "Connection: close\r\n"
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(\.isTokenCharacter) else {
                throw OutboundFailure(.invalidRequest, "the header name \"\(name)\" is not a token")
            }
            guard !ownHeaders.contains(name.lowercased()) else {
                throw OutboundFailure(.invalidRequest, "the header \(name) is written by the client itself")
            }
            guard value.utf8.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else {
                throw OutboundFailure(.invalidRequest, "the value of the header \(name) contains a control character")
            }
            head += "\(name): \(value)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}
