import Foundation
import SQLite

/// The one SQLite file: a single group-committing writer and a pool of read-only connections.
///
///     let database = try Database.open(path: "crm.sqlite")
///     let count = try database.read { try APIKeyService().count($0) }
///     database.write({ try APIKeyService().revoke($0, id: 3) }) { result in … }
///
/// Reads see only committed data (WAL); a write's completion runs after its COMMIT.
public final class Database: Sendable {
    public let path: String
    public let writer: Writer
    public let readers: ReaderPool

    private init(path: String, writer: Writer, readers: ReaderPool) {
        self.path = path
        self.writer = writer
        self.readers = readers
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
                try Database.purgePendingAtOpen(sqlite)
                try AttributeIndexStore.rebuildPending(connection)
            }
            writer.prepareCommits { connection in try CustomerStore.flushSearchDocuments(StoreConnection(connection)) }
            let readers = try ReaderPool(path: path, maximumCount: maximumReaders, configuration: configuration)
            return Database(path: path, writer: writer, readers: readers)
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
        guard let error = error as? SQLiteError else { return nil }
        if error.isBusy || error == Writer.closedError { return .busy }
        if error.isFull { return .storageFull }
        if error.isStorageFailure { return .storageUnavailable }
        return nil
    }

    /// Whether a write could commit now: the file the server opened is still at its path and
    /// writable (for `/readyz`: two system calls, no database access).
    public func isWritable() -> Bool {
        (try? writer.checkFile()) != nil
    }

    /// Writes waiting for the writer (a metrics gauge).
    public var writeQueueDepth: Int { writer.queueDepth }
    /// Read-only connections open, and in use (metrics gauges).
    public var readersOpen: Int { readers.openCount }
    public var readersBusy: Int { readers.busyCount }

    /// Gives the calling thread a read-only connection of its own, used by every later
    /// ``read(_:)`` on it: event loops and worker threads call it once at start, so their
    /// reads never wait for a pooled connection.
    public func ownReader() throws {
        try readers.ownReader()
    }

    public func read<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        try readers.read { try body(StoreConnection($0)) }
    }

    /// Queues `job` for the writer; `completion` gets its result after the batch commits.
    public func write<T: Sendable>(
        _ job: @escaping @Sendable (StoreConnection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        writer.submit({ connection in try Self.withAutomations(StoreConnection(connection), job) }, completion: completion)
    }

    /// Runs a write job, then the automations its events trigger, in its transaction.
    private static func withAutomations<T>(_ connection: StoreConnection, _ job: (StoreConnection) throws -> T) throws -> T {
        guard let events = WriteEvents.of(connection) else { return try job(connection) }
        return try events.around(connection, job)
    }

    /// Installs what runs after every write job that fired events automations trigger on
    /// (``AutomationEngine``), on the writer's connection. Until then no event is collected.
    func installAutomations(_ handler: @escaping WriteEvents.Handler) throws {
        try writer.exclusive { connection in connection.attachment = WriteEvents(handler: handler) }
    }

    /// Runs `job` on the writer without noting its events: the daily automation run's writes,
    /// which must trigger no further automations.
    func writeWithoutAutomations<T: Sendable>(_ job: @escaping @Sendable (StoreConnection) throws -> T) throws -> T {
        try writer.perform { sqlite in
            let connection = StoreConnection(sqlite)
            guard let events = WriteEvents.of(connection) else { return try job(connection) }
            return try events.withoutCollecting { try job(connection) }
        }
    }

    /// Runs `job` on the writer and waits for its commit (command line, tests).
    public func writeAndWait<T: Sendable>(_ job: @escaping @Sendable (StoreConnection) throws -> T) throws -> T {
        try writer.perform { connection in try Self.withAutomations(StoreConnection(connection), job) }
    }

    /// Tells `report` after every commit of this process's writer how far the change feed now
    /// runs and, when `since` gives the seq it last knew, which resources changed after it
    /// (`since` returns nil when nobody needs to know: only the newest seq is read and the
    /// resources are reported as unknown, nil).
    /// `report` runs on the writer thread before the commit's requests are answered.
    public func observeChanges(
        since: @escaping @Sendable () -> Int64?, report: @escaping @Sendable (_ last: Int64, _ recordTypes: Set<String>?) -> Void
    ) {
        writer.observeCommits { sqlite in
            let connection = StoreConnection(sqlite)
            if let seq = since() {
                guard let committed = try? ChangeFeed.committed(connection, after: seq) else { return }
                report(committed.last, committed.recordTypes)
            } else if let last = try? ChangeFeed.lastSeq(connection) {
                // Not read: a request may have parked since `since` was asked, so "unknown" (nil)
                // wakes every waiter behind `last` rather than none.
                report(last, nil)
            }
        }
    }

    /// Whether every shipped migration has been applied (for `/readyz`).
    public func isMigrated() -> Bool {
        (try? readers.read { connection in try Schema.migrator().pendingVersions(connection).isEmpty }) ?? false
    }

    /// A consistent online copy of the whole database at `path`.
    public func backup(to destination: String) throws {
        try readers.read { try $0.backup(to: destination) }
    }

    /// Finishes queued writes, then closes every connection.
    public func close() {
        writer.close()
        readers.close()
    }
}
