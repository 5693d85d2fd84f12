#if canImport(Glibc)
    import Glibc
#endif

/// One point in time, on `CLOCK_MONOTONIC`, by which a whole exchange must be over: every wait
/// (name resolution, connect, TLS handshake, each read and write) is given what is left of it,
/// so the sum of the waits never exceeds it.
///
///     let deadline = Deadline(secondsFromNow: 10)
///     guard let timeout = deadline.remainingMilliseconds() else { throw .timeout }
///     poll(&descriptor, 1, timeout)
struct Deadline: Sendable {
    /// Nanoseconds on the monotonic clock.
    let instant: UInt64

    /// `seconds` from now; a negative, zero or non-finite value is a deadline already passed.
    init(secondsFromNow seconds: Double) {
        let now = Deadline.now()
        // A day is far beyond any caller's need and keeps the arithmetic clear of overflow.
        let bounded = seconds.isFinite ? min(max(seconds, 0), 86_400) : 0
        instant = now + UInt64(bounded * 1e9)
    }

    /// The whole milliseconds left, rounded up so that a wait never ends just short of the
    /// deadline and has to be repeated with 0; `nil` once it has passed.
    func remainingMilliseconds() -> Int32? {
        let now = Deadline.now()
        guard now < instant else { return nil }
        return Int32((instant - now + 999_999) / 1_000_000)
    }

    var hasPassed: Bool { Deadline.now() >= instant }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
