import Foundation
import SQLite

/// Where everything is stored: by default one SQLite file, with a single group-committing writer
/// and a pool of read-only connections; or a PostgreSQL database several nodes share
/// (``open(postgres:maximumConnections:maximumWriteBatch:)``, Database+Postgres.swift).
///
///     let database = try Database.open(path: "crm.sqlite")
///     let count = try database.read { try APIKeyService().count($0) }
///     database.write({ try APIKeyService().revoke($0, id: 3) }) { result in … }
///
/// Reads see only committed data (WAL); a write's completion runs after its COMMIT.
public final class Database: Sendable {
    /// The SQLite file's path, or the PostgreSQL URL without its password.
    public let path: String
    let engine: Engine

    enum Engine: Sendable {
        case sqlite(writer: Writer, readers: ReaderPool)
        case postgres(PostgresEngine)
    }

    init(path: String, engine: Engine) {
        self.path = path
        self.engine = engine
    }

    /// Whether other processes may serve the same data (PostgreSQL): work one process could
    /// keep track of in memory (a webhook delivery being sent) must then be claimed in the database.
    public var isShared: Bool {
        if case .postgres = engine { return true }
        return false
    }

    /// Whether a read hands out copies of its rows (PostgreSQL's arrive whole) rather than SQLite's
    /// rows in place: work on a page is then better done after the read, with the connection back
    /// in its pool.
    public var readsCopies: Bool {
        if case .postgres = engine { return true }
        return false
    }

    /// Periodic work that one node at a time does for all of them.
    public enum NodeJob: Int64, Sendable {
        /// "crm-scor": rescoring every customer.
        case scoring = 0x6372_6D2D_7363_6F72
        /// "crm-dail": the daily automations.
        case dailyAutomations = 0x6372_6D2D_6461_696C
    }

    /// Runs `body` unless another node is running `job` right now, and then returns nil: on
    /// PostgreSQL a session advisory lock is held while it runs (a node that dies lets it go);
    /// SQLite's one process just runs it.
    public func onOneNode<T>(_ job: NodeJob, _ body: () throws -> T) throws -> T? {
        switch engine {
        case .sqlite: try body()
        case .postgres(let postgres): try postgres.exclusively(job.rawValue, body)
        }
    }

    /// SQLite's single writer (bulk seeding, tests); nil on PostgreSQL.
    public var writer: Writer? {
        if case .sqlite(let writer, _) = engine { return writer }
        return nil
    }

    /// SQLite's read-only connections; nil on PostgreSQL.
    public var readers: ReaderPool? {
        if case .sqlite(_, let readers) = engine { return readers }
        return nil
    }

    /// Opens the database at `path` for a server: `fullSync` is SQLite's `synchronous=FULL`
    /// (every acknowledged write survives power loss), else `NORMAL`.
    public static func open(path: String, fullSync: Bool, maximumReaders: Int, maximumWriteBatch: Int) throws -> Database {
        try open(path: path, synchronous: fullSync ? .full : .normal, maximumReaders: maximumReaders, maximumWriteBatch: maximumWriteBatch)
    }

    /// Opens (creating if needed) and migrates the database at `path`.
    public static func open(
        path: String,
        synchronous: ConnectionConfiguration.Synchronous = .full,
        maximumReaders: Int = 8,
        maximumWriteBatch: Int = Writer.defaultMaximumBatchSize
    ) throws -> Database {
        let configuration = ConnectionConfiguration(synchronous: synchronous)
        let writer = try Writer(path: path, configuration: configuration, maximumBatchSize: max(1, maximumWriteBatch))
        do {
            let migrator = try Schema.migrator()
            _ = try writer.exclusive { sqlite in
                try migrator.migrate(sqlite)
                let connection = StoreConnection(sqlite)
                try FunnelRollupStore.rebuildPending(connection)
                // Documents staged by writes outside a batch (none should be) reach the index.
                try connection.transaction { try CustomerStore.flushSearchDocuments(connection) }
                try SearchDocumentRefoldStore.rebuildPending(connection)
                try Database.purgePendingAtOpen(sqlite)
                try AttributeIndexStore.rebuildPending(connection)
            }
            writer.prepareCommits { connection in try CustomerStore.flushSearchDocuments(StoreConnection(connection)) }
            let readers = try ReaderPool(path: path, maximumCount: maximumReaders, configuration: configuration)
            return Database(path: path, engine: .sqlite(writer: writer, readers: readers))
        } catch {
            writer.close()
            throw error
        }
    }

    /// How many queued writes share one transaction unless told otherwise.
    public static let defaultWriteBatch = Writer.defaultMaximumBatchSize

    /// Why the database could not serve a request when that is no bug of ours and nothing was
    /// changed: each is a `503` (docs/operations.md, "Faults").
    public enum Fault: Sendable, Equatable {
        /// Busy past the timeout, or closing for shutdown: retry shortly.
        case busy
        /// The disk (or SQLite's page limit) is full: `SQLITE_FULL`.
        case storageFull
        /// The file cannot be written or opened: read-only, removed or replaced under the running
        /// server, or failing I/O (`SQLITE_READONLY`, `SQLITE_CANTOPEN`, `SQLITE_IOERR`), or a
        /// batch rolled back by SQLite for such a reason.
        case storageUnavailable
    }

    /// The fault `error` reports, or nil when it is not a database fault.
    public static func fault(of error: any Error) -> Fault? {
        if let fault = PostgresEngine.fault(of: error) { return fault }
        guard let error = error as? SQLiteError else { return nil }
        if error.isBusy || error == Writer.closedError { return .busy }
        if error.isFull { return .storageFull }
        if error.isStorageFailure { return .storageUnavailable }
        return nil
    }

    /// Whether a write could commit now: SQLite's file is still at its path and writable (two
    /// system calls, no database access); PostgreSQL answers a query (for `/readyz`).
    public func isWritable() -> Bool {
        switch engine {
        case .sqlite(let writer, _): (try? writer.checkFile()) != nil
        case .postgres(let postgres): postgres.isReachable()
        }
    }

    /// Writes waiting for the writer (a metrics gauge).
    public var writeQueueDepth: Int {
        switch engine {
        case .sqlite(let writer, _): writer.queueDepth
        case .postgres(let postgres): postgres.writer.queueDepth
        }
    }

    /// Read connections open, and in use (metrics gauges).
    public var readersOpen: Int {
        switch engine {
        case .sqlite(_, let readers): readers.openCount
        case .postgres(let postgres): postgres.pool.openCount
        }
    }

    public var readersBusy: Int {
        switch engine {
        case .sqlite(_, let readers): readers.busyCount
        case .postgres(let postgres): postgres.pool.busyCount
        }
    }

    /// Gives the calling thread a read-only SQLite connection of its own, used by every later
    /// ``read(_:)`` on it: event loops and worker threads call it once at start, so their
    /// reads never wait for a pooled connection. PostgreSQL reads borrow from its pool.
    public func ownReader() throws {
        if case .sqlite(_, let readers) = engine { try readers.ownReader() }
    }

    /// Runs `body` on a consistent snapshot of what is committed.
    public func read<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        switch engine {
        case .sqlite(_, let readers): try readers.read { try body(StoreConnection($0)) }
        case .postgres(let postgres): try postgres.read(body)
        }
    }

    /// Runs `body` on a connection whose every statement sees what was committed when it runs,
    /// without one snapshot for them all: for a read whose statements need not agree with each
    /// other (authentication's lookup of a key not yet verified). On PostgreSQL that saves the
    /// transaction's two round trips; on SQLite it is ``read(_:)``.
    public func readLatest<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        switch engine {
        case .sqlite(_, let readers): try readers.read { try body(StoreConnection($0)) }
        case .postgres(let postgres): try postgres.pool.withConnection { try body(StoreConnection($0)) }
        }
    }

    /// Reads the first row of `sql` (a store's query) into `first`, then runs `body`; on SQLite,
    /// the reads `body` makes on this thread see the snapshot `sql` saw and cost no read
    /// transaction of their own (``ReaderPool/readHoldingSnapshot(_:_:then:)``). On PostgreSQL,
    /// where reads do not run on the event loops, `sql` is read as ``readLatest(_:)`` reads
    /// and `body` runs after it.
    func holdingSnapshot<V, T>(opening sql: String, _ first: (StoreRow?) throws -> V, then body: (V) throws -> T) throws -> T {
        switch engine {
        case .sqlite(_, let readers):
            return try readers.readHoldingSnapshot(sql, { try first($0.map(StoreRow.view)) }, then: body)
        case .postgres:
            let value = try readLatest { connection in
                try connection.withFirstRow(sql) { try first($0) } ?? first(nil)
            }
            return try body(value)
        }
    }

    /// Queues `job` for the writer; `completion` gets its result after the batch commits.
    /// `outermost`: a job of many records, each in its own savepoint (`WriteJob.outermost`: it
    /// runs first in its batch, and on SQLite outside a job savepoint).
    public func write<T: Sendable>(
        outermost: Bool = false,
        _ job: @escaping @Sendable (StoreConnection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        switch engine {
        case .sqlite(let writer, _):
            writer.submit(
                outermost: outermost, { connection in try Self.withAutomations(StoreConnection(connection), job) },
                completion: completion)
        case .postgres(let postgres):
            postgres.submit(outermost: outermost, { connection in try Self.withAutomations(connection, job) }, completion: completion)
        }
    }

    /// Runs a write job, then the automations its events trigger, in its transaction.
    private static func withAutomations<T>(_ connection: StoreConnection, _ job: (StoreConnection) throws -> T) throws -> T {
        guard let events = WriteEvents.of(connection) else { return try job(connection) }
        return try events.around(connection, job)
    }

    /// `record`, just written by the current job, as the automations its write triggered leave
    /// it: they run now instead of after the job (still in its transaction, right after the
    /// write), and when any acted the record is read again with `reading`, so the answer, its
    /// `ETag` and an idempotent replay of it show the version that commits, not one an
    /// automation's `set_field` or tag already replaced.
    public static func settled(
        _ record: StoredRecord, _ connection: StoreConnection, reading: (StoreConnection, Int64) throws -> StoredRecord?
    ) throws -> StoredRecord {
        guard let events = WriteEvents.of(connection), try events.settle(connection) else { return record }
        return try reading(connection, record.id) ?? record
    }

    /// Installs what runs after every write job that fired events automations trigger on
    /// (``AutomationEngine``), on the writer's connection. Until then no event is collected.
    func installAutomations(_ handler: @escaping WriteEvents.Handler) throws {
        try performOnWriter { connection in connection.attachment = WriteEvents(handler: handler) }
    }

    /// Runs `job` on the writer without noting its events: the daily automation run's writes,
    /// which must trigger no further automations.
    func writeWithoutAutomations<T: Sendable>(_ job: @escaping @Sendable (StoreConnection) throws -> T) throws -> T {
        try performOnWriter { connection in
            guard let events = WriteEvents.of(connection) else { return try job(connection) }
            return try events.withoutCollecting { try job(connection) }
        }
    }

    /// Runs `job` on the writer and waits for its commit (command line, tests, workers);
    /// `outermost` as for ``write(outermost:_:completion:)``.
    public func writeAndWait<T: Sendable>(outermost: Bool = false, _ job: @escaping @Sendable (StoreConnection) throws -> T) throws -> T {
        try performOnWriter(outermost: outermost) { connection in try Self.withAutomations(connection, job) }
    }

    /// Runs `job` as one of the writer's jobs and waits for its commit.
    func performOnWriter<T: Sendable>(outermost: Bool = false, _ job: @escaping @Sendable (StoreConnection) throws -> T) throws -> T {
        switch engine {
        case .sqlite(let writer, _): try writer.perform(outermost: outermost) { try job(StoreConnection($0)) }
        case .postgres(let postgres): try postgres.perform(outermost: outermost, job)
        }
    }

    /// Tells `report` after every commit of this process's writer how far the change feed now
    /// runs and, when `since` gives the seq it last knew, which resources changed after it
    /// (`since` returns nil when nobody needs to know: only the newest seq is read and the
    /// resources are reported as unknown, nil).
    /// `report` runs on the writer thread before the commit's requests are answered. On
    /// PostgreSQL it also runs when another node commits (LISTEN/NOTIFY).
    public func observeChanges(
        since: @escaping @Sendable () -> Int64?, report: @escaping @Sendable (_ last: Int64, _ recordTypes: Set<String>?) -> Void
    ) {
        let observe: @Sendable (StoreConnection) -> Void = { connection in
            if let seq = since() {
                guard let committed = try? ChangeFeed.committed(connection, after: seq) else { return }
                report(committed.last, committed.recordTypes)
            } else if let last = try? ChangeFeed.lastSeq(connection) {
                // Not read: a request may have parked since `since` was asked, so "unknown" (nil)
                // wakes every waiter behind `last` rather than none.
                report(last, nil)
            }
        }
        switch engine {
        case .sqlite(let writer, _): writer.observeCommits { observe(StoreConnection($0)) }
        case .postgres(let postgres): postgres.observeCommits(observe)
        }
    }

    /// Whether every shipped migration has been applied (for `/readyz`): false when the database
    /// cannot be read. A read stopped by the calling thread's budget (an event loop's) is thrown,
    /// not taken for an unreadable database: `/readyz` then runs again on a worker (it answered
    /// `503` when a loaded machine made the loop's 5 ms pass; found by contract fuzzing).
    public func isMigrated() throws -> Bool {
        switch engine {
        case .sqlite(_, let readers):
            do {
                return try readers.read { connection in try Schema.migrator().pendingVersions(connection).isEmpty }
            } catch let error as SQLiteError where error.isInterrupt {
                throw error
            } catch {
                return false
            }
        case .postgres(let postgres):
            return postgres.isMigrated()
        }
    }

    /// A consistent online copy of the whole SQLite database at `path`. On PostgreSQL, `pg_dump`
    /// does this (docs/operations.md).
    public func backup(to destination: String) throws {
        guard case .sqlite(_, let readers) = engine else {
            throw PostgresEngine.backupRefusal
        }
        try readers.read { try $0.backup(to: destination) }
    }

    /// Finishes queued writes, then closes every connection.
    public func close() {
        switch engine {
        case .sqlite(let writer, let readers):
            writer.close()
            readers.close()
        case .postgres(let postgres):
            postgres.close()
        }
    }
}

extension Database {
    /// Runs `body`; nil when one of its SQLite reads on this thread was stopped because
    /// `wallTime` had passed since the call (``SQLite/ReadBudget``; budgets nest). PostgreSQL
    /// reads are not bounded by it: they never run on an event loop.
    public static func withinReadBudget<T>(wallTime: Duration, _ body: () throws -> T) throws -> T? {
        try ReadBudget.within(wallTime: wallTime, body)
    }
}
