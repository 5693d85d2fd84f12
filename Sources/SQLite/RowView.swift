import CSQLite

/// The current row of a stepping statement, read in place: no column is copied until asked for,
/// and text can be read as the bytes SQLite holds. Valid only inside the closure that receives
/// it (``Connection/withFirstRow(_:_:_:)``, ``Connection/forEachRowView(_:_:_:)``).
///
///     let json = try connection.withFirstRow("SELECT * FROM customers WHERE id = ?", [7]) { row in
///         renderer.write(row, into: &writer)
///     }
public struct RowView: ColumnReader {
    @usableFromInline let statement: Statement

    public func columnIndex(_ name: String) -> Int? { statement.columnIndex(name) }

    public func positions(of names: [String], key: String) -> [Int?] { statement.layout().positions(of: names, key: key) }

    // Inlinable (the column reads below): a renderer in another module reads a few dozen columns
    // per row through them, and `withUTF8` unspecialised went through generic value witnesses.
    @inlinable
    public func isNull(at index: Int) -> Bool {
        sqlite3_column_type(statement.sqliteStatement, Int32(index)) == SQLITE_NULL
    }

    @inlinable
    public func int64(at index: Int) -> Int64? {
        let value = statement.columnValue(index)
        guard sqlite3_value_type(value) == SQLITE_INTEGER else { return nil }
        return sqlite3_value_int64(value)
    }

    @inlinable
    public func double(at index: Int) -> Double? {
        let value = statement.columnValue(index)
        switch sqlite3_value_type(value) {
        case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_value_double(value)
        default: return nil
        }
    }

    @inlinable
    public func withUTF8<T>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        let value = statement.columnValue(index)
        guard sqlite3_value_type(value) == SQLITE_TEXT else { return nil }
        // The pointer before the length, as https://sqlite.org/c3ref/column_blob.html advises.
        let text = sqlite3_value_text(value)
        let length = text == nil ? 0 : Int(sqlite3_value_bytes(value))
        return try body(UnsafeBufferPointer(start: text, count: length))
    }

    /// A copy of the row, for when it must outlive the step.
    public func copy() -> Row { statement.copyCurrentRow() }
}

@available(*, unavailable)
extension RowView: Sendable {}
