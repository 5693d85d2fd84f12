import CSQLite

extension Connection {
    /// Runs `body`, stopping any statement it runs once SQLite has executed about `operations`
    /// virtual-machine instructions in it; nil when that happened (SQLite's progress handler,
    /// https://sqlite.org/c3ref/progress_handler.html). For a query plan that is fast when it is
    /// right and ruinous when it is wrong: try it within a budget, fall back to the planner's.
    ///
    /// Only on read-only connections: an interrupted statement may roll a write transaction back.
    public func withinBudget<T>(operations: Int32, _ body: () throws -> T) throws -> T? {
        precondition(isReadOnly, "an interrupt could roll back the writer's transaction")
        let pointer = try database.open(for: nil)
        sqlite3_progress_handler(pointer, operations, { _ in 1 }, nil)
        defer { sqlite3_progress_handler(pointer, 0, nil, nil) }
        do {
            return try body()
        } catch let error as SQLiteError where error.primaryCode == SQLITE_INTERRUPT {
            return nil
        }
    }
}
