import CSQLite

/// The one error type of the SQLite layer: every C result code that is not a success
/// becomes one of these at the boundary, so nothing above this module sees an `Int32`.
///
/// It carries the *extended* result code (extended codes are enabled on every
/// connection), SQLite's message and the SQL that failed, which is what a log line or
/// a test assertion needs:
///
///     catch let error as SQLiteError where error.isUniqueViolation { /* 409 */ }
///
/// Codes: https://sqlite.org/rescode.html
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The extended result code, e.g. 2067 (`SQLITE_CONSTRAINT_UNIQUE`).
    public let code: Int32
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, ...): the low byte.
    public var primaryCode: Int32 { code & 0xff }

    /// Any constraint failure: UNIQUE, PRIMARY KEY, NOT NULL, CHECK, FOREIGN KEY.
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// A UNIQUE index or a PRIMARY KEY already holds the value: the caller's conflict,
    /// usually an HTTP 409.
    public var isUniqueViolation: Bool {
        code == SQLiteError.constraintUnique || code == SQLiteError.constraintPrimaryKey
    }

    /// A referenced row does not exist, or a referencing row still does.
    public var isForeignKeyViolation: Bool { code == SQLiteError.constraintForeignKey }

    public var isNotNullViolation: Bool { code == SQLiteError.constraintNotNull }

    public var isCheckViolation: Bool { code == SQLiteError.constraintCheck }

    /// The database stayed locked past the busy timeout; retrying later may succeed.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY }

    /// A statement stopped by the thread's ``ReadBudget`` (or an interrupt): a read to run again
    /// elsewhere, never a fault of the database.
    public var isInterrupt: Bool { primaryCode == SQLITE_INTERRUPT }

    /// The disk, or the page limit (`PRAGMA max_page_count`), is full: `SQLITE_FULL`.
    public var isFull: Bool { primaryCode == SQLITE_FULL }

    /// The file cannot be written or opened: read-only (or moved away, see ``DatabaseFile``),
    /// not openable, failing I/O; or a transaction SQLite rolled back (`SQLITE_ABORT_ROLLBACK`).
    public var isStorageFailure: Bool {
        switch primaryCode {
        case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_IOERR: true
        default: code == SQLiteError.abortRollback
        }
    }

    public var description: String {
        var text = "SQLite error \(code) (\(String(cString: sqlite3_errstr(code)))): \(message)"
        if let sql { text += " — in `\(sql)`" }
        return text
    }

    // Extended codes are macros built with shifts, which Swift does not import;
    // the values are fixed by SQLite's stable ABI (https://sqlite.org/rescode.html).
    public static let constraintCheck: Int32 = 275
    public static let constraintForeignKey: Int32 = 787
    public static let constraintNotNull: Int32 = 1299
    public static let constraintPrimaryKey: Int32 = 1555
    public static let constraintUnique: Int32 = 2067
    /// `SQLITE_ABORT_ROLLBACK`: the transaction a statement belonged to was rolled back.
    public static let abortRollback: Int32 = 516
    /// `SQLITE_READONLY_DBMOVED`: the database file was moved, removed or replaced since it was
    /// opened, so a write would go to a file no one will open again.
    public static let readOnlyMoved: Int32 = 1032

    /// Reads the connection's last error: the extended code and message belong to the
    /// most recent failing call on `db`, so this must run right after that call.
    static func fromConnection(_ db: OpaquePointer?, sql: String?) -> SQLiteError {
        guard let db else {
            return SQLiteError(code: SQLITE_NOMEM, message: "no database handle", sql: sql)
        }
        return SQLiteError(
            code: sqlite3_extended_errcode(db),
            message: String(cString: sqlite3_errmsg(db)),
            sql: sql
        )
    }

    /// An API misuse detected by this layer (wrong binding count, closed connection).
    static func misuse(_ message: String, sql: String? = nil) -> SQLiteError {
        SQLiteError(code: SQLITE_MISUSE, message: message, sql: sql)
    }
}
