#if canImport(Glibc)
    import Glibc
#endif

/// A thin value over a socket file descriptor: the only place that calls the socket system calls.
///
/// It owns nothing: whoever holds the descriptor closes it (``close()``) exactly once.
/// Every call captures `errno` immediately and retries on `EINTR`.
struct Socket: Sendable, Hashable {
    let descriptor: Int32

    /// The outcome of a non-blocking read or write.
    enum IOResult: Equatable {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    /// Opens a non-blocking TCP listener on an IPv4 `host:port` (`port` 0 picks a free one).
    static func listen(host: String, port: Int, backlog: Int32 = 4096) throws -> Socket {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket", errno: errno) }
        let socket = Socket(descriptor: fd)
        do {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let resolved = host == "localhost" ? "127.0.0.1" : host
            guard inet_pton(AF_INET, resolved, &address.sin_addr) == 1 else {
                throw SocketError("inet_pton(\(host))", errno: EINVAL)
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw SocketError("bind(\(host):\(port))", errno: errno) }
            guard Glibc.listen(fd, backlog) == 0 else { throw SocketError("listen", errno: errno) }
            return socket
        } catch {
            socket.close()
            throw error
        }
    }

    /// The port the socket is bound to (useful after listening on port 0).
    func localPort() throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError("getsockname", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts one pending connection as a non-blocking socket with `TCP_NODELAY`, or `nil` when none is pending.
    /// What `accept` found: a connection, none waiting (or one that gave up), or no descriptor
    /// (or kernel memory) to take one with, which retrying at once cannot change.
    enum Accepted {
        case connection(Socket)
        case none
        case exhausted
    }

    func accept() throws -> Accepted {
        while true {
            // accept4 is hidden behind _GNU_SOURCE in Glibc's module; fcntl costs one more call per connection.
            let fd = Glibc.accept(descriptor, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                let client = Socket(descriptor: fd)
                // Without TCP_NODELAY a keep-alive server shows the 40 ms Nagle/delayed-ACK stall.
                try? client.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                return .connection(client)
            }
            let error = errno
            switch error {
            case EINTR: continue
            // Nothing waiting, or the peer gave up before we accepted it.
            case EAGAIN, EWOULDBLOCK, ECONNABORTED, EPROTO: return .none
            // Out of descriptors or memory for now: not fatal for the listener, but the connection
            // stays queued and the socket readable, so asking again at once only spins.
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .exhausted
            default: throw SocketError("accept", errno: error)
            }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            let error = errno
            switch error {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .closed
            }
        }
    }

    /// Sends without raising SIGPIPE on a peer that has gone away.
    func write(_ buffer: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let count = send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .bytes(count) }
            let error = errno
            switch error {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .closed
            }
        }
    }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt(\(name))", errno: errno)
        }
    }

    /// Stops further sends and receives, waking a peer blocked on us, without releasing the descriptor.
    func shutdownBoth() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
