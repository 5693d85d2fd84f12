import CSQLite

/// The current row of a stepping statement, read in place: no column is copied until asked for,
/// and text can be read as the bytes SQLite holds. Valid only inside the closure that receives
/// it (``Connection/withFirstRow(_:_:_:)``, ``Connection/forEachRowView(_:_:_:)``).
///
///     let json = try connection.withFirstRow("SELECT * FROM customers WHERE id = ?", [7]) { row in
///         renderer.write(row, into: &writer)
///     }
public struct RowView: ColumnReader {
    let statement: Statement

    public func columnIndex(_ name: String) -> Int? { statement.columnIndex(name) }

    public func positions(of names: [String], key: String) -> [Int?] { statement.layout().positions(of: names, key: key) }

    public func isNull(at index: Int) -> Bool {
        sqlite3_column_type(statement.sqliteStatement, Int32(index)) == SQLITE_NULL
    }

    public func int64(at index: Int) -> Int64? {
        guard sqlite3_column_type(statement.sqliteStatement, Int32(index)) == SQLITE_INTEGER else { return nil }
        return sqlite3_column_int64(statement.sqliteStatement, Int32(index))
    }

    public func double(at index: Int) -> Double? {
        switch sqlite3_column_type(statement.sqliteStatement, Int32(index)) {
        case SQLITE_FLOAT, SQLITE_INTEGER: sqlite3_column_double(statement.sqliteStatement, Int32(index))
        default: nil
        }
    }

    public func withUTF8<T>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        guard sqlite3_column_type(statement.sqliteStatement, Int32(index)) == SQLITE_TEXT else { return nil }
        // The pointer before the length, as https://sqlite.org/c3ref/column_blob.html advises.
        let text = sqlite3_column_text(statement.sqliteStatement, Int32(index))
        let length = Int(sqlite3_column_bytes(statement.sqliteStatement, Int32(index)))
        return try body(UnsafeBufferPointer(start: text, count: length))
    }

    /// A copy of the row, for when it must outlive the step.
    public func copy() -> Row { statement.copyCurrentRow() }
}

@available(*, unavailable)
extension RowView: Sendable {}
