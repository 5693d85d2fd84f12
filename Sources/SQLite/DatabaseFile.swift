import CSQLite
import Foundation

/// The file a writer opened, checked before each COMMIT and by readiness probes: is it still the
/// file at its path, and may it be written?
///
/// In WAL mode SQLite notices neither: a connection keeps writing to a file that was removed or
/// renamed (its open descriptor outlives the name), and so would acknowledge writes that no
/// restart ever sees; an open descriptor also ignores a `chmod a-w` made afterwards. Two system
/// calls (`stat`, `access`) answer both, cheaply enough for every batch and every `/readyz`.
public struct DatabaseFile: Sendable {
    public let path: String
    private let device: UInt64
    private let inode: UInt64

    /// Identifies the file now at `path`; nil when there is none (an in-memory database).
    init?(path: String) {
        guard let identity = Self.identity(path) else { return nil }
        self.path = path
        device = identity.device
        inode = identity.inode
    }

    /// Why a write to the file would be lost or refused, or nil when it may be written:
    /// `SQLITE_READONLY_DBMOVED` when no file, or another one, is at the path (removed, renamed,
    /// replaced, its directory gone); `SQLITE_READONLY` when no one may write it (no write bit
    /// at all — the way to make it read-only that holds even for root — or `access` refuses,
    /// e.g. on a read-only mount).
    public func problem() -> SQLiteError? {
        guard let now = Self.identity(path) else {
            return SQLiteError(
                code: SQLiteError.readOnlyMoved, message: "the database file \(path) is gone (removed or renamed) since it was opened")
        }
        guard now.device == device, now.inode == inode else {
            return SQLiteError(
                code: SQLiteError.readOnlyMoved, message: "the database file \(path) was replaced by another file since it was opened")
        }
        guard now.mode & 0o222 != 0, access(path, W_OK) == 0 else {
            return SQLiteError(code: SQLITE_READONLY, message: "the database file \(path) is read-only")
        }
        return nil
    }

    private static func identity(_ path: String) -> (device: UInt64, inode: UInt64, mode: UInt32)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(truncatingIfNeeded: info.st_dev), UInt64(truncatingIfNeeded: info.st_ino), UInt32(truncatingIfNeeded: info.st_mode))
    }
}
