/// The byte stream a request travels on: the socket itself for `http`, TLS over it for
/// `https`. The exchange in ``OutboundHTTP`` is written once against it.
enum OutboundConnection {
    case plain(ClientSocket)
    case tls(TLSSession)

    func send(_ bytes: [UInt8], until deadline: Deadline) throws(OutboundFailure) {
        switch self {
        case .plain(let socket): try socket.send(bytes, until: deadline)
        case .tls(let session): try session.send(bytes, until: deadline)
        }
    }

    /// At most `maxBytes` bytes as soon as some have arrived; none at the end of the stream.
    func receive(maxBytes: Int, until deadline: Deadline, _ activity: String) throws(OutboundFailure) -> [UInt8] {
        switch self {
        case .plain(let socket): try socket.receive(maxBytes: maxBytes, until: deadline, activity)
        case .tls(let session): try session.receive(maxBytes: maxBytes, until: deadline, activity)
        }
    }
}
