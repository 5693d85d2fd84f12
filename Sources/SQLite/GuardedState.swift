import Foundation

/// A value protected by one lock, with a condition to wait on: the small shared-state
/// primitive behind `Writer` and `ReaderPool`.
///
/// `NSCondition` is used (rather than `Synchronization.Mutex`) because it also gives
/// the wait/broadcast the writer queue and the pool need, and it is available on every
/// platform the package declares (Mutex needs macOS 15).
///
///     let depth = state.withLock { $0.queue.count }
///     let job = state.withLock(waitingUntil: { !$0.queue.isEmpty }) { $0.queue.removeFirst() }
final class GuardedState<State>: @unchecked Sendable {
    // Safe because: `state` is only read or written inside `withLock`, i.e. while
    // `condition` is locked, so accesses from different threads never overlap and the
    // lock orders them (happens-before). Non-Sendable values (the pool's idle
    // connections) are only *moved* out under the lock to a single borrower, who then
    // owns them alone until moving them back under the lock.
    private let condition = NSCondition()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    /// Runs `body` with the lock held. With `waitingUntil`, first waits (releasing the
    /// lock while asleep) until the predicate holds. With `broadcast`, wakes all waiters
    /// after `body`, because it changed something they may be waiting for.
    func withLock<T>(
        waitingUntil predicate: ((State) -> Bool)? = nil,
        broadcast: Bool = false,
        _ body: (inout State) throws -> T
    ) rethrows -> T {
        condition.lock()
        defer {
            if broadcast { condition.broadcast() }
            condition.unlock()
        }
        if let predicate {
            while !predicate(state) { condition.wait() }
        }
        return try body(&state)
    }
}
