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

    init(threads: Int, queueLimit: Int, threadStarted: @escaping @Sendable () -> Void = {}) {
        self.threads = max(1, threads)
        self.queueLimit = max(1, queueLimit)
        for index in 0..<self.threads {
            let queue = self.queue
            let thread = Thread {
                threadStarted()
                Self.work(queue)
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

    /// Lets the threads finish what is queued, then end; later submissions are refused.
    func shutdown() {
        queue.condition.lock()
        queue.stopped = true
        queue.condition.broadcast()
        queue.condition.unlock()
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
