import CSQLite

/// One compiled SQL statement: the only holder of its `sqlite3_stmt` pointer, which it
/// finalizes when released.
///
/// Most code never touches a `Statement`: `Connection.run` / `query` use the
/// connection's cache. Use one directly to stream a large result or to bind by name:
///
///     let statement = try connection.prepare("SELECT name FROM customers WHERE city = :city")
///     try statement.bind("上海", named: ":city")
///     while let row = try statement.step() { print(row.string(0) ?? "") }
///
/// A statement belongs to its connection's owner and never crosses threads.
public final class Statement {
    /// The compiled statement. Invariant: non-nil and valid until deinit.
    @usableFromInline let sqliteStatement: OpaquePointer
    let database: DatabaseHandle
    /// The SQL this statement was compiled from.
    public let sql: String
    /// Set by `Connection` while one of its helpers iterates this cached statement, so
    /// that a nested query with the same SQL gets a fresh statement instead of resetting
    /// the one being iterated.
    var isLeased = false
    /// Column names, built once; rebuilt only if a schema change recompiled the statement
    /// to a different column count (e.g. `SELECT *` after `ALTER TABLE ADD COLUMN`).
    private var columns: RowColumns?

    /// Compiles exactly one statement; trailing text other than whitespace and comments
    /// is refused, so a second statement is never silently ignored.
    init(database: DatabaseHandle, sql: String, persistent: Bool) throws {
        let db = try database.open(for: sql)
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        var compiled: OpaquePointer?
        var trailingStatement: OpaquePointer?
        let code: Int32 = sql.withCString { start in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(db, start, -1, flags, &compiled, &tail)
            guard code == SQLITE_OK, let tail, tail.pointee != 0 else { return code }
            // Compile the rest only to learn whether it holds another statement.
            var rest: UnsafePointer<CChar>?
            let restCode = sqlite3_prepare_v3(db, tail, -1, 0, &trailingStatement, &rest)
            return restCode
        }
        if let trailingStatement {
            sqlite3_finalize(trailingStatement)
            sqlite3_finalize(compiled)
            throw SQLiteError(
                code: SQLITE_MISUSE,
                message: "more than one statement; use Connection.execute for scripts",
                sql: sql
            )
        }
        guard code == SQLITE_OK else {
            let error = SQLiteError.fromConnection(db, sql: sql)
            sqlite3_finalize(compiled)
            throw error
        }
        guard let compiled else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no SQL statement in the text", sql: sql)
        }
        self.sqliteStatement = compiled
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(sqliteStatement) }

    // MARK: - Bindings

    /// The number of `?`, `?NNN`, `:name`, `@name` and `$name` parameters.
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(sqliteStatement) }

    /// Resets the statement and binds `values` to parameters 1...n. The count must match
    /// the statement's parameters exactly: a missing value is a bug, not a NULL.
    public func bind(_ values: [SQLValue]) throws {
        try requireBindingCount(values.count)
        reset()
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value at a 1-based index. Call after `reset()` when re-running.
    public func bind(_ value: SQLValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(sqliteStatement, index)
        case .integer(let integer):
            code = sqlite3_bind_int64(sqliteStatement, index, integer)
        case .real(let real):
            code = sqlite3_bind_double(sqliteStatement, index, real)
        case .text(let text):
            // The explicit byte length keeps embedded NULs; transient makes SQLite copy
            // the bytes, since Swift's buffer is only valid inside the closure.
            let length = Int32(text.utf8.count)
            code = text.withCString {
                sqlite3_bind_text(sqliteStatement, index, $0, length, crm_sqlite_transient)
            }
        case .blob(let bytes):
            if bytes.isEmpty {
                // A nil pointer would bind NULL; an empty blob is not NULL.
                code = sqlite3_bind_zeroblob(sqliteStatement, index, 0)
            } else {
                code = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(
                        sqliteStatement, index, $0.baseAddress, Int32($0.count), crm_sqlite_transient)
                }
            }
        }
        try checkBinding(code, at: index)
    }

    /// Throws `SQLITE_RANGE` unless `count` values fill the statement's parameters exactly.
    func requireBindingCount(_ count: Int) throws {
        guard count == Int(parameterCount) else {
            throw SQLiteError(
                code: SQLITE_RANGE,
                message: "statement expects \(parameterCount) bindings, got \(count)",
                sql: sql
            )
        }
    }

    /// Throws unless a `sqlite3_bind_*` call at `index` returned `SQLITE_OK`.
    func checkBinding(_ code: Int32, at index: Int32) throws {
        guard code == SQLITE_OK else {
            throw SQLiteError(
                code: code,
                message: "cannot bind parameter \(index): \(String(cString: sqlite3_errstr(code)))",
                sql: sql
            )
        }
    }

    /// Binds by parameter name. The name may be given with its prefix (`":city"`) or
    /// without (`"city"`, tried as `:city`, `@city`, `$city`).
    public func bind(_ value: SQLValue, named name: String) throws {
        let candidates =
            name.first.map { ":@$?".contains($0) } == true ? [name] : [":" + name, "@" + name, "$" + name]
        for candidate in candidates {
            let index = sqlite3_bind_parameter_index(sqliteStatement, candidate)
            if index > 0 { return try bind(value, at: index) }
        }
        throw SQLiteError(code: SQLITE_RANGE, message: "no parameter named \(name)", sql: sql)
    }

    /// Clears all bindings to NULL (does not reset).
    public func clearBindings() {
        sqlite3_clear_bindings(sqliteStatement)
    }

    // MARK: - Execution

    /// Advances to the next row; nil when the statement is done. The row is a copy and
    /// stays valid after further steps.
    public func step() throws -> Row? {
        let db = try database.executable(for: sql)
        switch sqlite3_step(sqliteStatement) {
        case SQLITE_ROW:
            return currentRow()
        case SQLITE_DONE:
            return nil
        default:
            throw database.failed(SQLiteError.fromConnection(db, sql: sql))
        }
    }

    /// Runs the statement to completion (discarding any rows), then resets it; bindings
    /// are kept so it can be run again.
    public func run() throws {
        defer { reset() }
        while try step() != nil {}
    }

    /// Steps through every row and returns them, then resets.
    public func allRows() throws -> [Row] {
        defer { reset() }
        var rows: [Row] = []
        while let row = try step() { rows.append(row) }
        return rows
    }

    /// Makes the statement ready to run again from the start and releases the read
    /// snapshot it held; keeps bindings. Errors of the last step were already thrown by
    /// `step()`, so the code `sqlite3_reset` repeats is ignored.
    public func reset() {
        sqlite3_reset(sqliteStatement)
    }

    // MARK: - Columns

    public var columnCount: Int32 { sqlite3_column_count(sqliteStatement) }

    public func columnName(_ index: Int32) -> String {
        guard let name = sqlite3_column_name(sqliteStatement, index) else { return "" }
        return String(cString: name)
    }

    /// Whether the statement only reads (`sqlite3_stmt_readonly`).
    public var isReadOnly: Bool { sqlite3_stmt_readonly(sqliteStatement) != 0 }

    /// Steps and hands the current row to `body` without copying it; false when done.
    func stepInPlace() throws -> Bool {
        let db = try database.executable(for: sql)
        switch sqlite3_step(sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.failed(SQLiteError.fromConnection(db, sql: sql))
        }
    }

    /// The index of the result column so named (exact, then ASCII case-insensitive).
    public func columnIndex(_ name: String) -> Int? {
        layout().index(of: name)
    }

    /// The result's column names, made once per statement and shared by its rows.
    func layout() -> RowColumns {
        let count = sqlite3_column_count(sqliteStatement)
        if let cached = self.columns, cached.names.count == Int(count) { return cached }
        let columns = RowColumns(names: (0..<count).map(columnName))
        self.columns = columns
        return columns
    }

    func copyCurrentRow() -> Row { currentRow() }

    private func currentRow() -> Row {
        let count = sqlite3_column_count(sqliteStatement)
        let columns: RowColumns
        if let cached = self.columns, cached.names.count == Int(count) {
            columns = cached
        } else {
            columns = RowColumns(names: (0..<count).map(columnName))
            self.columns = columns
        }
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for index in 0..<count {
            values.append(value(at: index))
        }
        return Row(columns: columns, values: values)
    }

    private func value(at index: Int32) -> SQLValue {
        let value = columnValue(Int(index))
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT:
            return .real(sqlite3_value_double(value))
        case SQLITE_TEXT:
            // Fetch the pointer before the length, as https://sqlite.org/c3ref/column_blob.html advises.
            guard let text = sqlite3_value_text(value) else { return .text("") }
            let length = Int(sqlite3_value_bytes(value))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_value_blob(value) else { return .blob([]) }
            let length = Int(sqlite3_value_bytes(value))
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
        default:
            return .null
        }
    }

    /// The current row's value in column `index`, looked up once for its type and its content.
    ///
    /// Each `sqlite3_column_*` call looks the column up again and checks the connection for a
    /// failed allocation after it: reading a text column's type, bytes and length that way was
    /// three lookups and three checks, a fifth of an export's CPU. The value is SQLite's
    /// "unprotected" kind (https://sqlite.org/c3ref/value.html), which differs from a protected
    /// one only by the connection's mutex; connections here are opened without one
    /// (`SQLITE_OPEN_NOMUTEX`) and used by one thread at a time, so `sqlite3_value_*` reads it
    /// as the `sqlite3_column_*` functions would. Valid until the statement steps or resets.
    @inlinable
    func columnValue(_ index: Int) -> OpaquePointer? {
        sqlite3_column_value(sqliteStatement, Int32(index))
    }
}
