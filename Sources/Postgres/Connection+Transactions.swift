#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Connection {
    /// How many times ``transaction(_:maximumAttempts:_:)`` runs a body that keeps failing with
    /// a retryable error, unless told otherwise.
    public static let defaultTransactionAttempts = 3

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it (or the COMMIT)
    /// throws, so nothing half-done is ever visible.
    ///
    ///     let id = try connection.transaction(.serializable) {
    ///         try connection.queryOne("INSERT INTO customers(name) VALUES ($1) RETURNING id", ["李娜"])?.int64(0)
    ///     }
    ///
    /// A serialization failure or a deadlock (``PostgresError/isRetryable``) rolls back the whole
    /// transaction on the server; then `body` runs again from the start, in a new transaction, up
    /// to `maximumAttempts` times in all, after a short random pause that keeps two colliding
    /// transactions from colliding again in step. So `body` must do nothing outside the database
    /// that cannot be done twice; the last attempt's error is thrown.
    ///
    /// Called inside a transaction, it nests as a savepoint instead and neither retries nor sets
    /// the isolation level: a retryable failure has ended the outer transaction, which only its
    /// owner can run again.
    @discardableResult
    public func transaction<T>(
        _ isolation: IsolationLevel = .readCommitted,
        maximumAttempts: Int = Connection.defaultTransactionAttempts,
        _ body: () throws -> T
    ) throws -> T {
        if isInTransaction {
            return try savepoint("crm_nested_transaction", body)
        }
        var attempt = 1
        while true {
            do {
                return try transactionOnce(isolation, body)
            } catch let error as PostgresError where error.isRetryable && attempt < maximumAttempts {
                Connection.pauseBeforeRetry(attempt: attempt)
                attempt += 1
            }
        }
    }

    private func transactionOnce<T>(_ isolation: IsolationLevel, _ body: () throws -> T) throws -> T {
        try execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        do {
            let value = try body()
            // A COMMIT of a failed transaction succeeds with a rollback: refuse to call that done.
            // (It happens when the body caught a statement's error and went on.)
            if transactionStatus == .failed {
                throw PostgresError(
                    sqlState: PostgresError.inFailedTransaction,
                    message: "a statement failed inside the transaction, which was rolled back")
            }
            try execute("COMMIT")
            return value
        } catch {
            rollbackIfNeeded()
            throw error
        }
    }

    /// Runs `body` inside `SAVEPOINT name`: released when it returns, rolled back to (and
    /// released) when it throws, leaving the surrounding transaction usable. Only inside a
    /// transaction: https://www.postgresql.org/docs/current/sql-savepoint.html
    @discardableResult
    public func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let identifier = Connection.quoteIdentifier(name)
        try execute("SAVEPOINT \(identifier)")
        do {
            let value = try body()
            try execute("RELEASE SAVEPOINT \(identifier)")
            return value
        } catch {
            // Also clears a failed state the body's error left behind; nothing to undo once the
            // connection is gone.
            if isInTransaction {
                try? execute("ROLLBACK TO SAVEPOINT \(identifier)")
                try? execute("RELEASE SAVEPOINT \(identifier)")
            }
            throw error
        }
    }

    /// Ends any open transaction without committing. Used on error paths, where the original
    /// error is the one worth reporting.
    func rollbackIfNeeded() {
        if isInTransaction {
            try? execute("ROLLBACK")
        }
    }

    /// A random 1–10 ms per attempt so far: enough for the winner of a collision to commit, too
    /// little for a caller to notice.
    private static func pauseBeforeRetry(attempt: Int) {
        let milliseconds = Int.random(in: 1...10) * attempt
        usleep(UInt32(milliseconds * 1000))
    }

    /// `"name"` with embedded quotes doubled: an SQL identifier, never a string literal.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
