import CSQLite

extension Connection {
    /// Copies every frame of the write-ahead log into the database file and truncates the log to
    /// zero bytes (`SQLITE_CHECKPOINT_TRUNCATE`, https://sqlite.org/c3ref/wal_checkpoint_v2.html),
    /// so no earlier version of any page is left in the `-wal` file.
    ///
    /// It waits (through the busy timeout) for readers still on an older snapshot to finish; if one
    /// outlasts it, it throws `SQLITE_BUSY` having copied what it could. Call it outside any
    /// transaction, on the write connection:
    ///
    ///     try writer.exclusive { try $0.checkpointTruncating() }
    public func checkpointTruncating() throws {
        let pointer = try database.executable(for: nil)
        var logFrames: Int32 = 0
        var copiedFrames: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(pointer, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &copiedFrames)
        guard code == SQLITE_OK else {
            throw SQLiteError(
                code: code == SQLITE_BUSY ? code : sqlite3_extended_errcode(pointer),
                message:
                    "checkpoint (truncate) stopped after \(copiedFrames) of \(logFrames) frames: \(String(cString: sqlite3_errstr(code)))"
            )
        }
    }
}
