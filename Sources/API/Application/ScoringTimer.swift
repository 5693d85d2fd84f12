import Dispatch
import Synchronization

/// Runs a periodic job on a background queue (customer scoring), first one interval after start;
/// stops on shutdown before the database closes.
///
/// `@unchecked Sendable`: the state is a Dispatch timer source, whose schedule, resume and cancel
/// calls are thread-safe, an immutable queue, and a mutex-guarded flag.
final class ScoringTimer: @unchecked Sendable {
    private let queue = DispatchQueue(label: "crm-scoring")
    private let timer: DispatchSourceTimer
    /// Whether the source has been resumed: a suspended source must be resumed before it is
    /// released, or Dispatch traps.
    private let resumed = Mutex(false)

    init() {
        timer = DispatchSource.makeTimerSource(queue: queue)
    }

    deinit {
        timer.cancel()
        resumeOnce()
    }

    func start(every interval: Duration, _ job: @escaping @Sendable () -> Void) {
        let milliseconds = Int(interval.components.seconds * 1000)
        // The first run waits one interval: the scores stored by the last run (or by `seed`) are
        // at most that old, and a start under load is not slowed by a full rescoring.
        timer.schedule(deadline: .now() + .milliseconds(milliseconds), repeating: .milliseconds(milliseconds), leeway: .seconds(1))
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
