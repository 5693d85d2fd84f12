import Dispatch
import Synchronization

/// Runs a periodic job on a background queue of its own (customer scoring, the daily automations
/// check), first one interval after start; stops on shutdown before the database closes.
///
/// `@unchecked Sendable`: the state is a Dispatch timer source, whose schedule, resume and cancel
/// calls are thread-safe, an immutable queue, and a mutex-guarded flag.
final class PeriodicTimer: @unchecked Sendable {
    private let queue: DispatchQueue
    private let timer: DispatchSourceTimer
    /// Whether the source has been resumed: a suspended source must be resumed before it is
    /// released, or Dispatch traps.
    private let resumed = Mutex(false)

    init(label: String) {
        queue = DispatchQueue(label: label)
        timer = DispatchSource.makeTimerSource(queue: queue)
    }

    deinit {
        timer.cancel()
        resumeOnce()
    }

    /// - Parameter first: the wait before the first run, one `interval` when nil.
    func start(every interval: Duration, first: Duration? = nil, leeway: Duration = .seconds(1), _ job: @escaping @Sendable () -> Void) {
        func milliseconds(_ duration: Duration) -> Int {
            Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
        // The first run waits one interval unless told otherwise: a start under load is not
        // slowed by the job (scores stored by the last run or by `seed` are at most that old).
        timer.schedule(
            deadline: .now() + .milliseconds(milliseconds(first ?? interval)), repeating: .milliseconds(milliseconds(interval)),
            leeway: .milliseconds(milliseconds(leeway)))
        timer.setEventHandler(handler: job)
        resumeOnce()
    }

    func stop() {
        timer.cancel()
        resumeOnce()
        // Let a run in progress finish before the database closes.
        queue.sync {}
    }

    private func resumeOnce() {
        let first = resumed.withLock { wasResumed -> Bool in
            defer { wasResumed = true }
            return !wasResumed
        }
        if first { timer.resume() }
    }
}
