import CSQLite

extension Connection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it (or the
    /// COMMIT) throws, so nothing half-done is ever visible.
    ///
    ///     let id = try connection.transaction {
    ///         try connection.run("INSERT INTO customers(name) VALUES (?)", ["李娜"])
    ///         return connection.lastInsertRowID
    ///     }
    ///
    /// Called while a transaction is already open (for instance inside a `Writer` job,
    /// which runs inside the batch's transaction), it nests as a savepoint instead, and
    /// `kind` is moot: the body stays all-or-nothing either way.
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint("crm_nested_transaction", body)
        }
        try run("BEGIN \(kind.rawValue)")
        let value: T
        do {
            value = try body()
            try run("COMMIT")
        } catch {
            rollbackIfNeeded()
            throw error
        }
        return value
    }

    /// Runs `body` inside `SAVEPOINT name`: released when it returns, rolled back to (and
    /// released) when it throws. Savepoints nest, and work inside or outside a
    /// transaction (outside, the outermost one is the transaction).
    /// https://sqlite.org/lang_savepoint.html
    @discardableResult
    public func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let identifier = Connection.quoteIdentifier(name)
        try run("SAVEPOINT \(identifier)")
        let value: T
        do {
            value = try body()
            try run("RELEASE \(identifier)")
        } catch {
            // SQLite may already have rolled the whole transaction back (e.g. SQLITE_FULL);
            // then the savepoint is gone and there is nothing left to undo.
            if isInTransaction {
                _ = try? run("ROLLBACK TO \(identifier)")
                _ = try? run("RELEASE \(identifier)")
            }
            throw error
        }
        return value
    }

    /// Ends any open transaction without committing. Used on error paths, where the
    /// original error is the one worth reporting.
    func rollbackIfNeeded() {
        if isInTransaction {
            try? execute("ROLLBACK")
        }
    }

    /// `"name"` with embedded quotes doubled: an SQL identifier, never a string literal.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
