import Foundation
import WriteQueue

/// One thread with one connection that runs write jobs in batches, each batch one transaction
/// (group commit), every transaction first taking one advisory lock held to its COMMIT.
///
/// The lock is what makes several processes on one database write one at a time, as SQLite's
/// single writer does within one: a transaction that holds it sees every write committed before
/// it, and none commits until it has. So what a store computes from the committed state (the
/// next change-feed `seq`, a uniqueness check, a version) holds at its COMMIT, on every node.
/// Batching is what keeps that fast: one lock, one round trip to COMMIT and one WAL flush serve
/// every job queued meanwhile.
///
///     let writer = try Writer(configuration, lockKey: 42)
///     writer.submit({ connection in
///         try connection.run("INSERT INTO notes (body) VALUES ($1)", ["你好"])
///     }, completion: { result in respond(result) })
///
/// Each job runs in its own SAVEPOINT: one that throws is rolled back to it and gets its error,
/// its batch-mates go on. Completions run on the writer thread after the COMMIT (or with the
/// error that prevented it), in submission order. A broken connection fails its batch with an
/// ``PostgresError/isUnavailable`` error and is opened again for the next one, so the writer
/// recovers by itself when PostgreSQL restarts.
public final class Writer: Sendable {
    public static let defaultMaximumBatchSize = 256

    /// The error every job submitted after `close()` gets.
    public static let closedError = PostgresError(sqlState: "57P01", message: "the writer is closed")

    public let lockKey: Int64
    public let maximumBatchSize: Int
    let state: GuardedState<PostgresWriterState>

    /// Starts the writer thread; the connection opens with the first batch (and again after one
    /// breaks), so a server that is down at start delays nothing but the writes.
    public init(
        _ configuration: ConnectionConfiguration, lockKey: Int64, label: String = "postgres-writer",
        maximumBatchSize: Int = Writer.defaultMaximumBatchSize
    ) {
        precondition(maximumBatchSize > 0, "a batch holds at least one job")
        let state = GuardedState(PostgresWriterState())
        self.lockKey = lockKey
        self.maximumBatchSize = maximumBatchSize
        self.state = state
        let thread = Thread {
            Writer.serve(configuration: configuration, lockKey: lockKey, state: state, maximumBatchSize: maximumBatchSize)
        }
        thread.name = label
        thread.start()
        state.withLock(waitingUntil: { $0.writerThread != nil }) { _ in }
    }

    deinit { close() }

    /// Queues `job` for the next batch; `completion` is called exactly once, on the writer thread.
    /// `outermost` (WriteJob.outermost) only places the job first in its batch here: PostgreSQL's
    /// nested savepoints cost no more than outer ones, so it keeps its job savepoint.
    public func submit<T: Sendable>(
        outermost: Bool = false,
        _ job: @escaping @Sendable (Connection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        guard enqueue(.job(WriteJob(outermost: outermost, job, completion: completion))) else {
            return completion(.failure(Writer.closedError))
        }
    }

    /// Submits `job` and blocks until its batch committed (command line, tests, worker threads).
    @discardableResult
    public func perform<T: Sendable>(outermost: Bool = false, _ job: @escaping @Sendable (Connection) throws -> T) throws -> T {
        precondition(!isOnWriterThread, "perform from the writer thread would wait for itself")
        return try waitFor { done in submit(outermost: outermost, job, completion: done) }
    }

    /// Runs `body` on the writer thread between batches, outside any transaction, and waits for
    /// it; throws without running it when no connection can be opened.
    @discardableResult
    public func exclusive<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) throws -> T {
        precondition(!isOnWriterThread, "exclusive from the writer thread would wait for itself")
        return try waitFor { done in
            if !enqueue(.exclusive(run: { connection in done(Result { try body(connection) }) }, reject: { done(.failure($0)) })) {
                done(.failure(Writer.closedError))
            }
        }
    }

    /// Calls `hook` at the end of every batch, inside its transaction, before its COMMIT.
    public func prepareCommits(_ hook: @escaping @Sendable (Connection) throws -> Void) {
        state.withLock { $0.commitPreparation = hook }
    }

    /// Calls `observer` after every COMMIT, before the batch's completions, outside any transaction.
    public func observeCommits(_ observer: @escaping @Sendable (Connection) -> Void) {
        state.withLock { $0.commitObserver = observer }
    }

    /// Jobs waiting for a batch.
    public var queueDepth: Int { state.withLock { $0.queue.count } }

    /// Stops accepting jobs, runs those queued, closes the connection and waits for the thread.
    public func close() {
        state.withLock(broadcast: true) { if $0.phase == .open { $0.phase = .closing } }
        guard !isOnWriterThread else { return }
        state.withLock(waitingUntil: { $0.phase == .finished }) { _ in }
    }

    private var isOnWriterThread: Bool {
        let current = ObjectIdentifier(Thread.current)
        return state.withLock { $0.writerThread == current }
    }

    private func enqueue(_ item: WriteItem<Connection>) -> Bool {
        state.withLock(broadcast: true) {
            guard $0.phase == .open else { return false }
            $0.queue.append(item)
            return true
        }
    }
}

struct PostgresWriterState {
    enum Phase { case open, closing, finished }
    var phase = Phase.open
    var writerThread: ObjectIdentifier?
    var queue: [WriteItem<Connection>] = []
    var commitObserver: (@Sendable (Connection) -> Void)?
    var commitPreparation: (@Sendable (Connection) throws -> Void)?
}

// MARK: - The writer thread

extension Writer {
    static func serve(
        configuration: ConnectionConfiguration, lockKey: Int64, state: GuardedState<PostgresWriterState>, maximumBatchSize: Int
    ) {
        state.withLock(broadcast: true) { $0.writerThread = ObjectIdentifier(Thread.current) }
        var connection: Connection?
        while let work = state.withLock(
            waitingUntil: { !$0.queue.isEmpty || $0.phase != .open }, { $0.queue.takeWork(limit: maximumBatchSize) })
        {
            // A connection that broke is replaced; while none can be opened, work fails at once
            // with the reason (an `isUnavailable` error), and the next work tries again.
            var connectError: (any Error)?
            if connection?.isBroken ?? true {
                let attachment = connection?.attachment
                connection?.close()
                connection = nil
                do {
                    connection = try Connection(configuration)
                    connection?.attachment = attachment
                } catch {
                    connectError = error
                }
            }
            switch work {
            case .exclusive(let run, let reject):
                guard let connection else {
                    reject(connectError ?? Writer.closedError)
                    continue
                }
                run(connection)
                connection.rollbackIfNeeded()
            case .batch(let jobs):
                do {
                    guard let live = connection else { throw connectError ?? Writer.closedError }
                    do {
                        try begin(live, lockKey: lockKey)
                    } catch let error as PostgresError where error.isUnavailable {
                        // A connection from before a restart of PostgreSQL looks fine until used:
                        // no job has run yet, so the batch goes on a new one.
                        let attachment = live.attachment
                        live.close()
                        connection = nil
                        let fresh = try Connection(configuration)
                        fresh.attachment = attachment
                        connection = fresh
                        try begin(fresh, lockKey: lockKey)
                    }
                } catch {
                    connection?.rollbackIfNeeded()
                    for job in jobs { job.reject(error) }
                    continue
                }
                if let connection {
                    runBatch(jobs, on: connection, state: state, maximumBatchSize: maximumBatchSize)
                }
            }
        }
        connection?.close()
        state.withLock(broadcast: true) {
            $0.writerThread = nil
            $0.phase = .finished
        }
    }

    /// Opens a batch's transaction and takes the write lock.
    private static func begin(_ connection: Connection, lockKey: Int64) throws {
        try connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        try connection.transactionAdvisoryLock(lockKey)
    }

    /// (After ``begin(_:lockKey:)``) each job in SAVEPOINT writer_job; jobs queued meanwhile join until
    /// the batch is full; the commit hook; COMMIT; the observer; the completions. Every job taken
    /// gets its completion exactly once.
    private static func runBatch(
        _ firstJobs: [WriteJob<Connection>], on connection: Connection, state: GuardedState<PostgresWriterState>,
        maximumBatchSize: Int
    ) {
        var outcomes: [WriteJob<Connection>.Outcome] = []
        var pending = firstJobs[...]
        do {
            while true {
                while let job = pending.popFirst() {
                    try connection.execute("SAVEPOINT writer_job")
                    var outcome = job.execute(connection)
                    if outcome.succeeded, connection.transactionStatus == .failed {
                        // The job caught a statement's error and went on: its work is undone with
                        // the savepoint, so it fails.
                        let error = PostgresError(
                            sqlState: PostgresError.inFailedTransaction, message: "a statement failed inside the write job")
                        outcome = outcome.failing(with: error)
                    }
                    outcomes.append(outcome)
                    if !outcome.succeeded {
                        try connection.execute("ROLLBACK TO SAVEPOINT writer_job")
                    }
                    try connection.execute("RELEASE SAVEPOINT writer_job")
                }
                let room = maximumBatchSize - outcomes.count
                guard room > 0 else { break }
                let more = state.withLock { $0.queue.takeJobs(limit: room, joining: true) }
                guard !more.isEmpty else { break }
                pending = more[...]
            }
            if let prepare = state.withLock({ $0.commitPreparation }) { try prepare(connection) }
            try connection.execute("COMMIT")
        } catch {
            connection.rollbackIfNeeded()
            for outcome in outcomes { outcome.fail(error) }
            for job in pending { job.reject(error) }
            return
        }
        state.withLock { $0.commitObserver }?(connection)
        for outcome in outcomes { outcome.deliver() }
    }
}
