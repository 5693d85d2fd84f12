/// Decodes a chunked body (RFC 9112 §7.1) incrementally, appending chunk data to the body as
/// it arrives so the parser's buffer never holds more than one framing line or trailer
/// section.
///
/// ```text
/// chunked-body = *chunk last-chunk trailer-section CRLF
/// chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// last-chunk   = 1*("0") [ chunk-ext ] CRLF
/// ```
///
/// Lines in chunked framing end only with CRLF (DESIGN.md: bare LF ends a line in the head
/// but never in chunked framing; RFC 9112 §2.2 permits, not requires, accepting bare LF).
/// That includes trailer lines, which otherwise follow the header field rules.
/// Chunk extensions (RFC 9112 §7.1.1) are ignored once checked for control characters.
///
/// States: `size` → (`data` → `dataEnd` → `size`)* → `trailers` → done.
struct ChunkedDecoder {
    enum State {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    enum Outcome {
        case needMore
        case done(trailers: HTTPHeaders)
        case failed(HTTPParseError)
    }

    private(set) var state = State.size
    /// Where to resume the LF search, relative to the first unconsumed byte.
    private var scanResume = 0
    /// Trailer lines found so far, relative to the start of the trailer section.
    private var trailerLines: [Range<Int>] = []
    /// Start of the next trailer line, relative to the start of the trailer section.
    private var trailerLineStart = 0

    /// Consumes what it can of `buf` (which starts at the first byte not yet consumed),
    /// appending chunk data to `body`. Returns how many bytes were consumed and the outcome.
    mutating func decode(
        _ buf: UnsafeBufferPointer<UInt8>, into body: inout [UInt8], limits: ParserLimits
    ) -> (consumed: Int, outcome: Outcome) {
        var pos = 0
        while true {
            switch state {
            case .size:
                guard let lf = RequestParser.findLF(buf, from: pos + scanResume) else {
                    if buf.count - pos > limits.maxRequestLine {
                        return (pos, .failed(.badRequest("chunk-size line too long")))
                    }
                    scanResume = buf.count - pos
                    return (pos, .needMore)
                }
                scanResume = 0
                // The limits before the syntax, here and in the trailers: a line refused for its
                // length while it arrived must be refused so when it arrives whole.
                if lf - pos > limits.maxRequestLine {
                    return (pos, .failed(.badRequest("chunk-size line too long")))
                }
                guard lf > pos, buf[lf - 1] == 0x0D else {
                    return (pos, .failed(.badRequest("chunk-size line not ended by CRLF")))
                }
                let size: Int
                switch Self.parseSizeLine(buf, pos..<lf - 1) {
                case .success(let value): size = value
                case .failure(let error): return (pos, .failed(error))
                }
                pos = lf + 1
                if size == 0 {
                    state = .trailers
                    trailerLines.removeAll(keepingCapacity: true)
                    trailerLineStart = 0
                } else {
                    guard size <= limits.maxBodyBytes - body.count else { return (pos, .failed(.payloadTooLarge)) }
                    state = .data(remaining: size)
                }

            case .data(let remaining):
                let available = min(remaining, buf.count - pos)
                guard available > 0 else { return (pos, .needMore) }
                body.append(contentsOf: UnsafeBufferPointer(rebasing: buf[pos..<pos + available]))
                pos += available
                state = remaining == available ? .dataEnd : .data(remaining: remaining - available)

            case .dataEnd:
                guard pos < buf.count else { return (pos, .needMore) }
                guard buf[pos] == 0x0D else { return (pos, .failed(.badRequest("chunk data not followed by CRLF"))) }
                guard pos + 1 < buf.count else { return (pos, .needMore) }
                guard buf[pos + 1] == 0x0A else {
                    return (pos, .failed(.badRequest("chunk data not followed by CRLF")))
                }
                pos += 2
                state = .size

            case .trailers:
                // The trailer section is consumed only when complete, so it starts at `pos`.
                guard let lf = RequestParser.findLF(buf, from: pos + scanResume) else {
                    if buf.count - pos > limits.maxHeaderBytes { return (pos, .failed(.headersTooLarge)) }
                    scanResume = buf.count - pos
                    return (pos, .needMore)
                }
                scanResume = lf + 1 - pos
                let lineStart = pos + trailerLineStart
                if lf + 1 - pos > limits.maxHeaderBytes { return (pos, .failed(.headersTooLarge)) }
                guard lf > lineStart, buf[lf - 1] == 0x0D else {
                    return (pos, .failed(.badRequest("trailer line not ended by CRLF")))
                }
                if lf - 1 == lineStart {
                    let lines = trailerLines.map { ($0.lowerBound + pos)..<($0.upperBound + pos) }
                    let trailers: HTTPHeaders
                    do {
                        trailers = try HTTPHeaders(parsingLines: lines[...], in: buf)
                    } catch {
                        return (pos, .failed(error))
                    }
                    return (lf + 1, .done(trailers: trailers))
                }
                trailerLines.append(trailerLineStart..<(lf - 1 - pos))
                trailerLineStart = lf + 1 - pos
            }
        }
    }

    /// Parses `chunk-size [ chunk-ext ]` (RFC 9112 §7.1, §7.1.1); the extensions are checked
    /// for control characters and otherwise ignored.
    static func parseSizeLine(_ buf: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Result<Int, HTTPParseError> {
        var i = line.lowerBound
        var size = 0
        while i < line.upperBound, let digit = buf[i].hexValue {
            guard size <= (Int.max - digit) >> 4 else { return .failure(.badRequest("chunk size overflows")) }
            size = size << 4 | digit
            i += 1
        }
        guard i > line.lowerBound else { return .failure(.badRequest("invalid chunk size")) }
        while i < line.upperBound, buf[i].isWhitespace { i += 1 }
        guard i == line.upperBound || buf[i] == UInt8(ascii: ";") else {
            return .failure(.badRequest("invalid chunk size"))
        }
        while i < line.upperBound {
            let byte = buf[i]
            if byte < 0x20 && byte != 0x09 || byte == 0x7F {
                return .failure(.badRequest("control character in chunk extension"))
            }
            i += 1
        }
        return .success(size)
    }
}
