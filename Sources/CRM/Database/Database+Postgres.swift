import Foundation
import Postgres
import Synchronization

extension Database {
    /// Opens and migrates the PostgreSQL database at `url` (`postgres://user@host/dbname`): a
    /// writer with one connection of its own, whose every transaction holds the write lock
    /// (``PostgresEngine/writeLockKey``) to its COMMIT, and a pool of up to `maximumConnections`
    /// for reads. Nodes started together migrate once (the migrator's advisory lock).
    public static func open(
        postgres url: String, maximumConnections: Int = 8, maximumWriteBatch: Int = Postgres.Writer.defaultMaximumBatchSize
    )
        throws -> Database
    {
        let configuration = ConnectionConfiguration(url)
        let migration = try Connection(configuration)
        defer { migration.close() }
        try Schema.postgresMigrator().migrate(migration)
        let engine = try PostgresEngine(configuration, maximumConnections: maximumConnections, maximumWriteBatch: maximumWriteBatch)
        do {
            try engine.perform { connection in
                try FunnelRollupStore.rebuildPending(connection)
                try AttributeIndexStore.rebuildPending(connection)
                try CustomerStore.flushSearchDocuments(connection)
                try SearchDocumentRefoldStore.rebuildPending(connection)
            }
        } catch {
            engine.close()
            throw error
        }
        engine.writer.prepareCommits { connection in
            try CustomerStore.flushSearchDocuments(StoreConnection(connection))
            // Delivered at the COMMIT to every node listening (long-polls wake on it).
            try connection.notify(PostgresEngine.changesChannel)
        }
        return Database(path: configuration.redactedConnectionString, engine: .postgres(engine))
    }
}

/// The PostgreSQL side of ``Database``: the writer and the read pool.
final class PostgresEngine: Sendable {
    /// The advisory lock every write transaction takes first and holds to its COMMIT, on every
    /// node: "crm-writ".
    static let writeLockKey: Int64 = 0x6372_6D2D_7772_6974

    /// The channel every write batch notifies at its COMMIT.
    static let changesChannel = "crm_changes"

    let pool: ConnectionPool
    let writer: Postgres.Writer
    let configuration: ConnectionConfiguration
    private let listening = Mutex<ListenerState>(ListenerState())

    private struct ListenerState {
        var started = false
        var stopped = false
    }
    init(_ configuration: ConnectionConfiguration, maximumConnections: Int, maximumWriteBatch: Int) throws {
        self.configuration = configuration
        pool = try ConnectionPool(configuration, maximumCount: max(1, maximumConnections))
        writer = Postgres.Writer(configuration, lockKey: Self.writeLockKey, maximumBatchSize: max(1, maximumWriteBatch))
    }

    /// A read on a pooled connection, in a read-only REPEATABLE READ transaction: one snapshot for
    /// every query of the read, as SQLite's readers have.
    func read<T>(_ body: (StoreConnection) throws -> T) throws -> T {
        try pool.withConnection { connection in
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let value = try body(StoreConnection(connection))
                try connection.execute("COMMIT")
                return value
            } catch {
                if connection.isInTransaction { try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    func submit<T: Sendable>(
        outermost: Bool, _ job: @escaping @Sendable (StoreConnection) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        writer.submit(outermost: outermost, { connection in try job(StoreConnection(connection)) }, completion: completion)
    }

    func perform<T: Sendable>(outermost: Bool = false, _ job: @escaping @Sendable (StoreConnection) throws -> T) throws -> T {
        try writer.perform(outermost: outermost) { connection in try job(StoreConnection(connection)) }
    }

    /// Calls `observer` after every commit of this node's writer, and after every commit another
    /// node's writer notifies on ``changesChannel`` (a thread of its own listens, on a connection
    /// of its own, and reconnects after PostgreSQL restarts).
    func observeCommits(_ observer: @escaping @Sendable (StoreConnection) -> Void) {
        writer.observeCommits { connection in observer(StoreConnection(connection)) }
        let start = listening.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard start else { return }
        let thread = Thread { [self] in listen(observer) }
        thread.name = "postgres-listener"
        thread.start()
    }

    private func listen(_ observer: @Sendable (StoreConnection) -> Void) {
        var connection: Connection?
        while !listening.withLock({ $0.stopped }) {
            do {
                if connection == nil || connection?.isBroken == true {
                    connection?.close()
                    connection = nil
                    let fresh = try Connection(configuration)
                    try fresh.listen(Self.changesChannel)
                    connection = fresh
                    // What committed while nobody listened is reported as well.
                    observer(StoreConnection(fresh))
                }
                guard let connection else { continue }
                // Short waits, so that close() is noticed soon.
                guard try connection.notification(waitingUntil: .now + .milliseconds(500)) != nil else { continue }
                while try connection.notification(waitingUntil: .now) != nil {}
                observer(StoreConnection(connection))
            } catch {
                connection?.close()
                connection = nil
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        connection?.close()
    }

    /// The fault a PostgreSQL error reports: the server unreachable, restarting or out of
    /// connections is a 503 until it is back; a serialization failure or deadlock is "busy".
    static func fault(of error: any Error) -> Database.Fault? {
        guard let error = error as? PostgresError else { return nil }
        if error.isUnavailable { return .storageUnavailable }
        return error.isRetryable ? .busy : nil
    }

    static let backupRefusal = PostgresError(
        sqlState: "0A000", message: "crm-server backup copies a SQLite file; back PostgreSQL up with pg_dump")

    /// `body` while this session holds advisory lock `key`; nil, without running it, when
    /// another session holds it.
    func exclusively<T>(_ key: Int64, _ body: () throws -> T) throws -> T? {
        try pool.withConnection { connection in
            guard try connection.tryAdvisoryLock(key) else { return nil }
            defer { _ = try? connection.advisoryUnlock(key) }
            return try body()
        }
    }

    /// Whether a pooled connection answers (for `/readyz`).
    func isReachable() -> Bool {
        (try? pool.withConnection(deadline: .now + .seconds(2)) { try $0.queryOne("SELECT 1") }) != nil
    }

    func isMigrated() -> Bool {
        (try? pool.withConnection { connection in try Schema.postgresMigrator().pendingVersions(connection).isEmpty }) ?? false
    }

    func close() {
        listening.withLock { $0.stopped = true }
        writer.close()
        pool.close()
    }
}
