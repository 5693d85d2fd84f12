import Synchronization

/// A limited amount shared by every thread: units are taken when they fit under ``limit`` and
/// given back later, without locks.
///
/// The server's body budget is one: the memory all request bodies in flight may hold together,
/// across every connection and loop. A connection charges a body once its head passed the
/// route's screen (the whole `Content-Length` at once, a chunked body as it grows); a charge that
/// does not fit is answered `503` with `Retry-After` and the connection closed, so a crowd of
/// slow or large uploads costs at most this much memory, however many connections carry them.
/// The charge is returned when the exchange ends or the connection closes. The API counts
/// running exports with another.
///
///     let budget = Quota(limit: 64 << 20)
///     guard budget.reserve(length) else { refuse() }
///     defer { budget.release(length) }
public final class Quota: Sendable {
    public let limit: Int
    private let used = Atomic<Int>(0)

    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Units currently taken.
    public var inUse: Int { used.load(ordering: .relaxed) }

    /// Takes `units` if they fit under ``limit``; returns whether they did.
    public func reserve(_ units: Int) -> Bool {
        guard units > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            guard units <= limit - current else { return false }
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + units, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Gives back `units` taken earlier.
    public func release(_ units: Int) {
        guard units > 0 else { return }
        used.subtract(units, ordering: .relaxed)
    }
}
