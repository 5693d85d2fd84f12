import Foundation
import WriteQueue

/// The single writer: one thread that owns the only write connection, and commits
/// whatever jobs are queued in one transaction (group commit).
///
/// With `synchronous=FULL` every COMMIT costs an fsync; committing a batch of N jobs
/// with one fsync is what makes durable writes fast under load (DESIGN.md, Server
/// model). Each job still behaves as if it had its own transaction: it runs in its own
/// SAVEPOINT, a job that throws is rolled back to it and gets its error while its
/// batch-mates go on, and every completion is called only after the COMMIT succeeded.
///
///     writer.submit({ connection in
///         try connection.run("INSERT INTO customers(name) VALUES (?)", ["王芳"])
///         return connection.lastInsertRowID
///     }, completion: { result in respond(result) })
///
/// Completions run on the writer thread, after the commit, in submission order: keep
/// them short (hand the result to another thread). Never call `perform`, `exclusive` or
/// `close` from a job or completion: they wait for the writer thread itself.
public final class Writer: Sendable {
    /// The batch cap: a job waits behind at most this many others before its commit.
    public static let defaultMaximumBatchSize = 256

    /// The error every job submitted after `close()` gets.
    public static let closedError = SQLiteError.misuse("the writer is closed")

    /// Counters since start, for /metrics and for tests that check batching.
    public struct Statistics: Sendable, Hashable {
        /// Batch transactions committed.
        public var committedTransactions = 0
        /// Jobs whose batch committed (including jobs that threw and were rolled back
        /// to their savepoint).
        public var committedJobs = 0
        /// Batches whose BEGIN, savepoint handling or COMMIT failed; all their jobs failed.
        public var failedTransactions = 0
    }

    public let label: String
    public let maximumBatchSize: Int
    /// The file the write connection opened; nil for an in-memory database. Every batch checks
    /// it before its COMMIT, and fails if it is gone or read-only (``checkFile()``).
    let file: DatabaseFile?
    let state: GuardedState<WriterState>

    /// Starts the writer thread, which opens the write connection (creating the file and
    /// switching it to WAL); throws if that open fails.
    public init(
        path: String,
        configuration: ConnectionConfiguration = .init(),
        label: String = "sqlite-writer",
        maximumBatchSize: Int = Writer.defaultMaximumBatchSize
    ) throws {
        precondition(maximumBatchSize > 0, "a batch holds at least one job")
        let state = GuardedState(WriterState())
        // The connection is opened on the writer thread and never leaves it: that
        // confinement is what lets a non-Sendable Connection serve a Sendable Writer.
        let thread = Thread {
            Writer.serve(
                path: path, configuration: configuration, state: state, maximumBatchSize: maximumBatchSize)
        }
        thread.name = label
        thread.start()
        let (openError, file) = state.withLock(waitingUntil: { $0.phase != .opening }) { ($0.openError, $0.file) }
        if let openError { throw openError }
        self.file = file
        self.label = label
        self.maximumBatchSize = maximumBatchSize
        self.state = state
    }

    deinit { close() }

    /// Queues `job` for the next batch. `completion` is called exactly once, on the
    /// writer thread, after the batch's COMMIT (or with the error that prevented it).
    public func submit<T: Sendable>(
        outermost: Bool = false,
        _ job: @escaping @Sendable (Connection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        guard enqueue(.job(WriteJob(outermost: outermost, job, completion: completion))) else {
            completion(.failure(Writer.closedError))
            return
        }
    }

    /// Submits `job` and blocks until its batch committed; for the CLI and tests. Not for
    /// event-loop threads, which must never block on a commit.
    @discardableResult
    public func perform<T: Sendable>(outermost: Bool = false, _ job: @escaping @Sendable (Connection) throws -> T) throws -> T {
        precondition(!isOnWriterThread, "perform from the writer thread would wait for itself")
        return try waitFor { done in submit(outermost: outermost, job, completion: done) }
    }

    /// Runs `body` on the writer thread between batches, with the connection outside any
    /// transaction: for migrations, `VACUUM INTO`, backups. Blocks until it is done. A
    /// transaction `body` leaves open is rolled back.
    @discardableResult
    public func exclusive<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) throws -> T {
        precondition(!isOnWriterThread, "exclusive from the writer thread would wait for itself")
        return try waitFor { done in
            if !enqueue(.exclusive(run: { connection in done(Result { try body(connection) }) }, reject: { done(.failure($0)) })) {
                done(.failure(Writer.closedError))
            }
        }
    }

    /// Throws what would make a batch fail before its COMMIT now: the database file is no longer
    /// the one opened at its path, or is read-only (see ``DatabaseFile/problem()``). Cheap (two
    /// system calls) and callable from any thread: for readiness probes.
    public func checkFile() throws {
        if let problem = file?.problem() { throw problem }
    }

    /// Jobs waiting for a batch (not counting the batch being run).
    public var queueDepth: Int { state.withLock { $0.queue.count } }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Stops accepting jobs, runs every job already queued, closes the connection, and
    /// returns when the writer thread has finished. Idempotent.
    public func close() {
        state.withLock(broadcast: true) {
            if $0.phase == .open { $0.phase = .closing }
        }
        // From the writer thread itself (a completion dropping the last reference),
        // waiting would deadlock; the thread finishes on its own once the queue drains.
        guard !isOnWriterThread else { return }
        state.withLock(waitingUntil: { $0.phase == .finished }) { _ in }
    }

    /// `Thread` is not Sendable, so the writer thread is recognised by the identity of its
    /// `Thread` object, recorded while it runs (when no other live object can share it)
    /// and cleared before it exits.
    private var isOnWriterThread: Bool {
        let current = ObjectIdentifier(Thread.current)
        return state.withLock { $0.writerThread == current }
    }

    /// Calls `hook` on the writer thread at the end of every batch, after its last job and
    /// before its COMMIT, inside the batch's transaction and outside every job's savepoint:
    /// work that is cheaper done once per batch than once per job (the search index takes the
    /// batch's documents in one go). A throw fails the batch like a failed COMMIT. Replaces any
    /// earlier hook; keep it short.
    public func prepareCommits(_ hook: @escaping @Sendable (Connection) throws -> Void) {
        state.withLock { $0.commitPreparation = hook }
    }

    /// Calls `observer` on the writer thread after every batch COMMIT, before the batch's
    /// completions, with the write connection outside any transaction: what just committed can
    /// be read there (the change feed wakes its long-polls this way). Replaces any earlier
    /// observer. Keep it short, as the next batch waits for it.
    public func observeCommits(_ observer: @escaping @Sendable (Connection) -> Void) {
        state.withLock { $0.commitObserver = observer }
    }

    /// Appends unless closed; wakes the writer thread.
    private func enqueue(_ item: WriteItem<Connection>) -> Bool {
        state.withLock(broadcast: true) {
            guard $0.phase == .open else { return false }
            $0.queue.append(item)
            return true
        }
    }
}

/// What the writer thread and its clients share, guarded by `Writer.state`.
struct WriterState {
    enum Phase {
        /// The thread is opening the connection; `init` waits.
        case opening
        case open
        /// `close()` was called: no new jobs; the queue drains.
        case closing
        /// The thread has exited and the connection is closed.
        case finished
    }

    var phase = Phase.opening
    var openError: (any Error)?
    /// Set with `phase = .open`: the file the connection opened.
    var file: DatabaseFile?
    /// Identity of the writer thread's `Thread` object; nil unless it is running.
    var writerThread: ObjectIdentifier?
    /// FIFO. Invariant: empty once `phase == .finished`.
    var queue: [WriteItem<Connection>] = []
    var statistics = Writer.Statistics()
    /// Called on the writer thread after each batch's COMMIT (see `Writer.observeCommits`).
    var commitObserver: (@Sendable (Connection) -> Void)?
    /// Called on the writer thread before each batch's COMMIT (see `Writer.prepareCommits`).
    var commitPreparation: (@Sendable (Connection) throws -> Void)?
}
