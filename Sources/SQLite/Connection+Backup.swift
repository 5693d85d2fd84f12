import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension Connection {
    /// Writes a consistent copy of this database to `path` with SQLite's online backup
    /// API (https://sqlite.org/backup.html), while other connections keep working.
    ///
    /// The copy is made in one step, so it is one snapshot of the database. It is
    /// written to `path + ".partial"` and renamed into place only when complete, so a
    /// file at `path` is never a half-written backup; an existing file there is replaced.
    ///
    ///     try writer.exclusive { try $0.backup(to: "/backups/crm-2024-05-01.sqlite") }
    public func backup(to path: String) throws {
        let source = try database.open(for: nil)
        let partialPath = path + ".partial"
        // A crashed earlier attempt may have left a partial copy and its journals; a
        // stale journal beside a fresh file would be replayed into it.
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(partialPath + suffix) }

        var destination: OpaquePointer?
        let openCode = sqlite3_open_v2(
            partialPath, &destination, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard openCode == SQLITE_OK, let destination else {
            let error = SQLiteError.fromConnection(destination, sql: nil)
            sqlite3_close_v2(destination)
            throw SQLiteError(code: error.code, message: "\(error.message) (opening backup \(partialPath))")
        }
        sqlite3_extended_result_codes(destination, 1)

        guard let backup = sqlite3_backup_init(destination, "main", source, "main") else {
            let error = SQLiteError.fromConnection(destination, sql: nil)
            sqlite3_close_v2(destination)
            unlink(partialPath)
            throw error
        }
        // -1: copy every page in one step, holding one read snapshot of the source.
        let stepCode = sqlite3_backup_step(backup, -1)
        // finish reports the step's error on the destination handle.
        let finishCode = sqlite3_backup_finish(backup)
        if stepCode != SQLITE_DONE || finishCode != SQLITE_OK {
            let code = finishCode != SQLITE_OK ? sqlite3_extended_errcode(destination) : stepCode
            let error = SQLiteError(
                code: code, message: "backup to \(path) failed: \(String(cString: sqlite3_errstr(code)))")
            sqlite3_close_v2(destination)
            unlink(partialPath)
            throw error
        }
        // Close before renaming so nothing of the copy is left in a journal beside it.
        let closeCode = sqlite3_close_v2(destination)
        guard closeCode == SQLITE_OK else {
            unlink(partialPath)
            throw SQLiteError(code: closeCode, message: "closing backup \(partialPath) failed")
        }
        guard rename(partialPath, path) == 0 else {
            let number = errno
            unlink(partialPath)
            throw SQLiteError(
                code: SQLITE_CANTOPEN,
                message: "cannot rename \(partialPath) to \(path): \(String(cString: strerror(number)))")
        }
    }
}
