import CSQLite
import Foundation
import WriteQueue

/// The writer thread's side: the loop that takes work from the queue and runs batches.
/// Everything here runs on the writer thread only, which alone touches `connection`.
extension Writer {
    /// The writer thread's body: open, serve until closed and drained, close.
    static func serve(
        path: String, configuration: ConnectionConfiguration, state: GuardedState<WriterState>,
        maximumBatchSize: Int
    ) {
        let connection: Connection
        do {
            connection = try Connection(path: path, configuration: configuration)
        } catch {
            state.withLock(broadcast: true) {
                $0.openError = error
                $0.phase = .finished
            }
            return
        }
        let current = ObjectIdentifier(Thread.current)
        let file = DatabaseFile(path: path)
        state.withLock(broadcast: true) {
            $0.writerThread = current
            $0.file = file
            $0.phase = .open
        }

        // Held while the writer waits for work, never while it writes (ReadMarkPin says why).
        let pin = ReadMarkPin(file: file, configuration: configuration)
        pin.hold()
        while true {
            // nil: idle for a refresh interval; .some(nil): closed and drained.
            let next = state.withLock(
                waitingUntil: { !$0.queue.isEmpty || $0.phase != .open },
                deadline: .now + ReadMarkPin.refreshInterval,
                { $0.queue.takeWork(limit: maximumBatchSize) })
            guard let next else {
                pin.refresh()
                continue
            }
            guard let work = next else { break }
            defer { pin.hold() }
            switch work {
            case .exclusive(let run, _):
                // Closed, not only released: an exclusive job may need the file to itself (the
                // seed leaves WAL mode for its bulk load only while no other connection has it open).
                pin.close()
                run(connection)
                connection.rollbackIfNeeded()
            case .batch(let jobs):
                pin.release()
                runBatch(jobs, on: connection, file: file, state: state, maximumBatchSize: maximumBatchSize)
            }
        }
        pin.close()
        connection.close()
        state.withLock(broadcast: true) {
            $0.writerThread = nil
            $0.phase = .finished
        }
    }

    /// One group commit: BEGIN IMMEDIATE; each job in SAVEPOINT writer_job; jobs that
    /// arrived meanwhile join until the batch is full; a check that the file is still there and
    /// writable; one COMMIT; then the completions.
    ///
    /// Invariant: every job taken from the queue has its completion called exactly once —
    /// through `deliver` after the COMMIT, or `fail`/`reject` when the batch fails. A batch that
    /// fails leaves nothing behind: between BEGIN and the end of the batch no statement runs
    /// outside its transaction (``DatabaseHandle/requiresTransaction``), and the connection is
    /// out of any transaction afterwards, ready for the next batch.
    private static func runBatch(
        _ firstJobs: [WriteJob<Connection>], on connection: Connection, file: DatabaseFile?, state: GuardedState<WriterState>,
        maximumBatchSize: Int
    ) {
        var outcomes: [WriteJob<Connection>.Outcome] = []
        outcomes.reserveCapacity(firstJobs.count)
        var pending = firstJobs[...]
        do {
            try connection.run("BEGIN IMMEDIATE")
            connection.database.requiresTransaction = true
            defer {
                connection.database.requiresTransaction = false
                connection.database.transactionLoss = nil
            }
            while true {
                while let job = pending.popFirst() {
                    // An outermost job is first in its batch (`takeJobs`) and runs without a
                    // savepoint of its own (WriteJob.outermost says why).
                    if !job.outermost { try connection.run("SAVEPOINT writer_job") }
                    let outcome = job.execute(connection)
                    outcomes.append(outcome)
                    // A job's error can make SQLite roll the whole transaction back
                    // (SQLITE_FULL, SQLITE_IOERR, ...); its batch-mates' work is then gone too,
                    // and they all fail with that error (a job may have caught it).
                    guard connection.isInTransaction else {
                        throw connection.database.transactionLoss
                            ?? SQLiteError(
                                code: SQLiteError.abortRollback,
                                message: "the batch transaction was rolled back by SQLite while a job ran")
                    }
                    if job.outermost {
                        // It was taken alone and its transaction holds nothing else yet: undone
                        // whole, it fails alone, and the jobs behind it wait for the next batch.
                        guard outcome.succeeded else {
                            connection.rollbackIfNeeded()
                            outcome.deliver()
                            return
                        }
                        continue
                    }
                    if !outcome.succeeded {
                        try connection.run("ROLLBACK TO writer_job")
                    }
                    try connection.run("RELEASE writer_job")
                }
                // Group commit: whatever was queued while this batch ran shares its COMMIT.
                let room = maximumBatchSize - outcomes.count
                guard room > 0 else { break }
                let more = state.withLock { $0.queue.takeJobs(limit: room, joining: true) }
                guard !more.isEmpty else { break }
                pending = more[...]
            }
            if let prepare = state.withLock({ $0.commitPreparation }) { try prepare(connection) }
            // Committing to a file that is gone would acknowledge writes no restart sees.
            if let problem = file?.problem() { throw problem }
            try connection.run("COMMIT")
        } catch {
            connection.rollbackIfNeeded()
            state.withLock { $0.statistics.failedTransactions += 1 }
            for outcome in outcomes { outcome.fail(error) }
            for job in pending { job.reject(error) }
            return
        }
        let observer = state.withLock {
            $0.statistics.committedTransactions += 1
            $0.statistics.committedJobs += outcomes.count
            return $0.commitObserver
        }
        observer?(connection)
        for outcome in outcomes { outcome.deliver() }
    }
}
