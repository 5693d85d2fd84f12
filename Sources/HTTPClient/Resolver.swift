import CLinux
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Name resolution (`getaddrinfo`) that gives up at a ``Deadline``.
///
/// `getaddrinfo` has no timeout of its own and may wait for the resolver's retries well past
/// any deadline (`resolv.conf(5)`: 5 s per try, per server). So a name is looked up on a thread
/// of its own, and the caller waits for it with `poll` on an `eventfd`: when the deadline
/// passes first, the caller returns and the thread finishes on its own, later, and drops its
/// answer. IP literals need no lookup and are answered at once.
///
///     let addresses = try Resolver.resolve(host: "hooks.example.com", until: deadline)
enum Resolver {
    /// Every address `host` resolves to for TCP, in the resolver's order, without repeats.
    static func resolve(host: String, until deadline: Deadline) throws(OutboundFailure) -> [IPAddress] {
        if let literal = IPAddress(literal: host) { return [literal] }
        let lookup = try PendingLookup(host: host)
        try lookup.start()
        while true {
            guard let timeout = deadline.remainingMilliseconds() else {
                throw OutboundFailure(.timeout, "resolving \(host): the deadline passed")
            }
            var entry = pollfd(fd: lookup.event, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, timeout)
            let error = errno
            // The thread sets the outcome before it signals, so a readable event means an outcome.
            if ready > 0, let outcome = lookup.outcome.withLock({ $0 }) { return try outcome.get() }
            if ready < 0, error != EINTR {
                throw OutboundFailure(.dnsFailure, "resolving \(host): poll: \(ClientSocket.describe(error))")
            }
        }
    }

    /// The lookup itself, on the calling thread.
    fileprivate static func lookUp(_ host: String) -> Result<[IPAddress], OutboundFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        // IPv6 addresses only when this host has IPv6 connectivity to use them.
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        let error = errno
        guard status == 0 else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(error)) : String(cString: gai_strerror(status))
            return .failure(OutboundFailure(.dnsFailure, "resolving \(host): \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var node = list
        while let entry = node {
            if let socketAddress = entry.pointee.ai_addr, let address = IPAddress(socketAddress: socketAddress),
                !addresses.contains(address)
            {
                addresses.append(address)
            }
            node = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { return .failure(OutboundFailure(.dnsFailure, "resolving \(host): no address")) }
        return .success(addresses)
    }
}

/// One lookup shared by the thread doing it and the caller waiting for it; whichever lets go
/// last closes the `eventfd`, so the thread never signals a closed (or reused) descriptor.
private final class PendingLookup: Sendable {
    let host: String
    /// Readable once ``outcome`` is set.
    let event: Int32
    let outcome = Mutex<Result<[IPAddress], OutboundFailure>?>(nil)

    init(host: String) throws(OutboundFailure) {
        self.host = host
        event = eventfd(0, Int32(EFD_CLOEXEC))
        guard event >= 0 else { throw OutboundFailure(.dnsFailure, "resolving \(host): eventfd: \(ClientSocket.describe(errno))") }
    }

    deinit {
        close(event)
    }

    /// Starts the lookup on a detached thread, which holds a reference until it has answered.
    func start() throws(OutboundFailure) {
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { argument in
                let lookup = Unmanaged<PendingLookup>.fromOpaque(argument!).takeRetainedValue()
                lookup.run()
                return nil
            }, retained)
        guard status == 0 else {
            Unmanaged<PendingLookup>.fromOpaque(retained).release()
            throw OutboundFailure(.dnsFailure, "resolving \(host): no thread to resolve on: \(ClientSocket.describe(status))")
        }
        pthread_detach(thread)
    }

    private func run() {
        let result = Resolver.lookUp(host)
        outcome.withLock { $0 = result }
        var one: UInt64 = 1
        _ = write(event, &one, MemoryLayout<UInt64>.size)
    }
}
