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
}

@available(*, unavailable)
extension DatabaseHandle: Sendable {}
