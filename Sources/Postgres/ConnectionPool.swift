import WriteQueue

/// A fixed number of connections shared by threads: each borrower has one to itself for the
/// duration of its closure.
///
/// Connections open lazily, up to `maximumCount`, and are lent most-recently-returned first so
/// their prepared statements stay warm. A borrower waits for a free one no longer than its
/// deadline, then gets an ``PostgresError/isUnavailable`` error (53300) — an HTTP 503, not a hang:
///
///     let name = try pool.withConnection { try $0.queryOne("SELECT name FROM customers WHERE id = $1", [7])?.string(0) }
///
/// The pool recovers by itself when PostgreSQL restarts: a connection that broke while lent is
/// closed when it is returned, and an idle one is checked (without a round trip) before it is
/// lent; a dead one is closed and a new one opened in its place. While the server is down,
/// borrowers get ``PostgresError/cannotConnect`` at once.
///
/// Returned connections are made fit for the next borrower: an open transaction is rolled back,
/// channels are unlistened and session advisory locks released; one that cannot be is closed.
/// Never borrow inside a borrow on one thread: with every connection lent, it would wait for
/// itself until the deadline.
public final class ConnectionPool: Sendable {
    public let configuration: ConnectionConfiguration
    public let maximumCount: Int
    /// How long a borrower waits for a free connection when it names no deadline.
    public let checkoutTimeout: Duration
    let state: GuardedState<PoolState>

    struct PoolState {
        /// Connections not lent, the last returned at the end.
        var idle: [Connection] = []
        /// Invariant: `openCount == idle.count + busyCount <= maximumCount` — a lent connection
        /// still being opened counts as open and busy.
        var openCount = 0
        var busyCount = 0
        var isClosed = false
    }

    /// Opens nothing yet; throws if `maximumCount` is below 1.
    public init(_ configuration: ConnectionConfiguration, maximumCount: Int, checkoutTimeout: Duration = .seconds(5)) throws {
        guard maximumCount >= 1 else {
            throw PostgresError(sqlState: "22023", message: "a pool needs at least one connection, got \(maximumCount)")
        }
        self.configuration = configuration
        self.maximumCount = maximumCount
        self.checkoutTimeout = checkoutTimeout
        self.state = GuardedState(PoolState())
    }

    deinit { close() }

    /// Runs `body` with a connection lent for its duration. Waits for a free one until `deadline`
    /// (by default `checkoutTimeout` from now), which also bounds opening a new one.
    @discardableResult
    public func withConnection<T>(deadline: ContinuousClock.Instant? = nil, _ body: (Connection) throws -> T) throws -> T {
        let connection = try checkOut(deadline: deadline ?? .now + checkoutTimeout)
        defer { giveBack(connection) }
        return try body(connection)
    }

    /// Runs `body` in a transaction on a lent connection, retried on serialization failures and
    /// deadlocks as ``Connection/transaction(_:maximumAttempts:_:)`` does.
    @discardableResult
    public func transaction<T>(
        _ isolation: IsolationLevel = .readCommitted,
        maximumAttempts: Int = Connection.defaultTransactionAttempts,
        deadline: ContinuousClock.Instant? = nil,
        _ body: (Connection) throws -> T
    ) throws -> T {
        try withConnection(deadline: deadline) { connection in
            try connection.transaction(isolation, maximumAttempts: maximumAttempts) { try body(connection) }
        }
    }

    /// Closes idle connections now and lent ones as they are returned; later borrowers get
    /// ``PostgresError/connectionClosed``.
    public func close() {
        let idle = state.withLock(broadcast: true) { state -> [Connection] in
            state.isClosed = true
            let idle = state.idle
            state.idle = []
            state.openCount -= idle.count
            return idle
        }
        for connection in idle { connection.close() }
    }

    /// Connections open (idle and lent).
    public var openCount: Int { state.withLock { $0.openCount } }

    /// Connections currently lent.
    public var busyCount: Int { state.withLock { $0.busyCount } }

    // MARK: - Lending

    private enum Lease {
        case reuse(Connection)
        case openNew
    }

    private func checkOut(deadline: ContinuousClock.Instant) throws -> Connection {
        let maximumCount = self.maximumCount
        let lease = try state.withLock(
            waitingUntil: { $0.isClosed || !$0.idle.isEmpty || $0.openCount < maximumCount }, deadline: deadline
        ) { state -> Lease in
            if state.isClosed { throw ConnectionPool.closedError() }
            state.busyCount += 1
            if let connection = state.idle.popLast() { return .reuse(connection) }
            state.openCount += 1
            return .openNew
        }
        guard let lease else {
            throw PostgresError(
                sqlState: PostgresError.tooManyConnections,
                message: "none of the pool's \(maximumCount) connections became free before the deadline")
        }
        // Checked and opened outside the lock: both touch the network.
        if case .reuse(let connection) = lease {
            if connection.handle.isAlive() { return connection }
            // The server closed it while idle (a restart): its slot opens a new one.
            connection.close()
        }
        do {
            return try Connection(configuration, deadline: deadline)
        } catch {
            state.withLock(broadcast: true) {
                $0.openCount -= 1
                $0.busyCount -= 1
            }
            throw error
        }
    }

    private func giveBack(_ connection: Connection) {
        let reusable = ConnectionPool.resetForNextBorrower(connection)
        let closing = state.withLock(broadcast: true) { state -> Bool in
            state.busyCount -= 1
            if state.isClosed || !reusable {
                state.openCount -= 1
                return true
            }
            state.idle.append(connection)
            return false
        }
        if closing { connection.close() }
    }

    /// Clears what the last borrower left in the session; false when the connection is broken or
    /// cannot be cleared, and must be closed instead.
    private static func resetForNextBorrower(_ connection: Connection) -> Bool {
        guard !connection.isBroken else { return false }
        do {
            if connection.isInTransaction { try connection.execute("ROLLBACK") }
            if !connection.listeningChannels.isEmpty { try connection.unlistenAll() }
            if connection.holdsSessionAdvisoryLocks { try connection.advisoryUnlockAll() }
        } catch {
            return false
        }
        return !connection.isBroken
    }

    private static func closedError() -> PostgresError {
        PostgresError(sqlState: PostgresError.connectionClosed, message: "the connection pool is closed")
    }
}
