#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sleeping on libpq's socket (`PQsocket`) until it is ready or a deadline passes: the one place
/// this module calls the OS, used while connecting and while waiting for a notification, so that
/// neither ever spins.
enum SocketWait {
    enum Readiness {
        case readable
        case writable
    }

    /// True once `descriptor` is ready (an error or hang-up counts: the next libpq call reads and
    /// reports it); false when `deadline` passes first. A deadline already passed still looks
    /// once, without sleeping ("is anything there now?"). With no deadline, waits as long as it
    /// takes.
    static func wait(
        _ descriptor: Int32, until readiness: Readiness, deadline: ContinuousClock.Instant?
    ) throws -> Bool {
        let events = Int16(readiness == .readable ? POLLIN : POLLOUT)
        while true {
            let timeout = deadline.map { remainingMilliseconds(until: $0) ?? 0 } ?? -1
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, timeout)
            let error = errno
            if ready > 0 { return true }
            // A timeout ends the wait only when no time was left; otherwise (a timer's rounding)
            // look again with what is left.
            if ready == 0 {
                if timeout == 0 { return false }
                continue
            }
            if error == EINTR { continue }
            throw PostgresError(
                sqlState: PostgresError.connectionLost,
                message: "poll on the connection's socket failed: \(String(cString: strerror(error)))")
        }
    }

    /// The whole milliseconds left, rounded up so a wait never ends just short of the deadline
    /// and has to be repeated with 0; nil once it has passed.
    static func remainingMilliseconds(until deadline: ContinuousClock.Instant) -> Int32? {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return nil }
        let milliseconds = (remaining / .milliseconds(1)).rounded(.up)
        return Int32(min(milliseconds, Double(Int32.max)))
    }
}
