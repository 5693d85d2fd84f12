/// Writes a response head straight into a connection's output buffer (no intermediate Strings
/// for the fixed parts). Pure: given the same inputs it appends the same bytes.
enum ResponseEncoder {
    enum Framing: Equatable {
        /// `Content-Length: n`.
        case length(Int)
        /// `Transfer-Encoding: chunked` (RFC 9112 §7.1).
        case chunked
        /// Neither: the body ends when the connection closes (streaming to an HTTP/1.0 client).
        case untilClose
    }

    /// `HTTP/1.1 <status> <reason>\r\nDate: ` for every status from 100 to 599: the status line
    /// and the name of the header that always follows it, in one piece.
    private static let statusLines: [[UInt8]] = (100..<600).map { status in
        Array("HTTP/1.1 \(status) \(ReasonPhrase.of(status))\r\nDate: ".utf8)
    }

    /// Appends the status line and headers, ending with the empty line.
    ///
    /// `connection` is `close` when the server closes after this response, `keepAlive` when an
    /// HTTP/1.0 client asked to keep the connection, and `nil` otherwise (HTTP/1.1's default).
    ///
    /// Every response goes through here, so the fixed parts are copied from static strings in as
    /// few pieces as possible, and header names and values from their own UTF-8 storage.
    static func appendHead(
        status: Int,
        headers: [(name: String, value: String)],
        requestID: String,
        date: [UInt8],
        framing: Framing,
        connection: ConnectionHeader?,
        into output: inout [UInt8]
    ) {
        if (100..<600).contains(status) {
            output.append(contentsOf: statusLines[status - 100])
        } else {
            appendUTF8("HTTP/1.1 \(status) \(ReasonPhrase.of(status))\r\nDate: ", into: &output)
        }
        output.append(contentsOf: date)
        appendStatic("\r\nServer: crm-server\r\nX-Request-Id: ", into: &output)
        appendUTF8(requestID, into: &output)
        for header in headers {
            appendStatic("\r\n", into: &output)
            appendUTF8(header.name, into: &output)
            appendStatic(": ", into: &output)
            appendUTF8(header.value, into: &output)
        }
        switch framing {
        case .length(let count):
            // RFC 9110 §8.6: never on 1xx and 204; on a 304 only the length the 200 would have
            // had (§15.4.5), which the 304's empty body does not tell, so none there either.
            if status >= 200 && status != 204 && status != 304 {
                appendStatic("\r\nContent-Length: ", into: &output)
                appendDecimal(count, into: &output)
            }
        case .chunked:
            appendStatic("\r\nTransfer-Encoding: chunked", into: &output)
        case .untilClose:
            break
        }
        switch connection {
        case .close: appendStatic("\r\nConnection: close\r\n\r\n", into: &output)
        case .keepAlive: appendStatic("\r\nConnection: keep-alive\r\n\r\n", into: &output)
        case nil: appendStatic("\r\n\r\n", into: &output)
        }
    }

    /// Appends a literal's bytes (no array to initialise, retain or release).
    @inline(__always)
    static func appendStatic(_ text: StaticString, into output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends a string's UTF-8 from its own contiguous storage (small strings included), which
    /// is several times cheaper than appending its `utf8` view element by element.
    @inline(__always)
    static func appendUTF8(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { output.append(contentsOf: $0) }
    }

    enum ConnectionHeader: Equatable {
        case close
        case keepAlive
    }

    /// One chunk of a chunked body: hex size, CRLF, data, CRLF.
    static func appendChunk(_ bytes: [UInt8], into output: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        output.append(contentsOf: String(bytes.count, radix: 16).utf8)
        appendStatic("\r\n", into: &output)
        output.append(contentsOf: bytes)
        appendStatic("\r\n", into: &output)
    }

    /// The last chunk and an empty trailer section.
    static let lastChunk = Array("0\r\n\r\n".utf8)

    /// Appends `value` (not negative) in decimal, most significant digit first.
    static func appendDecimal(_ value: Int, into output: inout [UInt8]) {
        assert(value >= 0, "appendDecimal writes counts and statuses, never negative numbers")
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }
}
