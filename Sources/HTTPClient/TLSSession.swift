import COpenSSL

/// TLS over a ``ClientSocket``: OpenSSL works on two memory buffers (BIOs) and this type moves
/// bytes between them and the socket, so every wait is the socket's, bounded by the deadline,
/// and a send never raises `SIGPIPE`.
///
/// The peer's certificate must be for the URL's host: its DNS name among the certificate's
/// subjectAltNames (`SSL_set1_host`; the subject's common name is never consulted, RFC 9525,
/// and no partial wildcards such as `w*.example.com`), or, for an IP literal, that IP
/// address among them. The host name is also sent as SNI (RFC 6066 §3); an IP
/// literal is not, as that section forbids.
///
///     let session = try TLSSession(socket: socket, context: context, host: url.host, until: deadline)
///     try session.send(request, until: deadline)
///     let bytes = try session.receive(maxBytes: 16_384, until: deadline, "reading the response")
final class TLSSession {
    private let socket: ClientSocket
    private let ssl: OpaquePointer
    /// Bytes from the network, for OpenSSL to read; owned by `ssl`.
    private let input: OpaquePointer
    /// Bytes OpenSSL wrote, for the network; owned by `ssl`.
    private let output: OpaquePointer
    /// The socket reached end of stream; `input` now answers end of stream when empty.
    private var peerClosed = false

    /// Performs the handshake, verifying the peer's certificate for `host`.
    init(socket: ClientSocket, context: TLSContext, host: String, until deadline: Deadline) throws(OutboundFailure) {
        guard let ssl = SSL_new(context.context) else {
            throw OutboundFailure(.tlsFailure, "SSL_new: \(OpenSSLErrors.drain(or: "failed"))")
        }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw OutboundFailure(.tlsFailure, "BIO_new: \(OpenSSLErrors.drain(or: "failed"))")
        }
        SSL_set_bio(ssl, input, output)
        self.socket = socket
        self.ssl = ssl
        self.input = input
        self.output = output

        let configured: Bool
        if IPAddress(literal: host) != nil {
            configured = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT))
            configured = crm_ssl_set_server_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1
        }
        guard configured else {
            throw OutboundFailure(.tlsFailure, "setting the expected host \(host): \(OpenSSLErrors.drain(or: "failed"))")
        }
        SSL_set_connect_state(ssl)
        let activity = "TLS handshake with \(host) at \(socket.peer)"
        guard try drive(activity, until: deadline, { SSL_connect(ssl) }) > 0 else {
            throw OutboundFailure(.tlsFailure, "\(activity): the peer ended the connection")
        }
    }

    deinit {
        SSL_free(ssl)
    }

    func send(_ bytes: [UInt8], until deadline: Deadline) throws(OutboundFailure) {
        guard !bytes.isEmpty else { return }
        let ssl = self.ssl
        _ = try drive("sending to \(socket.peer)", until: deadline) {
            bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        }
    }

    /// At most `maxBytes` bytes of plaintext as soon as some have arrived; none at the end of
    /// the stream.
    func receive(maxBytes: Int, until deadline: Deadline, _ activity: String) throws(OutboundFailure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        let ssl = self.ssl
        let count = try drive(activity, until: deadline) {
            buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        }
        buffer.removeLast(maxBytes - Int(count))
        return buffer
    }

    /// Runs `operation` (an `SSL_*` call) until it succeeds, feeding OpenSSL from the socket
    /// whenever it wants to read and sending whatever it wrote after each try. Returns the
    /// call's positive result, or 0 at a clean end of stream.
    private func drive(_ activity: String, until deadline: Deadline, _ operation: () -> Int32) throws(OutboundFailure) -> Int32 {
        while true {
            ERR_clear_error()
            let result = operation()
            let error = result > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, result)
            switch error {
            case SSL_ERROR_NONE:
                try flush(until: deadline)
                return result
            case SSL_ERROR_ZERO_RETURN:
                return 0
            case SSL_ERROR_WANT_READ:
                try flush(until: deadline)
                guard !peerClosed else { throw OutboundFailure(.connectionLost, "\(activity): the peer closed the connection") }
                try fill(until: deadline, activity)
            case SSL_ERROR_WANT_WRITE:
                // A memory BIO takes every write; what OpenSSL wrote only has to be sent.
                try flush(until: deadline)
            default:
                let reason = failureReason()
                // The alert OpenSSL wrote tells the peer why; the connection is over either way.
                try? flush(until: deadline)
                throw OutboundFailure(.tlsFailure, "\(activity): \(reason)")
            }
        }
    }

    private func failureReason() -> String {
        let verification = SSL_get_verify_result(ssl)
        if verification != Int(X509_V_OK) {
            return "certificate verification failed: \(String(cString: X509_verify_cert_error_string(verification)))"
        }
        return OpenSSLErrors.drain(or: peerClosed ? "the peer closed the connection" : "TLS error")
    }

    /// Sends everything OpenSSL has written.
    private func flush(until deadline: Deadline) throws(OutboundFailure) {
        while BIO_ctrl_pending(output) > 0 {
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let count = chunk.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { return }
            chunk.removeLast(chunk.count - Int(count))
            try socket.send(chunk, until: deadline)
        }
    }

    /// Gives OpenSSL the next bytes from the socket, or the end of the stream.
    private func fill(until deadline: Deadline, _ activity: String) throws(OutboundFailure) {
        let bytes = try socket.receive(maxBytes: 16_384, until: deadline, activity)
        if bytes.isEmpty {
            peerClosed = true
            _ = crm_bio_set_mem_eof_return(input, 0)
            return
        }
        _ = bytes.withUnsafeBytes { BIO_write(input, $0.baseAddress, Int32($0.count)) }
    }
}

@available(*, unavailable)
extension TLSSession: Sendable {}
