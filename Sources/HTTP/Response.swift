/// A response as a handler builds it; the connection adds `Date`, `Server`, `X-Request-Id`,
/// the framing headers and `Connection` when it encodes it.
public struct Response: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: ResponseBody

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = .bytes(body)
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], stream: StreamingBody) {
        self.status = status
        self.headers = headers
        self.body = .stream(stream)
    }

    /// The first value of a header the handler set, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        let lowered = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lowered }
        headers.append((name, value))
    }
}

/// How the body is sent: all at once with `Content-Length`, or produced piece by piece
/// with chunked transfer coding (exports), in constant memory.
public enum ResponseBody: Sendable {
    case bytes([UInt8])
    case stream(StreamingBody)
}

/// A body produced off the event loop: `produce` runs on a worker thread and writes pieces;
/// each write waits while the client is slower than the producer, so memory stays bounded.
///
///     Response(status: 200, stream: StreamingBody { writer in
///         for row in rows { try writer.write(Array(row.utf8)) }
///     })
public struct StreamingBody: Sendable {
    public let produce: @Sendable (BodyWriter) throws -> Void

    public init(_ produce: @escaping @Sendable (BodyWriter) throws -> Void) {
        self.produce = produce
    }
}

/// Reason phrases for the status line (RFC 9110 §15); clients ignore them, people read them.
enum ReasonPhrase {
    static func of(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}
