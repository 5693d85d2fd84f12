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

    private static let version = Array("HTTP/1.1 ".utf8)
    private static let crlf: [UInt8] = [13, 10]
    private static let dateName = Array("\r\nDate: ".utf8)
    private static let serverLine = Array("\r\nServer: crm-server".utf8)
    private static let requestIDName = Array("\r\nX-Request-Id: ".utf8)
    private static let lengthName = Array("\r\nContent-Length: ".utf8)
    private static let chunkedLine = Array("\r\nTransfer-Encoding: chunked".utf8)
    private static let closeLine = Array("\r\nConnection: close".utf8)
    private static let keepAliveLine = Array("\r\nConnection: keep-alive".utf8)
    private static let statusLines: [Int: [UInt8]] = {
        var lines: [Int: [UInt8]] = [:]
        for status in [
            100, 200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 408, 409, 412, 413, 414, 415, 417, 422, 429, 431, 500, 501, 503, 505,
        ] {
            lines[status] = Array("\(status) \(ReasonPhrase.of(status))".utf8)
        }
        return lines
    }()

    /// Appends the status line and headers, ending with the empty line.
    ///
    /// `connection` is `close` when the server closes after this response, `keepAlive` when an
    /// HTTP/1.0 client asked to keep the connection, and `nil` otherwise (HTTP/1.1's default).
    static func appendHead(
        status: Int,
        headers: [(name: String, value: String)],
        requestID: String,
        date: [UInt8],
        framing: Framing,
        connection: ConnectionHeader?,
        into output: inout [UInt8]
    ) {
        output.append(contentsOf: version)
        if let line = statusLines[status] {
            output.append(contentsOf: line)
        } else {
            output.append(contentsOf: "\(status) \(ReasonPhrase.of(status))".utf8)
        }
        output.append(contentsOf: dateName)
        output.append(contentsOf: date)
        output.append(contentsOf: serverLine)
        output.append(contentsOf: requestIDName)
        output.append(contentsOf: requestID.utf8)
        for header in headers {
            output.append(contentsOf: crlf)
            output.append(contentsOf: header.name.utf8)
            output.append(UInt8(ascii: ":"))
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: header.value.utf8)
        }
        switch framing {
        case .length(let count):
            // RFC 9110 §8.6: never on 1xx and 204; on a 304 only the length the 200 would have
            // had (§15.4.5), which the 304's empty body does not tell, so none there either.
            if status >= 200 && status != 204 && status != 304 {
                output.append(contentsOf: lengthName)
                appendDecimal(count, into: &output)
            }
        case .chunked:
            output.append(contentsOf: chunkedLine)
        case .untilClose:
            break
        }
        switch connection {
        case .close: output.append(contentsOf: closeLine)
        case .keepAlive: output.append(contentsOf: keepAliveLine)
        case nil: break
        }
        output.append(contentsOf: crlf)
        output.append(contentsOf: crlf)
    }

    enum ConnectionHeader: Equatable {
        case close
        case keepAlive
    }

    /// One chunk of a chunked body: hex size, CRLF, data, CRLF.
    static func appendChunk(_ bytes: [UInt8], into output: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        output.append(contentsOf: String(bytes.count, radix: 16).utf8)
        output.append(contentsOf: crlf)
        output.append(contentsOf: bytes)
        output.append(contentsOf: crlf)
    }

    /// The last chunk and an empty trailer section.
    static let lastChunk = Array("0\r\n\r\n".utf8)

    static func appendDecimal(_ value: Int, into output: inout [UInt8]) {
        if value == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while remaining > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            }
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }
}
