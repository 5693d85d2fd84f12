import Foundation

/// A value protected by one lock, with a condition to wait on: the small shared-state primitive
/// behind both engines' writers and their connection pools.
///
/// `NSCondition` is used (rather than `Synchronization.Mutex`) because it also gives the waits
/// (without end, or until a deadline) and the broadcast the writer queues and the pools need, on
/// every platform the package declares (Mutex needs macOS 15).
///
///     let depth = state.withLock { $0.queue.count }
///     let job = state.withLock(waitingUntil: { !$0.queue.isEmpty }) { $0.queue.removeFirst() }
///     let lease = state.withLock(waitingUntil: { !$0.idle.isEmpty }, deadline: deadline) { … }
public final class GuardedState<State>: @unchecked Sendable {
    // Safe because: `state` is only read or written inside `withLock`, i.e. while `condition` is
    // locked, so accesses from different threads never overlap and the lock orders them
    // (happens-before). Non-Sendable values (the pools' idle connections) are only *moved* out
    // under the lock to a single borrower, who then owns them alone until moving them back.
    private let condition = NSCondition()
    private var state: State

    public init(_ state: State) {
        self.state = state
    }

    /// Runs `body` with the lock held. With `waitingUntil`, first waits (releasing the lock while
    /// asleep) until the predicate holds. With `broadcast`, wakes all waiters after `body`,
    /// because it changed something they may be waiting for.
    public func withLock<T>(
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

    /// Waits (releasing the lock while asleep) until `predicate` holds, then runs `body` with the
    /// lock held; nil, without running `body`, if `deadline` passes first.
    public func withLock<T>(
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
}
