/// Advisory locks: locks on a number the application chooses, which PostgreSQL holds for it, so
/// that of several processes (crm-server nodes) only one does a thing at a time — migrating, a
/// periodic job. https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
///
/// Session locks last until unlocked (or the connection ends) and count: taken twice, unlocked
/// twice. Transaction locks end with the transaction and cannot be unlocked early, so they cannot
/// leak past a COMMIT or ROLLBACK:
///
///     try connection.withAdvisoryLock(migrationsKey) { try migrator.migrate(connection) }
///     try connection.transaction {
///         guard try connection.tryTransactionAdvisoryLock(scoringKey) else { return }  // another node scores
///         try scoreCustomers(connection)
///     }
extension Connection {
    /// Takes the session lock on `key`, waiting as long as another session holds it (bounded only
    /// by the session's `lock_timeout`, if one is set).
    public func advisoryLock(_ key: Int64) throws {
        try run("SELECT pg_advisory_lock($1::bigint)", [.integer(key)])
        heldSessionLocks[key, default: 0] += 1
    }

    /// Takes the session lock on `key` if it is free; false, without waiting, if not.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        let taken = try queryOne("SELECT pg_try_advisory_lock($1::bigint)", [.integer(key)])?.bool(0) == true
        if taken { heldSessionLocks[key, default: 0] += 1 }
        return taken
    }

    /// Releases one hold of the session lock on `key`; false if this session held none.
    @discardableResult
    public func advisoryUnlock(_ key: Int64) throws -> Bool {
        let released = try queryOne("SELECT pg_advisory_unlock($1::bigint)", [.integer(key)])?.bool(0) == true
        if released {
            heldSessionLocks[key, default: 1] -= 1
            if heldSessionLocks[key] == 0 { heldSessionLocks[key] = nil }
        }
        return released
    }

    /// Runs `body` holding the session lock on `key` (waiting for it first), and releases it
    /// however `body` ends.
    @discardableResult
    public func withAdvisoryLock<T>(_ key: Int64, _ body: () throws -> T) throws -> T {
        try advisoryLock(key)
        defer { _ = try? advisoryUnlock(key) }
        return try body()
    }

    /// Takes the transaction lock on `key`, waiting as long as another holds it; released at the
    /// end of the current transaction. Outside a transaction, it would last one statement only.
    public func transactionAdvisoryLock(_ key: Int64) throws {
        try requireTransaction(for: "pg_advisory_xact_lock")
        try run("SELECT pg_advisory_xact_lock($1::bigint)", [.integer(key)])
    }

    /// Takes the transaction lock on `key` if it is free (`pg_try_advisory_xact_lock`); false,
    /// without waiting, if not. Released at the end of the current transaction.
    public func tryTransactionAdvisoryLock(_ key: Int64) throws -> Bool {
        try requireTransaction(for: "pg_try_advisory_xact_lock")
        return try queryOne("SELECT pg_try_advisory_xact_lock($1::bigint)", [.integer(key)])?.bool(0) == true
    }

    /// Releases every session lock this session holds, however often taken (a pool does this
    /// before lending the connection to someone else).
    public func advisoryUnlockAll() throws {
        try execute("SELECT pg_advisory_unlock_all()")
        heldSessionLocks.removeAll()
    }

    /// Whether this session holds any session lock taken through this connection's methods.
    public var holdsSessionAdvisoryLocks: Bool { !heldSessionLocks.isEmpty }

    private func requireTransaction(for function: String) throws {
        guard isInTransaction else {
            throw PostgresError(
                sqlState: "25P01", message: "\(function) outside a transaction would release the lock at once")
        }
    }
}
