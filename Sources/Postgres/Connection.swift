import CLibPQ

/// One connection to a PostgreSQL server, through libpq.
///
/// A connection is used by one owner at a time (a thread, or a borrower from a ``ConnectionPool``),
/// so it is not `Sendable` and takes no locks; libpq allows a connection to move between threads
/// as long as two never use it at once. Every call blocks its thread until the server answers.
/// Statements run through `run` / `query` are prepared once per connection and cached, keyed by
/// their SQL text — so SQL must never embed values; bind them:
///
///     let connection = try Connection(ConnectionConfiguration("postgres:///crm?host=/run/postgresql"))
///     try connection.run("INSERT INTO notes(body) VALUES ($1)", ["你好"])
///     let rows = try connection.query("SELECT id, body FROM notes WHERE id > $1", [0])
public final class Connection {
    let handle: ConnectionHandle
    private var statementCache: [String: Statement] = [:]
    /// Session state a pool must clear before lending the connection to someone else.
    var listeningChannels: Set<String> = []
    var heldSessionLocks: [Int64: Int] = [:]
    /// What the layer above keeps with this connection while it owns it (the CRM layer: the events
    /// a write job fired, for the automations that run after it). The ``Writer`` hands it on to
    /// the connection that replaces a broken one.
    public var attachment: AnyObject?

    /// The cache is keyed by SQL text written in code, so it stays small; the cap only guards
    /// against a caller that builds SQL dynamically, each statement holding server memory.
    static let statementCacheLimit = 512

    /// Opens a connection, waiting at most `configuration.connectTimeout`; throws
    /// ``PostgresError/cannotConnect`` (an ``PostgresError/isUnavailable`` error) when it cannot.
    public convenience init(_ configuration: ConnectionConfiguration) throws {
        try self.init(configuration, deadline: .now + configuration.connectTimeout)
    }

    /// Opens a connection by `deadline` or by the configuration's timeout, whichever comes first.
    public init(_ configuration: ConnectionConfiguration, deadline: ContinuousClock.Instant) throws {
        let deadline = min(deadline, .now + configuration.connectTimeout)
        handle = try ConnectionHandle.connect(configuration.connectionString, deadline: deadline)
    }

    deinit { close() }

    /// Closes the connection (`PQfinish`). Idempotent; later use throws
    /// ``PostgresError/connectionClosed``.
    public func close() {
        statementCache.removeAll()
        handle.close()
    }

    // MARK: - Running SQL

    /// Runs SQL that takes no bindings (DDL, `SET`, scripts of several statements) through the
    /// simple-query protocol; nothing is prepared or cached.
    public func execute(_ sql: String) throws {
        try handle.execute(sql)
    }

    /// The prepared statement for `sql`, prepared on first use and cached on this connection.
    public func prepare(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] { return statement }
        if statementCache.count >= Connection.statementCacheLimit, transactionStatus == .idle {
            // Outside a transaction only: inside a failed one, DEALLOCATE would fail too.
            try handle.execute("DEALLOCATE ALL")
            handle.statementGeneration += 1
            statementCache.removeAll()
        }
        let statement = try Statement(handle: handle, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// The number of statements in the cache (for tests and diagnostics).
    public var preparedStatementCount: Int { statementCache.count }

    /// Runs a statement and returns how many rows it changed (or returned).
    @discardableResult
    public func run(_ sql: String, _ bindings: [PostgresValue] = []) throws -> Int {
        try prepare(sql).run(bindings)
    }

    /// All rows of a query.
    public func query(_ sql: String, _ bindings: [PostgresValue] = []) throws -> [Row] {
        try prepare(sql).query(bindings)
    }

    /// The first row, or nil.
    public func queryOne(_ sql: String, _ bindings: [PostgresValue] = []) throws -> Row? {
        try prepare(sql).queryOne(bindings)
    }

    // MARK: - State

    /// Where the connection stands between statements (`PQtransactionStatus`).
    public enum TransactionStatus: Sendable, Hashable {
        /// Outside any transaction.
        case idle
        /// Inside a transaction that can go on.
        case inTransaction
        /// Inside a transaction a statement failed in: only ROLLBACK does anything now.
        case failed
        /// The connection is closed or broken.
        case unknown
    }

    public var transactionStatus: TransactionStatus {
        guard let pointer = handle.pointer else { return .unknown }
        switch PQtransactionStatus(pointer) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failed
        default: return .unknown
        }
    }

    /// True between BEGIN and COMMIT/ROLLBACK, a failed transaction included.
    public var isInTransaction: Bool {
        let status = transactionStatus
        return status == .inTransaction || status == .failed
    }

    /// True once closed or once libpq has seen the connection break. A server that went away
    /// while the connection was idle is noticed by the next statement (which throws an
    /// ``PostgresError/isUnavailable`` error), or by the pool's check before lending it.
    public var isBroken: Bool { handle.isBroken }

    /// The process id of the server backend serving this connection (`pg_backend_pid()`); a
    /// notification's sender is named by it.
    public var backendProcessID: Int32 {
        handle.pointer.map { PQbackendPID($0) } ?? 0
    }

    /// The server's version as a number, e.g. 150006 for 15.6.
    public var serverVersion: Int {
        handle.pointer.map { Int(PQserverVersion($0)) } ?? 0
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
