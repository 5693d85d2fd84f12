/// One unit of work queued for a single-writer thread (SQLite's `Writer`, PostgreSQL's): a job
/// that joins a batch transaction, or exclusive work that runs alone between batches.
///
/// A job's result type is erased, so jobs of any `T` share one queue; what running it produced is
/// an ``WriteJob/Outcome``, which says whether its savepoint stays and how to tell its submitter
/// once the batch's fate is known.
public enum WriteItem<Connection>: Sendable {
    case job(WriteJob<Connection>)
    /// Runs alone, outside any transaction; `reject` tells its caller when it cannot run.
    case exclusive(run: @Sendable (Connection) -> Void, reject: @Sendable (any Error) -> Void)
}

public struct WriteJob<Connection>: Sendable {
    public struct Outcome: Sendable {
        /// Whether the job succeeded (its savepoint is kept).
        public let succeeded: Bool
        /// Called after COMMIT: the job's own result.
        public let deliver: @Sendable () -> Void
        /// Called instead when the batch did not commit.
        public let fail: @Sendable (any Error) -> Void

        /// This outcome turned into a failure with `error` (a job whose work was undone).
        public func failing(with error: any Error) -> Outcome {
            let fail = self.fail
            return Outcome(succeeded: false, deliver: { fail(error) }, fail: fail)
        }
    }

    public let execute: @Sendable (Connection) -> Outcome
    /// Fails a job that never ran because its batch had already failed.
    public let reject: @Sendable (any Error) -> Void
    /// The job runs first in its batch, so that a writer may run it outside a savepoint of its
    /// own and the savepoints it opens are the outermost (``Array/takeJobs(limit:joining:)``):
    /// for jobs of many records, each in its own savepoint. SQLite truncates its in-memory
    /// sub-journal on every RELEASE by walking it from the start, so a thousand savepoints
    /// nested in a job's one cost time in the square of the records; outermost ones start from
    /// an empty sub-journal. A failing outermost job undoes its whole transaction, which holds
    /// no other job's work: it ran first.
    public let outermost: Bool

    /// `job`, whose `completion` is called exactly once: with its result after its batch's
    /// COMMIT, or with the error that undid it.
    public init<T: Sendable>(
        outermost: Bool = false,
        _ job: @escaping @Sendable (Connection) throws -> T, completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        self.outermost = outermost
        execute = { connection in
            do {
                let value = try job(connection)
                return Outcome(succeeded: true, deliver: { completion(.success(value)) }, fail: { completion(.failure($0)) })
            } catch {
                return Outcome(succeeded: false, deliver: { completion(.failure(error)) }, fail: { completion(.failure($0)) })
            }
        }
        reject = { completion(.failure($0)) }
    }
}

extension Array {
    /// The next exclusive item alone, or the jobs at the head of the queue up to `limit`; nil when
    /// the queue is empty.
    public mutating func takeWork<Connection>(limit: Int) -> WriteWork<Connection>? where Element == WriteItem<Connection> {
        guard let first else { return nil }
        if case .exclusive(let run, let reject) = first {
            removeFirst()
            return .exclusive(run: run, reject: reject)
        }
        return .batch(takeJobs(limit: limit))
    }

    /// Removes and returns the consecutive jobs at the head of the queue, at most `limit`; stops at
    /// an exclusive item so it runs between batches, in order, and at an ``WriteJob/outermost``
    /// job, which is taken alone when it heads a new batch (`joining` false): the jobs behind it
    /// join its batch only once it has run, so one that fails has no batch-mate to take down.
    public mutating func takeJobs<Connection>(limit: Int, joining: Bool = false) -> [WriteJob<Connection>]
    where Element == WriteItem<Connection> {
        var jobs: [WriteJob<Connection>] = []
        for item in prefix(limit) {
            guard case .job(let job) = item else { break }
            if job.outermost {
                if jobs.isEmpty && !joining { jobs.append(job) }
                break
            }
            jobs.append(job)
        }
        removeFirst(jobs.count)
        return jobs
    }
}

/// What a writer thread takes from its queue at once.
public enum WriteWork<Connection> {
    case exclusive(run: @Sendable (Connection) -> Void, reject: @Sendable (any Error) -> Void)
    case batch([WriteJob<Connection>])
}

/// Runs `body` on a writer's thread through `enqueue` and waits for it: the blocking half of
/// `perform` and `exclusive`, for the command line, tests and worker threads.
public func waitFor<T: Sendable>(_ enqueue: (_ done: @escaping @Sendable (Result<T, any Error>) -> Void) -> Void) throws -> T {
    let result = GuardedState<Result<T, any Error>?>(nil)
    enqueue { outcome in result.withLock(broadcast: true) { $0 = outcome } }
    return try result.withLock(waitingUntil: { $0 != nil }) { $0! }.get()
}
