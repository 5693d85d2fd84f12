import CSQLite

/// One SQLite connection, configured for this project's rules on open.
///
/// A connection is used by one owner at a time (the writer thread, or a reader borrowed
/// from a `ReaderPool`), so it is not `Sendable` and takes no locks: it is opened with
/// `SQLITE_OPEN_NOMUTEX`. Statements run through `run` / `query` are compiled once and
/// cached per connection, keyed by their SQL text — so SQL must never embed values;
/// bind them:
///
///     let connection = try Connection(path: "crm.sqlite")
///     try connection.run("INSERT INTO notes(body) VALUES (?)", ["你好"])
///     let rows = try connection.query("SELECT id, body FROM notes WHERE id > ?", [0])
public final class Connection {
    let database: DatabaseHandle
    public let path: String
    public let isReadOnly: Bool
    private var statementCache: [String: Statement] = [:]
    /// What the layer above keeps with this connection for the duration of its use (the CRM
    /// layer: the events a write job fired, for the automations that run after it). Touched only
    /// by the connection's one owner, like everything else here.
    public var attachment: AnyObject?

    /// The cache is keyed by SQL text written in code, so it stays small; the caps guard against
    /// callers that build SQL dynamically (a rule tree's or an any-of filter's placeholders):
    /// every distinct tree was kept compiled, so a few hundred large trees left hundreds of
    /// megabytes of statements across the connections (found by a black-box audit). SQL longer
    /// than ``uncachedSQLBytes`` is compiled for its one use, and the cache starts again once
    /// its SQL passes ``statementCacheBytes`` in all.
    private static let statementCacheLimit = 512
    static let uncachedSQLBytes = 4_096
    static let statementCacheBytes = 512 << 10
    private var statementCacheSQLBytes = 0

    /// Process-wide settings, applied once before the first connection opens.
    private static let configureLibrary: Void = { _ = crm_sqlite_disable_memory_statistics() }()

    /// Opens (creating if needed, unless `readOnly`) the database at `path` and applies,
    /// in this order: extended result codes, `busy_timeout`, `journal_mode=WAL`
    /// (writers only: it is a property of the file), `foreign_keys=ON`, `synchronous`,
    /// and for readers `query_only=ON`, so a read path cannot write even by mistake, for
    /// writers `secure_delete=ON`.
    public init(
        path: String, readOnly: Bool = false, configuration: ConnectionConfiguration = .init()
    ) throws {
        Connection.configureLibrary
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        var pointer: OpaquePointer?
        let code = sqlite3_open_v2(path, &pointer, flags, nil)
        guard code == SQLITE_OK, let pointer else {
            let error =
                pointer.map { SQLiteError.fromConnection($0, sql: nil) }
                ?? SQLiteError(code: code, message: "cannot open \(path)")
            sqlite3_close_v2(pointer)
            throw SQLiteError(code: error.code, message: "\(error.message) (opening \(path))")
        }
        self.database = DatabaseHandle(pointer: pointer)
        self.path = path
        self.isReadOnly = readOnly

        sqlite3_extended_result_codes(pointer, 1)
        sqlite3_busy_timeout(pointer, configuration.busyTimeoutMilliseconds)
        if !readOnly {
            // Uncached: it runs once per connection.
            let mode = try prepare("PRAGMA journal_mode=WAL").step()?.string(0)?.lowercased()
            // An in-memory database reports "memory" and cannot use WAL; anything else
            // means the file cannot give readers their snapshots, which we rely on.
            guard mode == "wal" || mode == "memory" else {
                throw SQLiteError(
                    code: SQLITE_ERROR, message: "cannot enable WAL; journal_mode is \(mode ?? "unknown")",
                    sql: "PRAGMA journal_mode=WAL")
            }
        }
        try execute("PRAGMA foreign_keys=ON")
        try execute("PRAGMA synchronous=\(configuration.synchronous.rawValue)")
        // Pages read through a memory map cost no read() call each, and stay the kernel's page
        // cache rather than our heap (https://sqlite.org/mmap.html): map as much of the file as
        // SQLite allows (2 GiB in Debian's build). Pages past the map are read into each
        // connection's own page cache, which is heap, and so are the pages the writer changes:
        // the writer's 16 MiB holds a batch's changed pages (32 MiB wrote no faster on 1,000,000
        // customers and kept 17 MB more private memory for good); a reader's 4 MiB holds its hot
        // pages without every reader growing the process by the writer's share.
        try execute("PRAGMA mmap_size=\(Int64.max)")
        try execute(readOnly ? "PRAGMA cache_size=-4096" : "PRAGMA cache_size=-16384")
        if !readOnly {
            // Savepoints (one per job of a group commit) keep each page's content from before the
            // savepoint in a sub-journal; in memory, not in a temp file, that is a copy instead of
            // a pwrite per page (a fifth of a create's writer time went to those writes). Readers
            // keep temp files: their large sorts must not grow the heap.
            try execute("PRAGMA temp_store=MEMORY")
        }
        if readOnly {
            try execute("PRAGMA query_only=ON")
            watchReadBudget(pointer)
        } else {
            try execute(Self.secureDelete)
        }
    }

    /// Every byte a write frees (a deleted or rewritten cell, a freed page) is overwritten with
    /// zeros, so a value that was changed or erased lingers nowhere in the file
    /// (https://sqlite.org/pragma.html#pragma_secure_delete). `ON`, not `FAST`: `FAST` leaves
    /// freed pages as they were. Debian's SQLite defaults to it; this states it for every build.
    /// Erasure (docs/architecture.md, "Erasure") depends on it.
    static let secureDelete = "PRAGMA secure_delete=ON"

    deinit { close() }

    /// Finalizes the cached statements and closes the connection. Idempotent; later use
    /// throws `SQLITE_MISUSE`. Statements still held elsewhere keep SQLite's side of the
    /// connection alive until they are released (`sqlite3_close_v2`).
    public func close() {
        statementCache.removeAll()
        database.close()
    }

    // MARK: - Running SQL

    /// Runs one or more statements that take no bindings (DDL, PRAGMAs, scripts), through
    /// `sqlite3_exec`; nothing is cached.
    public func execute(_ sql: String) throws {
        let db = try database.executable(for: sql)
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            throw database.failed(
                SQLiteError(
                    code: sqlite3_extended_errcode(db),
                    message: message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db)),
                    sql: sql))
        }
    }

    /// Compiles a fresh statement that the caller owns; not cached.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: database, sql: sql, persistent: false)
    }

    /// The cached statement for `sql`, compiled on first use, returned reset and with its
    /// bindings cleared. If that statement is being iterated by `forEachRow` (a nested
    /// query with the same SQL), a fresh uncached one is returned instead. A caller
    /// stepping a cached statement itself must finish (or `reset()`) it before the same
    /// SQL is used again on this connection, which would reset it.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            if statement.isLeased { return try prepare(sql) }
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let bytes = sql.utf8.count
        if bytes > Connection.uncachedSQLBytes { return try prepare(sql) }
        let statement = try Statement(database: database, sql: sql, persistent: true)
        if statementCache.count >= Connection.statementCacheLimit || statementCacheSQLBytes + bytes > Connection.statementCacheBytes {
            statementCache.removeAll()
            statementCacheSQLBytes = 0
        }
        statementCache[sql] = statement
        statementCacheSQLBytes += bytes
        return statement
    }

    /// The number of statements in the cache (for tests and diagnostics).
    public var cachedStatementCount: Int { statementCache.count }

    /// Runs a statement to completion and returns how many rows it changed.
    @discardableResult
    public func run(_ sql: String, _ bindings: [SQLValue] = []) throws -> Int {
        try withCachedStatement(sql, bindings) { statement in
            try statement.run()
            return changes
        }
    }

    /// All rows of a query. For results too large to hold, use `forEachRow`.
    public func query(_ sql: String, _ bindings: [SQLValue] = []) throws -> [Row] {
        try withCachedStatement(sql, bindings) { try $0.allRows() }
    }

    /// The first row, or nil; the rest are not computed.
    public func queryOne(_ sql: String, _ bindings: [SQLValue] = []) throws -> Row? {
        try withCachedStatement(sql, bindings) { try $0.step() }
    }

    /// Streams rows to `body` one at a time; `body` returns false to stop early. Memory
    /// stays constant however large the result (exports).
    public func forEachRow(
        _ sql: String, _ bindings: [SQLValue] = [], _ body: (Row) throws -> Bool
    ) throws {
        try withCachedStatement(sql, bindings) { statement in
            while let row = try statement.step() {
                guard try body(row) else { return }
            }
        }
    }

    /// Runs a cached query and hands its first row to `body` in place (no copy); nil when there
    /// is no row.
    public func withFirstRow<T>(_ sql: String, _ bindings: [SQLValue] = [], _ body: (RowView) throws -> T) throws -> T? {
        try withCachedStatement(sql, bindings) { statement in
            try statement.stepInPlace() ? try body(RowView(statement: statement)) : nil
        }
    }

    /// Runs a cached query, hands its first row (nil when there is none) to `first`, then runs
    /// `body` with what `first` returned while the statement still stands on that row. A query
    /// standing on a row keeps the read transaction its first step began, so every statement
    /// `body` runs on this connection reads the same snapshot and takes no read lock of its own.
    /// The statement is reset when `body` returns.
    public func holdingFirstRow<V, T>(
        _ sql: String, _ bindings: [SQLValue] = [], _ first: (RowView?) throws -> V, then body: (V) throws -> T
    ) throws -> T {
        try withCachedStatement(sql, bindings) { statement in
            let value = try first(statement.stepInPlace() ? RowView(statement: statement) : nil)
            return try body(value)
        }
    }

    /// Streams a cached query's rows to `body` in place (no copies); return false to stop.
    ///
    /// On a reader, the time `body` takes counts against the thread's ``ReadBudget`` too, looked
    /// at after each row: SQLite looks at it only while it steps, every thousand instructions,
    /// and a page of ten 1 MB customers was rendered in 20-40 ms with hardly a step between.
    public func forEachRowView(_ sql: String, _ bindings: [SQLValue] = [], _ body: (RowView) throws -> Bool) throws {
        try withCachedStatement(sql, bindings) { statement in
            while try statement.stepInPlace() {
                guard try body(RowView(statement: statement)) else { return }
                if isReadOnly, ReadBudget.isSpent() { throw ReadBudget.spent }
            }
        }
    }

    /// Borrows the cached statement for the duration of `body` and always resets it
    /// afterwards, so no finished query keeps a read snapshot open (which would pin old
    /// WAL frames and stop checkpoints).
    private func withCachedStatement<T>(
        _ sql: String, _ bindings: [SQLValue], _ body: (Statement) throws -> T
    ) throws -> T {
        let statement = try cachedStatement(sql)
        try statement.bind(bindings)
        statement.isLeased = true
        defer {
            statement.isLeased = false
            statement.reset()
        }
        return try body(statement)
    }

    // MARK: - State

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 {
        database.pointer.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    public var changes: Int {
        database.pointer.map { Int(sqlite3_changes($0)) } ?? 0
    }

    /// Rows changed by every INSERT, UPDATE or DELETE since this connection opened, those run by
    /// triggers and virtual tables included (how FTS5 tells whether a `merge` did any work).
    public var totalChanges: Int64 {
        database.pointer.map { sqlite3_total_changes64($0) } ?? 0
    }

    /// True between BEGIN and COMMIT/ROLLBACK (SQLite's autocommit mode is off).
    public var isInTransaction: Bool {
        database.pointer.map { sqlite3_get_autocommit($0) == 0 } ?? false
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
