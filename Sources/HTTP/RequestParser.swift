#if canImport(Glibc)
    import Glibc
#endif

/// What ``RequestParser/next()`` found in the buffered bytes.
public enum ParseEvent: Sendable, Equatable {
    /// A complete request; call ``RequestParser/next()`` again for a pipelined one.
    case request(Request)
    /// The buffered bytes end inside a request (or there are none); feed more.
    case needMore
    /// The head just parsed carries `Expect: 100-continue` and its body is not yet fully
    /// buffered: write `HTTP/1.1 100 Continue\r\n\r\n`, then call ``RequestParser/next()``
    /// again. Emitted at most once per request, never for HTTP/1.0 (RFC 9110 §10.1.1) and
    /// never after a framing or size error (a `413` is decided first).
    case continueExpected
    /// The request is refused; the parser is dead. Answer `status` and close.
    case error(HTTPParseError)
    /// Only from a parser made with `announcesHeads: true`: the head of a request that has a
    /// body is complete and none of the body has been consumed yet. The request carries no
    /// body. Decide from the head whether the body is worth reading (authentication, route,
    /// memory) before calling ``RequestParser/next()`` again; to refuse, answer and close
    /// without reading on. ``ParseEvent/continueExpected`` can only follow this event.
    case head(Request)
}

/// Where the parser is within the current request; the connection uses it for the header
/// timeout and for graceful shutdown (an `idle` connection can be closed at once).
public enum ParseState: Sendable, Hashable {
    /// No byte of a next request is buffered.
    case idle
    /// Some bytes of a head are buffered, the head is incomplete (a lone empty line left
    /// after a request counts: it is the start of the next one).
    case head
    /// The head is complete, the body is not.
    case body
}

/// An incremental HTTP/1.1 request parser (RFC 9112): a pure function of the bytes fed to it,
/// with no sockets and no clocks.
///
/// ```swift
/// var parser = RequestParser(limits: ParserLimits())
/// parser.feed(bytesFromSocket)
/// loop: while true {
///     switch parser.next() {
///     case .request(let request): respond(to: request)
///     case .continueExpected: write("HTTP/1.1 100 Continue\r\n\r\n")
///     case .needMore: break loop
///     case .error(let error): respond(status: error.status, closing: true); close()
///     }
/// }
/// ```
///
/// Rules (DESIGN.md "HTTP rules"; each is a test in `RequestParserTests`):
/// - Request line (RFC 9112 §3): exactly `method SP request-target SP HTTP-version`, else
///   `400`. A line ends with CRLF or bare LF in the head (RFC 9112 §2.2); one empty line before
///   the request line is skipped (RFC 9112 §2.2), a second one is `400`. A request line longer
///   than ``ParserLimits/maxRequestLine`` (or than fits in ``ParserLimits/maxHeaderBytes`` with its
///   CRLF) is `414`, decided while it is still arriving.
/// - Method: a token (RFC 9110 §9.1) or `400`; a token that is not an ``HTTPMethod`` is `501`.
/// - Version (RFC 9112 §2.3): `HTTP/` DIGIT `.` DIGIT exactly, else `400`; 1.0 and 1.1 are
///   served, 1.2–1.9 are served as 1.1, any other major version (and 0.9) is `505`.
/// - Target (RFC 9112 §3.2): origin-form, or asterisk-form with `OPTIONS` only, or
///   absolute-form (`http://host/path`, which an origin server must accept, §3.2.2): its path
///   and query are served as origin-form, its authority must be a valid `host[:port]` and is
///   otherwise ignored, like `Host`. Also `400`: a byte < 0x21, 0x7F or ≥ 0x80, a `#` (no fragment in a
///   request-target), `%` not followed by two hex digits, a path whose decoding is not UTF-8
///   or holds a control character (NUL included), a query whose decoding is not UTF-8
///   (control characters are allowed in decoded query values, e.g. `%0A` in a search).
/// - Header fields: see ``HTTPHeaders``; obs-fold, whitespace before the colon, bare CR and
///   control characters are `400`. The head beyond ``ParserLimits/maxHeaderBytes`` is `431`.
/// - `Host` (RFC 9112 §3.2): HTTP/1.1 needs exactly one; more than one is `400` in any
///   version. The value must be `host[:port]` with a reg-name, IPv4 or `[IP-literal]` host
///   (RFC 3986 §3.2.2) and at most 5 port digits; an empty value is refused too.
/// - Framing (RFC 9112 §6): see ``framing(of:version:)``. `Content-Length` above
///   ``ParserLimits/maxBodyBytes`` is `413` right after the head.
/// - `Expect: 100-continue` (RFC 9110 §10.1.1; value case-insensitive, as an element of the
///   `Expect` list) yields ``ParseEvent/continueExpected`` for HTTP/1.1 requests with a body;
///   any other expectation is ignored (RFC 9110 §10.1.1 permits 417; ignoring is simpler and
///   harmless, since the request is then simply processed).
/// - Chunked bodies: see `ChunkedDecoder`. Trailers are kept apart in ``Request/trailers`` and
///   never merged into the header section, so they cannot change framing (RFC 9110 §6.5.1).
///
/// Memory: the parser never holds more than ``ParserLimits/maxHeaderBytes`` of an incomplete
/// head or one chunk-size line or trailer section, plus whatever the last `feed`
/// added, provided ``next()`` is called after every feed until it returns ``ParseEvent/needMore``.
/// Body bytes are moved out of the buffer as they arrive.
public struct RequestParser {
    private enum Phase {
        case head
        case fixedBody(remaining: Int)
        case chunkedBody
    }

    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
    }

    public let limits: ParserLimits
    /// The longest request line: ``ParserLimits/maxRequestLine``, or less when the line and its
    /// CRLF would not fit in ``ParserLimits/maxHeaderBytes``. So a request line is refused by
    /// one rule only (`414`), never `431` or `414` depending on how its bytes were split.
    private let requestLineLimit: Int

    /// Received bytes; `buffer[readIndex...]` is not yet consumed.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var phase = Phase.head
    private var failure: HTTPParseError?

    // Head scanning state; positions are relative to `readIndex` (the start of the request).
    private var scanOffset = 0
    private var lineStart = 0
    private var headStart = 0
    private var skippedEmptyLine = false
    private var lines: [Range<Int>] = []

    // Body state.
    private var pending: Request?
    private var body: [UInt8] = []
    private var chunked = ChunkedDecoder()
    private var continuePending = false
    /// Whether ``ParseEvent/head(_:)`` is reported before each body.
    private let announcesHeads: Bool
    /// The current body is discarded as it arrives instead of kept (``skipBody()``).
    private var skipping = false
    /// Set by `step` when a skipped body ended, so ``next()`` goes on to the next request.
    private var skipEnded = false
    /// Decoded bytes of a skipped chunked body so far (dropped as decoded, counted against the
    /// body limit like a kept one).
    private var skippedChunkedBytes = 0

    /// - Parameter announcesHeads: report ``ParseEvent/head(_:)`` for each request with a body,
    ///   so that the caller may refuse it before reading the body (a server authenticates
    ///   there); off, the parser reports only whole requests.
    public init(limits: ParserLimits = ParserLimits(), announcesHeads: Bool = false) {
        self.limits = limits
        self.requestLineLimit = min(limits.maxRequestLine, limits.maxHeaderBytes - 2)
        self.announcesHeads = announcesHeads
        lines.reserveCapacity(16)
    }

    /// Where the parser is within the current request.
    public var state: ParseState {
        switch phase {
        case .head: bufferedByteCount == 0 ? .idle : .head
        case .fixedBody, .chunkedBody: .body
        }
    }

    /// Bytes received and not yet consumed by a returned request.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// The body bytes still to come of a `Content-Length` body; right after
    /// ``ParseEvent/head(_:)`` that is the whole declared length. `nil` for chunked bodies
    /// and between requests.
    public var remainingFixedBody: Int? {
        if case .fixedBody(let remaining) = phase { return remaining }
        return nil
    }

    /// Whether the body announced by the last head can be skipped (``skipBody()``): any chunked
    /// body, and a `Content-Length` one within the body limit.
    public var bodyIsSkippable: Bool {
        switch phase {
        case .fixedBody(let remaining): remaining <= limits.maxBodyBytes
        case .chunkedBody: true
        case .head: false
        }
    }

    /// Body bytes of the current request decoded so far (they are held until the request is
    /// returned): what a server charges to its budget for bodies in flight.
    public var bodyByteCount: Int { body.count }

    /// Appends bytes that arrived from the socket. Ignored once the parser has failed.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        bytes.withMemoryRebound(to: UInt8.self) { feed(bufferPointer: $0) }
    }

    /// Appends bytes that arrived from the socket. Ignored once the parser has failed.
    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { feed(bufferPointer: $0) }
    }

    private mutating func feed(bufferPointer bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty, failure == nil else { return }
        if readIndex == buffer.count {
            // Everything consumed (the common case between requests): reuse the storage,
            // unless a large body left it oversized.
            if buffer.capacity > 1 << 20 { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            readIndex = 0
        } else if readIndex >= 4096, readIndex >= buffer.count / 2 {
            // Compact rarely: only when the consumed prefix dominates the buffer.
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next event: a complete request, the need for more bytes, or an error (after
    /// which the parser is dead and returns the same error again). Call repeatedly until
    /// ``ParseEvent/needMore``: pipelined requests already buffered come out one by one, in order.
    public mutating func next() -> ParseEvent {
        if let failure { return .error(failure) }
        while true {
            let storage = buffer
            let start = readIndex
            let event = storage.withUnsafeBufferPointer { full in
                step(UnsafeBufferPointer(rebasing: full[start...]))
            }
            guard skipEnded else { return event }
            skipEnded = false
        }
    }

    /// Right after ``ParseEvent/head(_:)`` for a body: discard that body as it arrives, without
    /// keeping it, and go on with the next request. For a request that was answered from its
    /// head (refused) on a connection that stays open: its body must still be consumed to find
    /// the next request, but it is never held. A chunked body is decoded (its framing must hold)
    /// and dropped chunk by chunk.
    public mutating func skipBody() {
        guard pending != nil, bodyIsSkippable else { preconditionFailure("skipBody() right after a head with a skippable body") }
        skipping = true
        skippedChunkedBytes = 0
        continuePending = false
        body = []
    }

    /// The `X-Request-Id` of a head refused after its fields were read (`413` by `Content-Length`,
    /// a bad `Host`, bad framing), for the answer to echo.
    public private(set) var refusedRequestID: String?

    /// Whether the head just reported asked for `100 Continue` (RFC 9110 §10.1.1).
    public var expectsContinue: Bool { continuePending }

    private mutating func fail(_ error: HTTPParseError) -> ParseEvent {
        failure = error
        pending = nil
        body = []
        return .error(error)
    }

    /// Advances over `buf` (the unconsumed bytes) as far as one request goes.
    private mutating func step(_ buf: UnsafeBufferPointer<UInt8>) -> ParseEvent {
        var pos = 0
        defer { readIndex += pos }

        if case .head = phase {
            let headEnd: Int
            switch scanHead(buf) {
            case .success(nil): return .needMore
            case .success(let end?): headEnd = end
            case .failure(let error): return fail(error)
            }
            let request: Request
            let framing: Framing
            let expectsContinue: Bool
            do {
                (request, framing, expectsContinue) = try finishHead(buf)
            } catch {
                return fail(error)
            }
            pos = headEnd
            resetHeadScan()
            switch framing {
            case .none:
                return .request(request)
            case .length(let length):
                phase = .fixedBody(remaining: length)
                body.reserveCapacity(min(length, 1 << 16))
            case .chunked:
                phase = .chunkedBody
                chunked = ChunkedDecoder()
            }
            pending = request
            continuePending = expectsContinue
            if announcesHeads { return .head(request) }
        }

        switch phase {
        case .head:
            preconditionFailure("head phase handled above")
        case .fixedBody(let remaining) where skipping:
            let available = min(remaining, buf.count - pos)
            pos += available
            if available == remaining {
                skipping = false
                skipEnded = true
                pending = nil
                phase = .head
            } else {
                phase = .fixedBody(remaining: remaining - available)
            }
            return .needMore
        case .fixedBody(let remaining):
            let available = min(remaining, buf.count - pos)
            if available > 0 {
                body.append(contentsOf: UnsafeBufferPointer(rebasing: buf[pos..<pos + available]))
                pos += available
            }
            if available == remaining { return .request(completeRequest(trailers: HTTPHeaders())) }
            phase = .fixedBody(remaining: remaining - available)
        case .chunkedBody where skipping:
            let (consumed, outcome) = chunked.decode(
                UnsafeBufferPointer(rebasing: buf[pos...]), into: &body, limits: limits)
            pos += consumed
            skippedChunkedBytes += body.count
            body.removeAll(keepingCapacity: true)
            switch outcome {
            case .needMore:
                if skippedChunkedBytes > limits.maxBodyBytes { return fail(.payloadTooLarge) }
            case .done:
                skipping = false
                skipEnded = true
                pending = nil
                body = []
                phase = .head
            case .failed(let error):
                return fail(error)
            }
            return .needMore
        case .chunkedBody:
            let (consumed, outcome) = chunked.decode(
                UnsafeBufferPointer(rebasing: buf[pos...]), into: &body, limits: limits)
            pos += consumed
            switch outcome {
            case .needMore: break
            case .done(let trailers): return .request(completeRequest(trailers: trailers))
            case .failed(let error): return fail(error)
            }
        }
        if continuePending {
            continuePending = false
            return .continueExpected
        }
        return .needMore
    }

    private mutating func completeRequest(trailers: HTTPHeaders) -> Request {
        guard var request = pending else { preconditionFailure("body completed without a head") }
        request.body = body
        request.trailers = trailers
        pending = nil
        body = []
        continuePending = false
        phase = .head
        return request
    }

    private mutating func resetHeadScan() {
        scanOffset = 0
        lineStart = 0
        headStart = 0
        skippedEmptyLine = false
        lines.removeAll(keepingCapacity: true)
    }

    /// Finds the lines of the head, resuming where the last call stopped. Returns the offset
    /// just past the empty line that ends the head, or `nil` when more bytes are needed.
    private mutating func scanHead(_ buf: UnsafeBufferPointer<UInt8>) -> Result<Int?, HTTPParseError> {
        while true {
            guard let lf = Self.findLF(buf, from: scanOffset) else {
                scanOffset = buf.count
                if lines.isEmpty {
                    var pending = buf.count - lineStart
                    if pending > 0, buf[buf.count - 1] == 0x0D { pending -= 1 }
                    if pending > requestLineLimit { return .failure(.uriTooLong) }
                }
                if buf.count - headStart > limits.maxHeaderBytes { return .failure(.headersTooLarge) }
                return .success(nil)
            }
            scanOffset = lf + 1
            let end = lf > lineStart && buf[lf - 1] == 0x0D ? lf - 1 : lf
            if end > lineStart {
                // The limits first, as while the line was still arriving: the answer must not
                // depend on how the bytes were split into reads (a too-long line that also ends
                // in a bare CR is 414 or 431 either way).
                if lines.isEmpty, end - lineStart > requestLineLimit { return .failure(.uriTooLong) }
                if lf + 1 - headStart > limits.maxHeaderBytes { return .failure(.headersTooLarge) }
                if buf[end - 1] == 0x0D { return .failure(.badRequest("bare CR in head")) }
                lines.append(lineStart..<end)
                lineStart = lf + 1
                continue
            }
            // An empty line.
            if lines.isEmpty {
                // RFC 9112 §2.2: ignore at least one empty line before the request line.
                guard !skippedEmptyLine else { return .failure(.badRequest("empty line instead of request line")) }
                skippedEmptyLine = true
                headStart = lf + 1
                lineStart = lf + 1
                continue
            }
            if lf + 1 - headStart > limits.maxHeaderBytes { return .failure(.headersTooLarge) }
            return .success(lf + 1)
        }
    }

    /// The offset of the first LF at or after `from`, or `nil`.
    /// `memchr`, which compares a vector of bytes at a time: every line of every head is
    /// found through here.
    @inline(__always)
    static func findLF(_ buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < buf.count, let base = buf.baseAddress else { return nil }
        guard let found = memchr(base + from, 0x0A, buf.count - from) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Parses the request line and header fields found by ``scanHead(_:)`` and decides framing.
    private mutating func finishHead(
        _ buf: UnsafeBufferPointer<UInt8>
    ) throws(HTTPParseError) -> (Request, Framing, expectsContinue: Bool) {
        let (method, target, version) = try Self.parseRequestLine(buf, lines[0])
        let headers = try HTTPHeaders(parsingLines: lines[1...], in: buf)
        let framing: Framing
        do throws(HTTPParseError) {
            try Self.checkHost(headers, version: version)
            framing = try Self.framing(of: headers, version: version)
            if case .length(let length) = framing, length > limits.maxBodyBytes { throw HTTPParseError.payloadTooLarge }
        } catch {
            refusedRequestID = Self.requestID(of: headers)
            throw error
        }
        let expectsContinue =
            framing != .none && version == .http11
            && headers.containsToken("100-continue", inField: "expect")
        let request = Request(method: method, target: target, version: version, headers: headers)
        return (request, framing, expectsContinue)
    }
}

// MARK: - Request line, target, Host and framing rules

extension RequestParser {
    /// Parses `method SP request-target SP HTTP-version` (RFC 9112 §3). Checks, in order:
    /// shape (400), method token (400), version syntax (400), version support (505), target
    /// (400). A method token this server does not implement is parsed as ``HTTPMethod/other(_:)``
    /// and left to the router (`405` on a known path).
    static func parseRequestLine(
        _ buf: UnsafeBufferPointer<UInt8>, _ line: Range<Int>
    ) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        var firstSpace = line.lowerBound
        while firstSpace < line.upperBound, buf[firstSpace] != 0x20 { firstSpace += 1 }
        var secondSpace = firstSpace + 1
        while secondSpace < line.upperBound, buf[secondSpace] != 0x20 { secondSpace += 1 }
        guard firstSpace > line.lowerBound, secondSpace < line.upperBound, secondSpace > firstSpace + 1 else {
            throw .badRequest("malformed request line")
        }
        let methodRange = line.lowerBound..<firstSpace
        let targetRange = firstSpace + 1..<secondSpace
        let versionRange = secondSpace + 1..<line.upperBound

        for i in methodRange where !buf[i].isTokenChar { throw .badRequest("method is not a token") }
        let version = try parseVersion(buf, versionRange)
        let methodBytes = UnsafeBufferPointer(rebasing: buf[methodRange])
        let method: HTTPMethod
        if let implemented = HTTPMethod(token: methodBytes) {
            method = implemented
        } else if HTTPMethod.isDefinedElsewhere(methodBytes) {
            method = .other(String(decoding: methodBytes, as: UTF8.self))
        } else {
            // A token no HTTP specification this server follows defines (`get`, `BREW`): the
            // server does not recognise it at all (RFC 9110 §15.6.2).
            throw .notImplemented("unknown method")
        }
        let targetBytes = UnsafeBufferPointer(rebasing: buf[targetRange])
        if let pathStart = try absoluteFormPathStart(targetBytes) {
            let rest = UnsafeBufferPointer(rebasing: targetBytes[pathStart...])
            if rest.isEmpty { return (method, method == .options ? "*" : "/", version) }
            if rest[0] == UInt8(ascii: "?") {
                let target = [UInt8(ascii: "/")] + rest
                try target.withUnsafeBufferPointer { bytes throws(HTTPParseError) in try validateTarget(bytes, method: method) }
                return (method, String(decoding: target, as: UTF8.self), version)
            }
            try validateTarget(rest, method: method)
            return (method, String(decoding: rest, as: UTF8.self), version)
        }
        try validateTarget(targetBytes, method: method)
        return (method, String(decoding: targetBytes, as: UTF8.self), version)
    }

    /// The `X-Request-Id` of a head being refused; out of line, so the hot path stays small.
    @inline(never)
    static func requestID(of headers: HTTPHeaders) -> String? { headers["X-Request-Id"] }

    /// Where the path of an absolute-form target (`http://host[:port]/path?query`, RFC 9112
    /// §3.2.2) begins, or `nil` for any other form. An origin server must accept this form; it
    /// serves the path and query as if they came in origin-form (the authority, like `Host`,
    /// names this server whatever it says). An authority that is no `host[:port]` — userinfo
    /// included, which RFC 9110 §4.2.4 says to treat as an error — is `400`.
    static func absoluteFormPathStart(_ target: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> Int? {
        guard let first = target.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "*") else { return nil }
        var schemeEnd = 0
        for scheme in ["http://", "https://"] where target.count >= scheme.utf8.count {
            let matches = zip(scheme.utf8, target).allSatisfy { expected, byte in byte.asciiLowercased == expected }
            if matches {
                schemeEnd = scheme.utf8.count
                break
            }
        }
        guard schemeEnd > 0 else { throw .badRequest("request-target must be origin-form or absolute-form") }
        var pathStart = schemeEnd
        while pathStart < target.count, target[pathStart] != UInt8(ascii: "/"), target[pathStart] != UInt8(ascii: "?") {
            pathStart += 1
        }
        guard isPlausibleHost(UnsafeBufferPointer(rebasing: target[schemeEnd..<pathStart])) else {
            throw .badRequest("invalid authority in request-target")
        }
        return pathStart
    }

    /// `HTTP-version = "HTTP" "/" DIGIT "." DIGIT` (RFC 9112 §2.3), case-sensitive.
    static func parseVersion(
        _ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>
    ) throws(HTTPParseError) -> HTTPVersion {
        let s = range.lowerBound
        // Byte by byte: a generic `elementsEqual` costs more than the five comparisons.
        guard range.count == 8, buf[s] == UInt8(ascii: "H"), buf[s + 1] == UInt8(ascii: "T"), buf[s + 2] == UInt8(ascii: "T"),
            buf[s + 3] == UInt8(ascii: "P"), buf[s + 4] == UInt8(ascii: "/"),
            buf[s + 5].isDigit, buf[s + 6] == UInt8(ascii: "."), buf[s + 7].isDigit
        else { throw .badRequest("malformed HTTP version") }
        let major = Int(buf[s + 5] - 0x30)
        let minor = Int(buf[s + 7] - 0x30)
        guard major == 1 else { throw .versionNotSupported }
        return minor == 0 ? .http10 : .http11
    }

    /// Origin-form (`/path[?query]`) or, with `OPTIONS`, asterisk-form (RFC 9112 §3.2).
    static func validateTarget(_ target: UnsafeBufferPointer<UInt8>, method: HTTPMethod) throws(HTTPParseError) {
        if target.count == 1, target[0] == UInt8(ascii: "*") {
            guard method == .options else { throw .badRequest("asterisk-form is only for OPTIONS") }
            return
        }
        guard target[0] == UInt8(ascii: "/") else {
            throw .badRequest("request-target must be origin-form")
        }
        var queryStart = target.count
        var hasPercent = false
        var i = 0
        while i < target.count {
            let byte = target[i]
            guard byte > 0x20, byte < 0x7F else { throw .badRequest("invalid byte in request-target") }
            switch byte {
            case UInt8(ascii: "%"):
                guard i + 2 < target.count, target[i + 1].hexValue != nil, target[i + 2].hexValue != nil else {
                    throw .badRequest("invalid percent-encoding in request-target")
                }
                hasPercent = true
                i += 3
                continue
            case UInt8(ascii: "?"):
                if queryStart == target.count { queryStart = i }
            case UInt8(ascii: "#"):
                throw .badRequest("fragment in request-target")
            default:
                break
            }
            i += 1
        }
        guard hasPercent else { return }
        // Well-formed by the loop above, so decoding cannot fail.
        let pathBytes = UnsafeBufferPointer(rebasing: target[..<queryStart])
        let path = PercentDecoding.decodeBytes(pathBytes, plusAsSpace: false) ?? []
        guard PercentDecoding.isValidUTF8(path) else { throw .badRequest("path does not decode to UTF-8") }
        for byte in path where byte < 0x20 || byte == 0x7F {
            throw .badRequest("control character in decoded path")
        }
        if queryStart < target.count {
            let queryBytes = UnsafeBufferPointer(rebasing: target[(queryStart + 1)...])
            let query = PercentDecoding.decodeBytes(queryBytes, plusAsSpace: false) ?? []
            guard PercentDecoding.isValidUTF8(query) else { throw .badRequest("query does not decode to UTF-8") }
        }
    }

    /// RFC 9112 §3.2: exactly one `Host` in HTTP/1.1, never more than one, and a valid value.
    static func checkHost(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPParseError) {
        switch headers.singleValueRange("host") {
        case .absent:
            if version == .http11 { throw .badRequest("missing Host header") }
        case .repeated:
            throw .badRequest("more than one Host header")
        case .present(let range):
            let valid = headers.bytes.withUnsafeBufferPointer { isPlausibleHost(UnsafeBufferPointer(rebasing: $0[range])) }
            guard valid else { throw .badRequest("invalid Host header") }
        }
    }

    /// `uri-host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3): a non-empty reg-name or IPv4 of
    /// unreserved / sub-delims / pct-encoded characters, or a bracketed IP-literal; then
    /// optionally `:` and at most five digits.
    static func isPlausibleHost(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !value.isEmpty else { return false }
        var i = 0
        if value[0] == UInt8(ascii: "[") {
            i = 1
            while i < value.count, value[i] != UInt8(ascii: "]") {
                let byte = value[i]
                guard byte.hexValue != nil || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") else {
                    return false
                }
                i += 1
            }
            guard i < value.count, i > 1 else { return false }
            i += 1
        } else {
            while i < value.count, value[i] != UInt8(ascii: ":") {
                switch value[i] {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "~"), UInt8(ascii: "%"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"),
                    UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
                    UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
                    i += 1
                default:
                    return false
                }
            }
            guard i > 0 else { return false }
        }
        guard i < value.count else { return true }
        guard value[i] == UInt8(ascii: ":"), value.count - i - 1 <= 5 else { return false }
        return value[(i + 1)...].allSatisfy(\.isDigit)
    }

    /// Message body length (RFC 9112 §6.1–6.3), strictly:
    /// - `Transfer-Encoding` with `Content-Length`, or in HTTP/1.0: `400` (§6.1 permits
    ///   processing such a message, but it is the classic request-smuggling shape).
    /// - `Transfer-Encoding` codings (all fields, in order): `chunked` anywhere but last, or
    ///   twice, or an empty list: `400`; any other coding (`gzip`, `identity`, …): `501`.
    /// - `Content-Length`: every element of every field must be `1*DIGIT` (no sign, no
    ///   overflow) and all must be equal; repeats of one value are accepted (§6.3 item 5).
    /// - Neither header: no body (§6.3 item 7).
    static func framing(of headers: HTTPHeaders, version: HTTPVersion) throws(HTTPParseError) -> Framing {
        // Most requests (every GET) carry neither field: one look, no index lists.
        guard headers.contains("transfer-encoding") || headers.contains("content-length") else { return .none }
        let transferEncodings = headers.indices(of: "transfer-encoding")
        let contentLengths = headers.indices(of: "content-length")
        if !transferEncodings.isEmpty {
            if !contentLengths.isEmpty { throw .badRequest("both Transfer-Encoding and Content-Length") }
            if version == .http10 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            return try headers.bytes.withUnsafeBufferPointer { buf throws(HTTPParseError) in
                try chunkedFraming(buf, headers.fields, transferEncodings)
            }
        }
        guard !contentLengths.isEmpty else { return .none }
        let length = try headers.bytes.withUnsafeBufferPointer { buf throws(HTTPParseError) in
            try contentLength(buf, headers.fields, contentLengths)
        }
        return length == 0 ? .none : .length(length)
    }

    private static func chunkedFraming(
        _ buf: UnsafeBufferPointer<UInt8>, _ fields: [HTTPHeaders.Field], _ indices: [Int]
    ) throws(HTTPParseError) -> Framing {
        let chunkedName = Array("chunked".utf8)
        var sawChunked = false
        var sawOther = false
        for index in indices {
            let field = fields[index]
            var start = field.valueStart
            while start <= field.valueEnd {
                var end = start
                while end < field.valueEnd, buf[end] != UInt8(ascii: ",") { end += 1 }
                defer { start = end + 1 }
                let element = HTTPHeaders.trimmed(buf, start..<end)
                if element.isEmpty { continue }
                var nameEnd = element.lowerBound
                while nameEnd < element.upperBound, buf[nameEnd].isTokenChar { nameEnd += 1 }
                var after = nameEnd
                while after < element.upperBound, buf[after].isWhitespace { after += 1 }
                guard nameEnd > element.lowerBound, after == element.upperBound || buf[after] == UInt8(ascii: ";")
                else { throw .badRequest("invalid transfer coding") }
                if sawChunked { throw .badRequest("chunked is not the final transfer coding") }
                if HTTPHeaders.equalsIgnoringCase(buf, element.lowerBound..<nameEnd, chunkedName) {
                    sawChunked = true
                } else {
                    sawOther = true
                }
            }
        }
        if sawOther { throw .notImplemented("transfer coding not implemented") }
        guard sawChunked else { throw .badRequest("empty Transfer-Encoding") }
        return .chunked
    }

    private static func contentLength(
        _ buf: UnsafeBufferPointer<UInt8>, _ fields: [HTTPHeaders.Field], _ indices: [Int]
    ) throws(HTTPParseError) -> Int {
        var result: Int?
        for index in indices {
            let field = fields[index]
            var start = field.valueStart
            while start <= field.valueEnd {
                var end = start
                while end < field.valueEnd, buf[end] != UInt8(ascii: ",") { end += 1 }
                let element = HTTPHeaders.trimmed(buf, start..<end)
                start = end + 1
                guard !element.isEmpty else { throw .badRequest("empty Content-Length") }
                var value = 0
                for i in element {
                    guard buf[i].isDigit else { throw .badRequest("invalid Content-Length") }
                    let digit = Int(buf[i] - 0x30)
                    guard value <= (Int.max - digit) / 10 else { throw .badRequest("Content-Length overflows") }
                    value = value * 10 + digit
                }
                if let result, result != value { throw .badRequest("conflicting Content-Length values") }
                result = value
            }
        }
        return result ?? 0
    }
}
