import CSQLite

/// Owns the `sqlite3*` of one connection, shared by the `Connection` and every
/// `Statement` prepared on it.
///
/// Statements hold this (not the `Connection`) so that a connection's statement cache
/// creates no reference cycle, and a statement that outlives its connection still has
/// a valid handle to report errors against. Closing uses `sqlite3_close_v2`, which
/// defers the real close until the last statement is finalized
/// (https://sqlite.org/c3ref/close.html), so finalize/close order never matters.
final class DatabaseHandle {
    /// nil once closed. Invariant: only `close()` changes it.
    private(set) var pointer: OpaquePointer?

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { close() }

    func close() {
        guard let pointer else { return }
        self.pointer = nil
        sqlite3_close_v2(pointer)
    }

    /// The open handle, or a misuse error naming what was attempted on a closed one.
    func open(for sql: String?) throws -> OpaquePointer {
        guard let pointer else { throw SQLiteError.misuse("the connection is closed", sql: sql) }
        return pointer
    }

    /// Set by the writer while its batch transaction is open: from then on every statement must
    /// run inside that transaction. SQLite itself rolls the whole transaction back on some errors
    /// (`SQLITE_FULL`, `SQLITE_IOERR`, ...); a job that caught such an error and went on would
    /// otherwise run its next statements in autocommit mode, each committed on its own, and a
    /// half batch would stay behind however the batch ended.
    var requiresTransaction = false
    /// The error with which SQLite ended the required transaction, thrown again by every later
    /// statement until the writer lets go (``requiresTransaction``).
    var transactionLoss: SQLiteError?

    /// The open handle for executing `sql` (a step or an exec): refused while a required
    /// transaction is gone.
    func executable(for sql: String?) throws -> OpaquePointer {
        let pointer = try open(for: sql)
        if requiresTransaction, sqlite3_get_autocommit(pointer) != 0 {
            throw transactionLoss
                ?? SQLiteError(
                    code: SQLiteError.abortRollback, message: "the transaction was rolled back; nothing more runs in it", sql: sql)
        }
        return pointer
    }

    /// Notes `error`, just returned by executing a statement, as the cause of a lost required
    /// transaction when it ended it; returns it for throwing.
    func failed(_ error: SQLiteError) -> SQLiteError {
        if requiresTransaction, transactionLoss == nil, let pointer, sqlite3_get_autocommit(pointer) != 0 {
            transactionLoss = error
        }
        return error
    }
}

@available(*, unavailable)
extension DatabaseHandle: Sendable {}
