import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A deliberately dumb HTTP/1.1 client over a blocking socket, so tests control every byte sent
/// and see every byte received (pipelining, split writes, malformed requests, timeouts).
final class RawClient {
    struct Reply {
        let status: Int
        let headers: [(String, String)]
        let body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var text: String { String(decoding: body, as: UTF8.self) }

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw ClientError("body is not a JSON object: \(text)")
            }
            return object
        }
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveTimeout: TimeInterval = 5) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw ClientError("connect failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - floor(receiveTimeout)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(descriptor) }

    /// Ends the connection both ways now (the descriptor itself is closed on deinit).
    func closeNow() { shutdown(descriptor, Int32(SHUT_RDWR)) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ClientError("send failed: errno \(errno)") }
            offset += written
        }
    }

    /// Sends a request with the usual headers filled in.
    func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil
    ) throws -> Reply {
        try send(Self.format(method, target, headers: headers, body: body))
        return try readResponse(method: method)
    }

    static func format(_ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil) -> String {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { text += "Content-Type: application/json\r\n" }
            text += "Content-Length: \(body.utf8.count)\r\n"
        }
        text += "\r\n" + (body ?? "")
        return text
    }

    /// Reads bytes until the peer closes or the receive timeout passes; returns them.
    func readToEnd() -> [UInt8] {
        var all = buffer
        buffer = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            all += chunk[0..<count]
        }
        return all
    }

    /// True when the server has closed the connection (EOF within the timeout).
    func isClosedByPeer() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
            buffer += chunk[0..<count]
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { throw ClientError("connection closed by server") }
        if count < 0 { throw ClientError("recv failed or timed out: errno \(errno)") }
        buffer += chunk[0..<count]
    }

    /// One line of the answer, without its CRLF.
    func line() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: 10) {
                var bytes = Array(buffer[..<index])
                buffer.removeFirst(index + 1)
                if bytes.last == 13 { bytes.removeLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            try fill()
        }
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// Reads one response; `method` HEAD means no body whatever the headers say.
    func readResponse(method: String = "GET") throws -> Reply {
        var statusLine = try line()
        var status = Int(statusLine.split(separator: " ")[1]) ?? 0
        var headers = try readHeaders()
        while status == 100 {
            statusLine = try line()
            status = Int(statusLine.split(separator: " ")[1]) ?? 0
            headers = try readHeaders()
        }
        let reply = Reply(status: status, headers: headers, body: [])
        if method == "HEAD" || status == 204 || status == 304 { return reply }
        if reply.header("Transfer-Encoding")?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while true {
                let sizeLine = try line()
                let size = Int(sizeLine.split(separator: ";")[0], radix: 16) ?? 0
                if size == 0 {
                    while try !line().isEmpty {}
                    break
                }
                body += try take(size)
                _ = try line()
            }
            return Reply(status: status, headers: headers, body: body)
        }
        let length = Int(reply.header("Content-Length") ?? "0") ?? 0
        return Reply(status: status, headers: headers, body: try take(length))
    }

    private func readHeaders() throws -> [(String, String)] {
        var headers: [(String, String)] = []
        while true {
            let text = try line()
            if text.isEmpty { return headers }
            guard let colon = text.firstIndex(of: ":") else { throw ClientError("bad header line \(text)") }
            headers.append((String(text[..<colon]), text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
    }
}
