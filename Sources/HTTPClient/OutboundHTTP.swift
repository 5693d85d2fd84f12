/// One outbound HTTP/1.1 `POST` of a JSON body, blocking its calling thread for at most a
/// deadline: what webhook delivery needs, and nothing more (no redirects, no keep-alive, no
/// proxies, no response body).
///
///     let url = try OutboundURL(parsing: webhook.url)
///     let result = OutboundHTTP.post(url: url, headers: [("X-CRM-Signature", signature)],
///                                    body: payload, deadline: 10, allowPrivate: false)
///     if case .response(let status) = result, (200..<300).contains(status) { markDelivered() }
///
/// Steps, all within the one deadline:
/// 1. Resolve the host (`getaddrinfo`, given up on at the deadline; an IP literal is not
///    looked up).
/// 2. Unless `allowPrivate`, check *every* resolved address with ``AddressPolicy``: if any is
///    forbidden the delivery is refused (`forbiddenAddress`) before anything is connected,
///    since a name that mixes internal and public addresses can steer the connection
///    wherever it likes. This is the SSRF check at delivery.
/// 3. Connect to the checked addresses in the resolver's order, to exactly those addresses (no
///    second lookup), until one accepts.
/// 4. For `https`, the TLS handshake, verifying the certificate for the host (``TLSSession``).
/// 5. Send the request (``OutboundRequest``), read the response head (``ResponseHeadParser``,
///    at most ``maxHeadBytes``), then read and discard at most ``maxDrainedBodyBytes`` of the
///    body, as long as the deadline allows, before closing.
///
/// The status code is the answer; a `3xx` is one like any other.
public enum OutboundHTTP {
    /// The largest response head read (all interim heads included).
    public static let maxHeadBytes = 16 * 1024
    /// The most body read and discarded after the head: enough for any answer to a webhook,
    /// small enough that a server streaming without end costs little.
    public static let maxDrainedBodyBytes = 64 * 1024

    /// Posts `body` (JSON) to `url` and returns the status the server answered, or why there
    /// was none, after at most `deadline` seconds.
    ///
    /// - Parameters:
    ///   - headers: Sent after the client's own (`Host`, `User-Agent`, `Content-Type`,
    ///     `Content-Length`, `Connection`), which they may not repeat.
    ///   - allowPrivate: Skips the address check: for a server whose webhooks are meant to
    ///     reach its own network, and for tests.
    ///   - trustedCAFile: A PEM file of certificates to trust besides the system's.
    public static func post(
        url: OutboundURL,
        headers: [(String, String)],
        body: [UInt8],
        deadline seconds: Double,
        allowPrivate: Bool,
        trustedCAFile: String? = nil
    ) -> OutboundResult {
        let deadline = Deadline(secondsFromNow: seconds)
        do throws(OutboundFailure) {
            let request = try OutboundRequest.encode(url: url, headers: headers, body: body)
            let tlsContext = url.scheme == .https ? try TLSContext.shared(trustedCAFile: trustedCAFile) : nil
            let addresses = try Resolver.resolve(host: url.host, until: deadline)
            if !allowPrivate, let forbidden = addresses.first(where: AddressPolicy.isForbidden) {
                let resolved = url.ipAddress == nil ? " resolves to \(forbidden), which is" : " is"
                throw OutboundFailure(.forbiddenAddress, "\(url.host)\(resolved) \(AddressClass(forbidden))")
            }
            let socket = try connect(to: addresses, port: url.port, until: deadline)
            defer { socket.close() }
            let connection: OutboundConnection
            if let tlsContext {
                connection = .tls(try TLSSession(socket: socket, context: tlsContext, host: url.host, until: deadline))
            } else {
                connection = .plain(socket)
            }
            try connection.send(request, until: deadline)
            let (head, bodyStart) = try readHead(from: connection, until: deadline)
            discardBody(of: head, alreadyRead: bodyStart, from: connection, until: deadline)
            return .response(statusCode: head.statusCode)
        } catch {
            return .failure(error)
        }
    }

    /// The first of `addresses` that accepts a connection. A timeout ends the search (the
    /// deadline is spent); any other failure moves on to the next address.
    private static func connect(to addresses: [IPAddress], port: Int, until deadline: Deadline) throws(OutboundFailure) -> ClientSocket {
        var failures: [String] = []
        for address in addresses {
            do throws(OutboundFailure) {
                return try ClientSocket.connect(to: address, port: port, until: deadline)
            } catch  where error.kind == .timeout {
                throw error
            } catch {
                failures.append(error.detail)
            }
        }
        throw OutboundFailure(.connectFailed, failures.joined(separator: "; "))
    }

    /// The final response's head, and how many body bytes came with it.
    private static func readHead(from connection: OutboundConnection, until deadline: Deadline) throws(OutboundFailure) -> (
        ResponseHead, Int
    ) {
        var parser = ResponseHeadParser(limit: maxHeadBytes)
        var received = 0
        while true {
            let bytes = try connection.receive(maxBytes: 16 * 1024, until: deadline, "waiting for the response")
            guard !bytes.isEmpty else {
                throw OutboundFailure(
                    .connectionLost,
                    received == 0
                        ? "the server closed the connection without responding"
                        : "the server closed the connection inside the response head")
            }
            received += bytes.count
            switch parser.append(bytes) {
            case .needMore: continue
            case .complete(let head, let remainder): return (head, remainder.count)
            case .invalid(let reason): throw OutboundFailure(.protocolError, reason)
            }
        }
    }

    /// Reads what is left of the body, up to ``maxDrainedBodyBytes`` in all, and drops it. The
    /// answer is already known, so this ends quietly on any error, the end of the stream, or
    /// the deadline.
    private static func discardBody(of head: ResponseHead, alreadyRead: Int, from connection: OutboundConnection, until deadline: Deadline)
    {
        var remaining: Int
        switch head.framing {
        case .none: return
        case .length(let length): remaining = min(length, maxDrainedBodyBytes) - alreadyRead
        case .untilClose: remaining = maxDrainedBodyBytes - alreadyRead
        }
        while remaining > 0 {
            guard let bytes = try? connection.receive(maxBytes: min(remaining, 16 * 1024), until: deadline, "reading the body"),
                !bytes.isEmpty
            else { return }
            remaining -= bytes.count
        }
    }
}
