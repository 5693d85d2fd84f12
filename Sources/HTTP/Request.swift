/// One complete HTTP request: head, whole (de-chunked) body and trailers.
///
/// ``RequestParser`` produces these only from requests that passed every rule in
/// DESIGN.md "HTTP rules"; in particular ``target`` is origin-form (or `*` for `OPTIONS`),
/// printable ASCII, and its percent-encoding is valid and decodes to UTF-8.
///
/// ```swift
/// // GET /v1/customers/a%2Fb?q=%E5%BC%A0&page=2
/// request.pathSegments   // ["v1", "customers", "a/b"]
/// request.query          // [("q", "张"), ("page", "2")]
/// ```
public struct Request: Sendable, Equatable {
    public var method: HTTPMethod
    /// The raw request-target, e.g. `"/v1/customers?q=%E5%BC%A0"` (RFC 9112 §3.2).
    public var target: String
    /// ``HTTPVersion/http10`` or ``HTTPVersion/http11`` (1.2 … 1.9 are recorded as 1.1).
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The whole body, de-chunked; empty when the request has no framing headers.
    public var body: [UInt8]
    /// The trailer fields of a chunked body (RFC 9112 §7.1.2); empty otherwise.
    public var trailers: HTTPHeaders
    /// Whether the connection stays open after the response (RFC 9112 §9.3): HTTP/1.1 unless
    /// the `Connection` list holds `close`; HTTP/1.0 only if it holds `keep-alive` (and not
    /// `close`). List elements compare case-insensitively.
    public var keepAlive: Bool

    /// A request built by hand (tests, handlers); ``keepAlive`` is derived from `version`
    /// and the `Connection` header as the parser does.
    public init(
        method: HTTPMethod,
        target: String,
        version: HTTPVersion = .http11,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        trailers: HTTPHeaders = HTTPHeaders()
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.keepAlive = Request.defaultKeepAlive(version: version, headers: headers)
    }

    /// RFC 9112 §9.3 persistence for a request of `version` carrying `headers`.
    public static func defaultKeepAlive(version: HTTPVersion, headers: HTTPHeaders) -> Bool {
        if headers.containsToken("close", inField: "connection") { return false }
        if version == .http10 { return headers.containsToken("keep-alive", inField: "connection") }
        return true
    }

    /// The path part of ``target`` (before `?`), still percent-encoded.
    public var path: String {
        var target = target
        return target.withUTF8 { bytes in
            guard let question = bytes.firstIndex(of: UInt8(ascii: "?")) else { return self.target }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<question]), as: UTF8.self)
        }
    }

    /// The raw query part of ``target`` (after the first `?`), or `nil` when there is no `?`.
    /// Scans contiguous bytes: endpoints that take no query still ask (to refuse one sent).
    public var rawQuery: String? {
        var target = target
        return target.withUTF8 { bytes in
            guard let question = bytes.firstIndex(of: UInt8(ascii: "?")) else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[(question + 1)...]), as: UTF8.self)
        }
    }

    /// The path split on `/`, each segment percent-decoded as UTF-8, so an encoded slash stays
    /// inside its segment (`/v1/a%2Fb` → `["v1", "a/b"]`).
    ///
    /// Empty segments are dropped everywhere: `/`, `//v1//customers/` and `/v1/customers`
    /// give `[]`, `["v1", "customers"]` and `["v1", "customers"]` (the ``Router`` matches only
    /// ``hasCanonicalPath`` targets, whose segments it captures exactly as these). `*`
    /// (`OPTIONS *`) gives `[]`. A segment that does not decode (possible only in hand-built
    /// requests) is kept raw.
    public var pathSegments: [String] {
        // One pass over contiguous bytes; a segment is percent-decoded only when it holds a `%`.
        // Slices end at ASCII bytes, so each is UTF-8.
        var target = target
        return target.withUTF8 { bytes -> [String] in
            guard bytes.first == UInt8(ascii: "/") else { return [] }
            let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
            var segments: [String] = []
            var start = 1
            var hasPercent = false
            var index = 1
            while index <= end {
                if index == end || bytes[index] == UInt8(ascii: "/") {
                    if start < index {
                        let piece = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                        segments.append(hasPercent ? (PercentDecoding.decode(piece) ?? piece) : piece)
                    }
                    start = index + 1
                    hasPercent = false
                } else if bytes[index] == UInt8(ascii: "%") {
                    hasPercent = true
                }
                index += 1
            }
            return segments
        }
    }

    /// Whether the path is the one canonical spelling of its segments: `/` alone, or segments
    /// joined by single slashes with no trailing slash. `/v1/customers/1/` and
    /// `/v1//customers/1` name no resource (one spelling per resource, so caches, logs and
    /// access rules cannot be told apart by slashes). `*` (`OPTIONS *`) counts as canonical.
    public var hasCanonicalPath: Bool {
        var target = target
        return target.withUTF8 { bytes in
            guard bytes.first == UInt8(ascii: "/") else { return true }
            var previousWasSlash = false
            var length = 0
            for byte in bytes {
                if byte == UInt8(ascii: "?") { break }
                let isSlash = byte == UInt8(ascii: "/")
                if isSlash && previousWasSlash { return false }
                previousWasSlash = isSlash
                length += 1
            }
            // A trailing slash is allowed only on the root path itself.
            return !previousWasSlash || length == 1
        }
    }

    /// The query decoded as `application/x-www-form-urlencoded`: split on `&`, each piece
    /// split at its first `=`, `+` → space, then percent-decoded as UTF-8. Order and repeats
    /// are kept; `a` alone gives `("a", "")`; empty pieces (`a&&b`) are skipped. A piece that
    /// does not decode (possible only in hand-built requests) is kept raw.
    public var query: [(name: String, value: String)] {
        queryPairs.map { ($0.name, $0.value) }
    }

    /// ``query`` with each value also as sent, still percent-encoded: for a value that is a
    /// comma-separated list, where an encoded comma (`%2C`) belongs to an item instead of ending
    /// it (RFC 3986 §2.2: a percent-encoded delimiter is data).
    public var queryPairs: [(name: String, value: String, encoded: Substring)] {
        guard let raw = rawQuery else { return [] }
        return raw.split(separator: "&", omittingEmptySubsequences: true).map { piece in
            let name: Substring
            let value: Substring
            if let equals = piece.firstIndex(of: "=") {
                name = piece[..<equals]
                value = piece[piece.index(after: equals)...]
            } else {
                name = piece
                value = ""
            }
            return (
                PercentDecoding.decode(name, plusAsSpace: true) ?? String(name),
                PercentDecoding.decode(value, plusAsSpace: true) ?? String(value), value
            )
        }
    }

    /// The first query value named `name`, decoded, or `nil`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}
