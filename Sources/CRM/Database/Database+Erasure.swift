import SQLite

/// What an erase needs after its commit, so that no erased value is left anywhere in the file or
/// its write-ahead log (docs/architecture.md, "Erasure"): the full-text index merged until no
/// segment holds a term of an erased document, then a truncating checkpoint.
extension Database {
    /// FTS pages one merge step writes: a step holds the writer for milliseconds (measured on
    /// 1,000,000 customers: median 7 ms, at most 60 ms when its commit checkpoints), so writes queued
    /// meanwhile wait for one step, never for the whole merge (seconds at that size). Steps of 200
    /// pages took 16 ms (median) in about the same total time; of 50, no less at most.
    static let searchMergePages = 100

    /// Runs `erase` on the writer and waits for its commit, then purges (``purgeErased()``) before
    /// returning its result. For a worker thread: it blocks until the purge is done.
    public func erase<T: Sendable>(_ erase: @escaping @Sendable (StoreConnection) throws -> T) throws -> T {
        let result = try writeAndWait(erase)
        try purgeErased()
        return result
    }

    /// Merges the search index in steps (each its own writer job, so other writes interleave) until
    /// it is one segment, then checkpoints with `TRUNCATE`, and only then forgets the erases whose
    /// purge was pending when it began: each of those committed before its first step, so the
    /// merge took their delete markers in (a merge started by a negative step takes every segment
    /// there is; later positive steps only carry it on). A checkpoint that a long reader keeps from
    /// finishing leaves them pending: the next erase, or the next start
    /// (``purgePendingAtOpen(_:)``), does it again. Returns whether the purge finished.
    @discardableResult
    public func purgeErased() throws -> Bool {
        // PostgreSQL keeps no copy of an erased value that SQL can reach once the erase commits;
        // its dead row versions go with VACUUM (docs/operations.md, "Erasure on PostgreSQL").
        guard case .sqlite(let writer, _) = engine else { return true }
        let pending = try writer.perform { try CustomerErasureStore.pendingPurges(StoreConnection($0)) }
        guard !pending.isEmpty else { return true }
        var first = true
        while try writer.perform({ [first] in try CustomerErasureStore.mergeSearchIndex($0, pages: Self.searchMergePages, first: first) }) {
            first = false
        }
        do {
            try writer.exclusive { try $0.checkpointTruncating() }
        } catch let error as SQLiteError where error.isBusy {
            return false
        }
        try writer.perform { try CustomerErasureStore.clearPurges(StoreConnection($0), pending) }
        return true
    }

    /// At open, before anything else writes: finishes the purges erases left pending (a crash, or a
    /// checkpoint a reader held off), in one go.
    static func purgePendingAtOpen(_ connection: Connection) throws {
        let pending = try CustomerErasureStore.pendingPurges(StoreConnection(connection))
        guard !pending.isEmpty else { return }
        var first = true
        while try connection.transaction(.immediate, { try CustomerErasureStore.mergeSearchIndex(connection, pages: 10_000, first: first) })
        {
            first = false
        }
        try connection.checkpointTruncating()
        try connection.transaction(.immediate) { try CustomerErasureStore.clearPurges(StoreConnection(connection), pending) }
    }
}
