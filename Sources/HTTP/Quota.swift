import Synchronization

/// The memory all request bodies in flight may hold together, across every connection and loop.
///
/// A connection charges a body to the budget once its head passed the route's screen: the whole
/// `Content-Length` at once, a chunked body as it grows. When a charge does not fit, the request
/// is answered `503` with `Retry-After` and the connection closed, so a crowd of slow or large
/// uploads costs at most this much memory, however many connections carry them. The charge is
/// returned when the exchange ends or the connection closes.
///
///     let budget = BodyBudget(limit: 64 << 20)
///     guard budget.reserve(length) else { refuse() }
///     defer { budget.release(length) }
public final class BodyBudget: Sendable {
    public let limit: Int
    private let used = Atomic<Int>(0)

    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Bytes currently charged.
    public var inUse: Int { used.load(ordering: .relaxed) }

    /// Charges `bytes` if they fit under ``limit``; returns whether they did.
    public func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            guard bytes <= limit - current else { return false }
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Returns `bytes` charged earlier.
    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.subtract(bytes, ordering: .relaxed)
    }
}
