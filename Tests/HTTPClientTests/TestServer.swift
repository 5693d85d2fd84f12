import COpenSSL
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP/1.1 receiver on `127.0.0.1` and an ephemeral port, for the client's tests: one
/// thread accepts connections one at a time, reads each request (head and `Content-Length`
/// body), records its exact bytes, and then does what ``Behavior`` says. With a certificate it
/// speaks TLS (OpenSSL's server side, `SSL_accept` on that thread).
final class TestServer: @unchecked Sendable {
    // Safe because: the recorded state (`requests`, `connections`, `handshakeFailures`) is only
    // touched with `lock` held; `listener`, `port` and `tls` are set in init and never change.
    enum Behavior: Sendable {
        /// Writes these bytes, then closes.
        case respond(String)
        /// Writes a head with `Content-Length: bodyBytes`, then that many bytes.
        case respondWithBody(status: Int, bodyBytes: Int)
        /// Never answers; waits until the client closes.
        case hang
        /// Closes with a TCP reset (`SO_LINGER` 0).
        case reset
        /// Closes without answering.
        case close
    }

    let port: Int
    private let listener: Int32
    private let behavior: Behavior
    private let tls: OpaquePointer?
    private let lock = NSLock()
    private var recordedRequests: [[UInt8]] = []
    private var recordedConnections = 0
    private var recordedHandshakeFailures = 0
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts listening; with `certificate` and `key` (PEM files), TLS.
    init(_ behavior: Behavior, certificate: String? = nil, key: String? = nil) throws {
        // A client that hung up must not kill the test process when the server writes.
        signal(SIGPIPE, SIG_IGN)
        self.behavior = behavior
        if let certificate, let key {
            guard let context = SSL_CTX_new(TLS_server_method()) else { throw TestServerError("SSL_CTX_new") }
            guard SSL_CTX_use_certificate_file(context, certificate, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1
            else {
                SSL_CTX_free(context)
                throw TestServerError("loading \(certificate) and \(key)")
            }
            tls = context
        } else {
            tls = nil
        }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && Glibc.listen(listener, 16) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else { throw TestServerError("listening on 127.0.0.1") }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in serve() }.start()
    }

    deinit {
        if let tls { SSL_CTX_free(tls) }
    }

    /// Stops accepting and waits for the serving thread to finish.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        stopped.wait()
        Glibc.close(listener)
    }

    /// The bytes of every request read, in order.
    var requests: [[UInt8]] { lock.withLock { recordedRequests } }
    /// Connections accepted (a TCP connection counts before any TLS handshake).
    var connections: Int { lock.withLock { recordedConnections } }
    var handshakeFailures: Int { lock.withLock { recordedHandshakeFailures } }

    private func serve() {
        defer { stopped.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            lock.withLock { recordedConnections += 1 }
            // Nothing waits forever, even if a test goes wrong.
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            handle(connection)
        }
    }

    private func handle(_ descriptor: Int32) {
        var stream = Stream(descriptor: descriptor, ssl: nil)
        defer { stream.close() }
        if let tls {
            let ssl = SSL_new(tls)
            SSL_set_fd(ssl, descriptor)
            stream.ssl = ssl
            guard SSL_accept(ssl) == 1 else {
                ERR_clear_error()
                SSL_free(ssl)
                stream.ssl = nil
                lock.withLock { recordedHandshakeFailures += 1 }
                return
            }
        }
        guard let request = readRequest(&stream) else { return }
        lock.withLock { recordedRequests.append(request) }
        switch behavior {
        case .respond(let text):
            stream.write(Array(text.utf8))
        case .respondWithBody(let status, let bodyBytes):
            stream.write(Array("HTTP/1.1 \(status) OK\r\nContent-Length: \(bodyBytes)\r\n\r\n".utf8))
            stream.write([UInt8](repeating: UInt8(ascii: "x"), count: bodyBytes))
        case .hang:
            while !stream.read(max: 4096).isEmpty {}
        case .reset:
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        case .close:
            break
        }
    }

    /// The head up to its empty line and `Content-Length` bytes of body.
    private func readRequest(_ stream: inout Stream) -> [UInt8]? {
        var bytes: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = bytes.firstRange(of: separator)?.upperBound {
                let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if bytes.count >= end + length { return bytes }
            }
            let chunk = stream.read(max: 4096)
            if chunk.isEmpty { return nil }
            bytes += chunk
        }
    }

    /// The accepted socket, through TLS when the server speaks it.
    private struct Stream {
        let descriptor: Int32
        var ssl: OpaquePointer?

        func read(max: Int) -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: max)
            let count = buffer.withUnsafeMutableBytes { raw in
                if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
                return Glibc.read(descriptor, raw.baseAddress, raw.count)
            }
            return count > 0 ? Array(buffer[..<count]) : []
        }

        func write(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { raw in
                    if let ssl { return Int(SSL_write(ssl, raw.baseAddress! + offset, Int32(raw.count - offset))) }
                    return send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                guard count > 0 else { return }
                offset += count
            }
        }

        func close() {
            if let ssl {
                SSL_shutdown(ssl)
                SSL_free(ssl)
            }
            Glibc.close(descriptor)
        }
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
