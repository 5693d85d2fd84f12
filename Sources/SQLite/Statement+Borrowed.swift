import CSQLite

extension Statement {
    /// Binds `values` to parameters 1...n in order and runs the statement to completion while
    /// their text is still borrowed: SQLite reads each string in place instead of copying it
    /// (`SQLITE_STATIC`), which a bulk load of millions of rows notices. The bindings are cleared
    /// before returning, so no parameter outlives the strings it pointed at. Same count rule as
    /// `bind(_:)`.
    public func runBorrowing(_ values: [SQLValue]) throws {
        try requireBindingCount(values.count)
        reset()
        defer { clearBindings() }
        try bindBorrowing(values[...], at: 1)
    }

    /// Binds the first value, then the rest inside its borrow, and runs at the innermost level.
    private func bindBorrowing(_ values: ArraySlice<SQLValue>, at index: Int32) throws {
        guard let value = values.first else { return try run() }
        guard case .text(let text) = value else {
            try bind(value, at: index)
            return try bindBorrowing(values.dropFirst(), at: index + 1)
        }
        let length = Int32(text.utf8.count)
        try text.withCString { pointer in
            try checkBinding(sqlite3_bind_text(sqliteStatement, index, pointer, length, nil), at: index)
            try bindBorrowing(values.dropFirst(), at: index + 1)
        }
    }
}
