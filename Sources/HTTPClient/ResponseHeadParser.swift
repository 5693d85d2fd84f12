/// An incremental parser of the head of an HTTP/1.1 response (RFC 9112): a pure function of the
/// bytes fed to it, with no sockets and no clocks, bounded in memory.
///
///     var parser = ResponseHeadParser(limit: 16 * 1024)
///     switch parser.append(bytesFromSocket) {
///     case .needMore: readMore()
///     case .complete(let head, let remainder): discardBody(head.framing, startingWith: remainder)
///     case .invalid(let reason): fail(reason)
///     }
///
/// Rules:
/// - Lines end with CRLF, or a bare LF (RFC 9112 §2.2); a CR anywhere else is refused. The head
///   ends at the first empty line; an empty first line is refused.
/// - Status line (§4): exactly `HTTP/1.` DIGIT SP 3DIGIT SP reason, where the reason may be
///   empty but holds no control character except HTAB. Other major versions are refused
///   (§2.3: the client spoke 1.1). The code is 100–599 (RFC 9110 §15).
/// - Interim responses (`1xx` other than `101`) are skipped and the next head is parsed
///   (RFC 9110 §15.2); `101 Switching Protocols` is refused, since no upgrade was asked for.
/// - Field lines (§5): a token, a colon right after it (whitespace before it is refused, §5.1),
///   then the value, with no control character but HTAB. A line starting with whitespace
///   (obs-fold, §5.2) is refused.
/// - Framing (§6.3): see ``ResponseHead/Framing``. `Content-Length` must be digits; several
///   values, in one field or many, must all be equal (§6.3 rule 5). `Transfer-Encoding`
///   overrides it (rule 3).
/// - Size: all heads together (interim ones included) may take at most `limit` bytes; a longer
///   one is refused as soon as the limit is passed.
struct ResponseHeadParser {
    enum Outcome: Sendable, Hashable {
        case needMore
        /// The final response's head, and the bytes after it (the start of the body).
        case complete(ResponseHead, remainder: [UInt8])
        /// A rule broken, in words for the delivery log. The parser is dead.
        case invalid(String)
    }

    let limit: Int
    private var buffer: [UInt8] = []
    /// Bytes of interim heads already skipped, counted against `limit`.
    private var skipped = 0
    /// Where the next scan for a line feed starts, and where the current line started.
    private var scanOffset = 0
    private var lineStart = 0

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ bytes: some Collection<UInt8>) -> Outcome {
        buffer.append(contentsOf: bytes)
        do {
            return try step()
        } catch {
            return .invalid(error.reason)
        }
    }

    private struct Refusal: Error {
        let reason: String
    }

    private mutating func step() throws(Refusal) -> Outcome {
        let tooLarge = Refusal(reason: "response head larger than \(limit) bytes")
        while let headEnd = try scanForEnd() {
            guard skipped + headEnd <= limit else { throw tooLarge }
            if let head = try ResponseHeadParser.parse(buffer[..<headEnd]) {
                return .complete(head, remainder: Array(buffer[headEnd...]))
            }
            // An interim response: drop it and look for the next head in what follows.
            skipped += headEnd
            buffer.removeFirst(headEnd)
            scanOffset = 0
            lineStart = 0
        }
        guard skipped + buffer.count <= limit else { throw tooLarge }
        return .needMore
    }

    /// The index just past the empty line that ends the head, once it has arrived.
    private mutating func scanForEnd() throws(Refusal) -> Int? {
        while let newline = buffer[scanOffset...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - lineStart
            let empty = length == 0 || (length == 1 && buffer[lineStart] == UInt8(ascii: "\r"))
            scanOffset = newline + 1
            if empty {
                guard lineStart > 0 else { throw Refusal(reason: "empty line instead of a status line") }
                return newline + 1
            }
            lineStart = newline + 1
        }
        scanOffset = buffer.count
        return nil
    }

    /// The head in `bytes` (which end with its empty line); `nil` for an interim response.
    private static func parse(_ bytes: ArraySlice<UInt8>) throws(Refusal) -> ResponseHead? {
        var lines: [ArraySlice<UInt8>] = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast(2) {
            let content = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            guard !content.contains(UInt8(ascii: "\r")) else { throw Refusal(reason: "bare CR in the response head") }
            lines.append(content)
        }
        guard let statusLine = lines.first, let statusCode = parseStatusLine(statusLine) else {
            throw Refusal(reason: "malformed status line: \(printable(lines.first ?? []))")
        }
        guard statusCode != 101 else { throw Refusal(reason: "101 Switching Protocols, but no upgrade was asked for") }

        var contentLength: Int?
        var transferEncoding = false
        for line in lines.dropFirst() {
            guard let (name, value) = parseField(line) else {
                throw Refusal(reason: "malformed header field: \(printable(line))")
            }
            if equalsIgnoringCase(name, "transfer-encoding") {
                transferEncoding = true
            } else if equalsIgnoringCase(name, "content-length") {
                for element in value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                    let digits = trimmingWhitespace(element)
                    guard (1...18).contains(digits.count), digits.allSatisfy(\.isDigit),
                        let length = Int(String(decoding: digits, as: UTF8.self)), contentLength == nil || contentLength == length
                    else { throw Refusal(reason: "invalid or conflicting Content-Length") }
                    contentLength = length
                }
            }
        }
        if statusCode < 200 { return nil }
        let framing: ResponseHead.Framing
        if statusCode == 204 || statusCode == 304 {
            framing = .none
        } else if transferEncoding {
            framing = .untilClose
        } else if let contentLength {
            framing = contentLength == 0 ? .none : .length(contentLength)
        } else {
            framing = .untilClose
        }
        return ResponseHead(statusCode: statusCode, framing: framing)
    }

    /// `HTTP/1.x SP 3DIGIT SP reason` → the code, if it is 100–599.
    private static func parseStatusLine(_ line: ArraySlice<UInt8>) -> Int? {
        let bytes = Array(line)
        guard bytes.count >= 13, bytes[0..<7].elementsEqual("HTTP/1.".utf8), bytes[7].isDigit,
            bytes[8] == UInt8(ascii: " "), bytes[9..<12].allSatisfy(\.isDigit), bytes[12] == UInt8(ascii: " "),
            bytes[13...].allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F })
        else { return nil }
        let code = bytes[9..<12].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return (100...599).contains(code) ? code : nil
    }

    /// `token ":" OWS value OWS` → the name and the trimmed value.
    private static func parseField(_ line: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
            line[..<colon].allSatisfy(\.isTokenCharacter)
        else { return nil }
        let value = trimmingWhitespace(line[(colon + 1)...])
        guard value.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else { return nil }
        return (line[..<colon], value)
    }

    private static func trimmingWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }), let last = bytes.lastIndex(where: { !isWhitespace($0) })
        else { return bytes[bytes.startIndex..<bytes.startIndex] }
        return bytes[first...last]
    }

    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: String) -> Bool {
        bytes.count == lowercase.utf8.count
            && zip(bytes, lowercase.utf8).allSatisfy { ($0 | ($0.isLetter ? 0x20 : 0)) == $1 }
    }

    /// At most 80 bytes of `line`, control and non-ASCII bytes shown as `?`, for a log.
    private static func printable(_ line: ArraySlice<UInt8>) -> String {
        String(decoding: line.prefix(80).map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
