#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking TCP connection whose every wait is `poll` with what is left of a
/// ``Deadline``: the only place the outbound client makes socket system calls.
///
/// Every call captures `errno` right after itself and retries on `EINTR`; sends use
/// `MSG_NOSIGNAL`, so a peer that went away is an error here, not a `SIGPIPE` for the process.
/// It owns its descriptor: whoever connected it calls ``close()`` exactly once.
struct ClientSocket {
    let descriptor: Int32
    /// `address:port`, for messages.
    let peer: String

    /// Connects to exactly `address` (the one the address policy judged), waiting at most
    /// until `deadline`.
    static func connect(to address: IPAddress, port: Int, until deadline: Deadline) throws(OutboundFailure) -> ClientSocket {
        let peer = address.endpoint(port: port)
        // A connection to the loopback can succeed or fail at once: nothing starts after the deadline.
        guard !deadline.hasPassed else { throw OutboundFailure(.timeout, "connecting to \(peer): the deadline passed") }
        let descriptor = socket(
            address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw OutboundFailure(.connectFailed, "socket: \(describe(errno))") }
        let socket = ClientSocket(descriptor: descriptor, peer: peer)
        var noDelay: Int32 = 1
        // The request goes out in one write; without TCP_NODELAY a TLS record split across two
        // could wait for the peer's delayed ACK.
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))

        let error = address.withSocketAddress(port: port) { pointer, length in
            Glibc.connect(descriptor, pointer, length) == 0 ? 0 : errno
        }
        // EINTR: the connection goes on in the background, like EINPROGRESS (connect(2)).
        guard error == 0 || error == EINPROGRESS || error == EINTR else {
            socket.close()
            throw OutboundFailure(.connectFailed, "connecting to \(peer): \(describe(error))")
        }
        if error != 0 {
            do throws(OutboundFailure) {
                try socket.wait(for: POLLOUT, until: deadline, "connecting to \(peer)")
            } catch {
                socket.close()
                throw error
            }
            var outcome: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            let status = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &outcome, &length) == 0 ? outcome : errno
            guard status == 0 else {
                socket.close()
                throw OutboundFailure(.connectFailed, "connecting to \(peer): \(describe(status))")
            }
        }
        return socket
    }

    /// Sends all of `bytes` by `deadline`.
    func send(_ bytes: [UInt8], until deadline: Deadline) throws(OutboundFailure) {
        var offset = 0
        while offset < bytes.count {
            let (count, error) = bytes.withUnsafeBytes { buffer in
                let count = Glibc.send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                return (count, count < 0 ? errno : 0)
            }
            if count >= 0 {
                offset += count
                continue
            }
            switch error {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: POLLOUT, until: deadline, "sending to \(peer)")
            default: throw OutboundFailure(.connectionLost, "sending to \(peer): \(ClientSocket.describe(error))")
            }
        }
    }

    /// At most `maxBytes` bytes, as soon as some have arrived; none when the peer has closed.
    func receive(maxBytes: Int, until deadline: Deadline, _ activity: String) throws(OutboundFailure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        while true {
            let (count, error) = buffer.withUnsafeMutableBytes { buffer in
                let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
                return (count, count < 0 ? errno : 0)
            }
            if count >= 0 {
                buffer.removeLast(maxBytes - count)
                return buffer
            }
            switch error {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: POLLIN, until: deadline, activity)
            default: throw OutboundFailure(.connectionLost, "\(activity): \(ClientSocket.describe(error))")
            }
        }
    }

    func close() {
        _ = Glibc.close(descriptor)
    }

    /// Returns once `events` (or an error or hang-up) are signalled; throws `timeout` when the
    /// deadline passes first.
    private func wait(for events: Int32, until deadline: Deadline, _ activity: String) throws(OutboundFailure) {
        while true {
            guard let timeout = deadline.remainingMilliseconds() else {
                throw OutboundFailure(.timeout, "\(activity): the deadline passed")
            }
            var entry = pollfd(fd: descriptor, events: Int16(events), revents: 0)
            let ready = poll(&entry, 1, timeout)
            if ready > 0 { return }
            let error = errno
            guard ready < 0, error != EINTR else { continue }
            throw OutboundFailure(.connectionLost, "\(activity): poll: \(ClientSocket.describe(error))")
        }
    }

    static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
