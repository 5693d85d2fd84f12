import WriteQueue

/// Read-only connections for concurrent readers.
///
/// In WAL mode readers never block the writer nor each other, and each read sees the
/// last committed state — never a batch in progress. Connections are opened lazily, up
/// to `maximumCount`, and reused most-recently-returned first so their statement caches
/// stay warm:
///
///     let customer = try readers.read { try $0.queryOne("SELECT * FROM customers WHERE id = ?", [id]) }
///
/// Each query sees its own snapshot; for several queries that must agree (a page and
/// its total), wrap them in `connection.transaction(.deferred) { ... }` inside `read`.
/// Never call `read` inside `read` on one thread: with every connection borrowed, it
/// would wait for itself.
public final class ReaderPool: Sendable {
    /// The error `read` throws after `close()`.
    public static let closedError = SQLiteError.misuse("the reader pool is closed")

    public let path: String
    public let maximumCount: Int
    let configuration: ConnectionConfiguration
    let state: GuardedState<PoolState>

    struct PoolState {
        /// Connections owned by threads (``ownReader()``), by thread: outside the pool's
        /// `maximumCount` and its counts, so they can never starve borrowers.
        /// A short list (one entry per loop and worker thread), searched linearly: cheaper on
        /// every read than hashing a thread id.
        var owned: [(thread: UInt, reader: OwnedReader)] = []
        /// Connections not borrowed, last returned at the end.
        var idle: [Connection] = []
        /// Invariant: `openCount == idle.count + busyCount <= maximumCount` — a borrowed
        /// connection still being opened is counted as open and busy.
        var openCount = 0
        var busyCount = 0
        var isClosed = false
    }

    /// Opens nothing yet; throws if `maximumCount` is below 1.
    public init(path: String, maximumCount: Int, configuration: ConnectionConfiguration = .init()) throws {
        guard maximumCount >= 1 else {
            throw SQLiteError.misuse("a reader pool needs at least one connection, got \(maximumCount)")
        }
        self.path = path
        self.maximumCount = maximumCount
        self.configuration = configuration
        self.state = GuardedState(PoolState())
    }

    /// Runs `body` with a connection borrowed for its duration; blocks while all
    /// `maximumCount` connections are busy. A transaction `body` leaves open is rolled back.
    @discardableResult
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        if let owned = takeOwnedReader() {
            defer { giveBackOwned(owned) }
            return try body(owned.connection)
        }
        let connection = try borrow()
        defer { giveBack(connection) }
        return try body(connection)
    }

    /// Closes idle connections now and busy ones as they are returned; later reads throw.
    public func close() {
        let idle = state.withLock(broadcast: true) { state -> [Connection] in
            state.isClosed = true
            // Owned connections' threads have stopped using the pool by now (loops and
            // workers stop before the database closes).
            let idle = state.idle
            state.idle = []
            state.openCount -= idle.count
            let owned = state.owned.map(\.reader.connection)
            state.owned = []
            return idle + owned
        }
        for connection in idle { connection.close() }
    }

    /// Connections opened and not closed (idle + busy + owned by threads).
    public var openCount: Int { state.withLock { $0.openCount + $0.owned.count } }

    /// Connections currently borrowed.
    public var busyCount: Int { state.withLock { $0.busyCount } }

    private enum Lease {
        case reuse(Connection)
        case openNew
    }

    private func borrow() throws -> Connection {
        let maximumCount = self.maximumCount
        let lease = try state.withLock(
            waitingUntil: { $0.isClosed || !$0.idle.isEmpty || $0.openCount < maximumCount }
        ) { state -> Lease in
            if state.isClosed { throw ReaderPool.closedError }
            state.busyCount += 1
            if let connection = state.idle.popLast() { return .reuse(connection) }
            state.openCount += 1
            return .openNew
        }
        switch lease {
        case .reuse(let connection):
            return connection
        case .openNew:
            // Opened outside the lock: opening touches the file system and may wait.
            do {
                return try Connection(path: path, readOnly: true, configuration: configuration)
            } catch {
                state.withLock(broadcast: true) {
                    $0.openCount -= 1
                    $0.busyCount -= 1
                }
                throw error
            }
        }
    }

    private func giveBack(_ connection: Connection) {
        connection.rollbackIfNeeded()
        let closing = state.withLock(broadcast: true) { state -> Bool in
            state.busyCount -= 1
            if state.isClosed {
                state.openCount -= 1
                return true
            }
            state.idle.append(connection)
            return false
        }
        if closing { connection.close() }
    }
}
