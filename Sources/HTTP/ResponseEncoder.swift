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
    /// Every response goes through here, so the head is written with plain copies into a buffer
    /// sized beforehand (``ByteWriter``) and appended to `output` in one piece.
    static func appendHead(
        status: Int,
        headers: [(name: String, value: String)],
        requestID: String,
        date: [UInt8],
        framing: Framing,
        connection: ConnectionHeader?,
        into output: inout [UInt8]
    ) {
        let statusLine =
            (100..<600).contains(status) ? statusLines[status - 100] : Array("HTTP/1.1 \(status) \(ReasonPhrase.of(status))\r\nDate: ".utf8)
        // The fixed pieces below take at most 101 bytes: Server and X-Request-Id names (36),
        // Content-Length with 19 digits (37) or Transfer-Encoding (28), Connection and the end (28).
        var capacity = 112 + statusLine.count + date.count + ByteWriter.length(requestID)
        for header in headers { capacity += ByteWriter.length(header.name) + ByteWriter.length(header.value) + 4 }
        output.appendWriting(capacity: capacity) { writer in
            writer.write(statusLine)
            writer.write(date)
            writer.write("\r\nServer: crm-server\r\nX-Request-Id: ")
            writer.write(requestID)
            for header in headers {
                writer.write("\r\n")
                writer.write(header.name)
                writer.write(": ")
                writer.write(header.value)
            }
            switch framing {
            case .length(let count):
                // RFC 9110 §8.6: never on 1xx and 204; on a 304 only the length the 200 would have
                // had (§15.4.5), which the 304's empty body does not tell, so none there either.
                if status >= 200 && status != 204 && status != 304 {
                    writer.write("\r\nContent-Length: ")
                    writer.writeDecimal(count)
                }
            case .chunked:
                writer.write("\r\nTransfer-Encoding: chunked")
            case .untilClose:
                break
            }
            switch connection {
            case .close: writer.write("\r\nConnection: close\r\n\r\n")
            case .keepAlive: writer.write("\r\nConnection: keep-alive\r\n\r\n")
            case nil: writer.write("\r\n\r\n")
            }
        }
    }

    enum ConnectionHeader: Equatable {
        case close
        case keepAlive
    }

    /// One chunk of a chunked body: hex size, CRLF, data, CRLF.
    static func appendChunk(_ bytes: [UInt8], into output: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        output.append(contentsOf: String(bytes.count, radix: 16).utf8)
        output.append(contentsOf: [13, 10])
        output.append(contentsOf: bytes)
        output.append(contentsOf: [13, 10])
    }

    /// The last chunk and an empty trailer section.
    static let lastChunk = Array("0\r\n\r\n".utf8)
}
