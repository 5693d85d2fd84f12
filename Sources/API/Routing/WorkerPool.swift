import Foundation

/// Where long work runs (search over large tables, exports' pages, imports, large bodies): a
/// fixed set of threads with a bounded queue, never an event loop.
///
/// Each thread runs `threadStarted` first (the application gives it a database reader of its
/// own), so a job never waits for a pooled connection. When `queueLimit` jobs already wait,
/// ``submit(_:)`` refuses the job and the caller answers `503` with `Retry-After`: under
/// overload the server sheds work at once instead of queueing it without bound.
///
///     let workers = WorkerPool(threads: 4, queueLimit: 256) { try? database.ownReader() }
///     guard workers.submit({ … }) else { return unavailable }
final class WorkerPool: Sendable {
    private final class Queue: @unchecked Sendable {
        // @unchecked Sendable: `jobs` and `stopped` are only touched with `condition` locked.
        let condition = NSCondition()
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    let threads: Int
    let queueLimit: Int
    private let queue = Queue()
    /// Signalled by each thread as it ends.
    private let ended = DispatchSemaphore(value: 0)

    init(threads: Int, queueLimit: Int, threadStarted: @escaping @Sendable () -> Void = {}) {
        self.threads = max(1, threads)
        self.queueLimit = max(1, queueLimit)
        for index in 0..<self.threads {
            let queue = self.queue
            let ended = self.ended
            let thread = Thread {
                // Below the event loops (nice 5; on Linux a nice value belongs to the thread), so a
                // busy pool never delays the short requests the loops answer themselves.
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
                threadStarted()
                Self.work(queue)
                ended.signal()
            }
            thread.name = "worker-\(index)"
            thread.start()
        }
    }

    /// Queues `job`; false (and `job` dropped) when the queue is full or the pool stopped.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        queue.condition.lock()
        defer { queue.condition.unlock() }
        guard !queue.stopped, queue.jobs.count - queue.head < queueLimit else { return false }
        queue.jobs.append(job)
        queue.condition.signal()
        return true
    }

    /// Jobs waiting for a thread (a metrics gauge).
    var waiting: Int {
        queue.condition.lock()
        defer { queue.condition.unlock() }
        return queue.jobs.count - queue.head
    }

    /// Lets the threads finish what is queued, then waits (at most `timeout`) for them to end,
    /// so that nothing still runs on their database connections when the database closes.
    /// Later submissions are refused.
    func shutdown(timeout: Duration = .seconds(5)) {
        queue.condition.lock()
        let wasStopped = queue.stopped
        queue.stopped = true
        queue.condition.broadcast()
        queue.condition.unlock()
        guard !wasStopped else { return }
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.components.seconds * 1000))
        for _ in 0..<threads where ended.wait(timeout: deadline) == .timedOut { return }
    }

    private static func work(_ queue: Queue) {
        while true {
            queue.condition.lock()
            while queue.head == queue.jobs.count && !queue.stopped { queue.condition.wait() }
            if queue.head == queue.jobs.count {
                queue.condition.unlock()
                return
            }
            let job = queue.jobs[queue.head]
            queue.head += 1
            if queue.head > 1024 && queue.head * 2 > queue.jobs.count {
                // Drop the consumed prefix now and then, so the array does not grow forever.
                queue.jobs.removeFirst(queue.head)
                queue.head = 0
            }
            queue.condition.unlock()
            job()
        }
    }
}
