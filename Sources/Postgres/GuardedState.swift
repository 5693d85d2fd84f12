import Foundation

/// A value protected by one lock, with a condition to wait on until a deadline: the shared state
/// behind ``ConnectionPool``. (The SQLite module has its own, without deadlines; the two modules
/// share nothing, so that either builds without the other.)
///
/// `NSCondition` rather than `Synchronization.Mutex`: it also gives the timed wait and the
/// broadcast the pool needs, on every platform the package declares.
///
///     let idle = state.withLock { $0.idle.count }
///     let lease = try state.withLock(waitingUntil: { !$0.idle.isEmpty }, deadline: deadline) { … }
final class GuardedState<State>: @unchecked Sendable {
    // Safe because: `state` is only read or written inside `withLock`, while `condition` is
    // locked, so accesses from different threads never overlap and the lock orders them.
    // Non-Sendable values (the pool's idle connections) are only *moved* out under the lock to a
    // single borrower, who then owns them alone until moving them back under the lock.
    private let condition = NSCondition()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    /// Runs `body` with the lock held. With `broadcast`, wakes all waiters after `body`, because
    /// it changed something they may be waiting for.
    func withLock<T>(broadcast: Bool = false, _ body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer {
            if broadcast { condition.broadcast() }
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits (releasing the lock while asleep) until `predicate` holds, then runs `body` with the
    /// lock held; nil, without running `body`, if `deadline` passes first.
    func withLock<T>(
        waitingUntil predicate: (State) -> Bool, deadline: ContinuousClock.Instant, _ body: (inout State) throws -> T
    ) rethrows -> T? {
        condition.lock()
        defer { condition.unlock() }
        while !predicate(state) {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return nil }
            // NSCondition waits on the wall clock; the remaining time is recomputed on the
            // monotonic one after every wake, so a clock step shortens or stretches one wait only.
            _ = condition.wait(until: Date(timeIntervalSinceNow: remaining / .seconds(1)))
        }
        return try body(&state)
    }

    /// Waits (releasing the lock while asleep) until `predicate` holds, however long, then runs
    /// `body` with the lock held: for a thread whose only work is what arrives (the writer).
    func withLock<T>(waitingUntil predicate: (State) -> Bool, _ body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        while !predicate(state) { condition.wait() }
        return try body(&state)
    }
}
