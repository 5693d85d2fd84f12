#if canImport(Glibc)
    import Glibc
#endif

/// Readers owned by threads: a thread that calls ``ReaderPool/ownReader()`` (an event loop, a
/// worker of a bounded pool) gets a read-only connection of its own, which every later
/// ``ReaderPool/read(_:)`` on that thread uses instead of borrowing one. Such a thread never
/// waits for the pool, whatever other threads hold: short reads on an event loop can never be
/// stalled by slow work elsewhere.
///
///     loop.start { try readers.ownReader() }   // once, on the loop's thread
///     try readers.read { … }                    // then: that thread's own connection
///
/// A nested `read` on a thread whose connection is in use (a read inside a read) borrows from
/// the pool as before, so re-entrancy never shares one connection between two readers.
/// ``readHoldingSnapshot(_:_:then:)`` is the one exception, and shares it on purpose: one read
/// after another, in one snapshot.
extension ReaderPool {
    /// One thread's connection. `inUse` is touched only by the owning thread; the slot table
    /// is touched under the pool's lock.
    final class OwnedReader: @unchecked Sendable {
        // @unchecked Sendable: `connection` and `inUse` are used only on the thread whose id
        // keys this slot (or by `close()` after that thread stopped using the pool).
        let connection: Connection
        var inUse = false

        init(connection: Connection) {
            self.connection = connection
        }
    }

    static func currentThreadKey() -> UInt { UInt(pthread_self()) }

    /// Opens a connection that the calling thread owns from now on (until ``close()``).
    /// Calling it again on the same thread does nothing.
    public func ownReader() throws {
        let key = Self.currentThreadKey()
        guard owned(by: key) == nil else { return }
        let connection = try Connection(path: path, readOnly: true, configuration: configuration)
        let kept = state.withLock { state -> Bool in
            guard !state.isClosed else { return false }
            state.owned.append((key, OwnedReader(connection: connection)))
            return true
        }
        if !kept {
            connection.close()
            throw ReaderPool.closedError
        }
    }

    /// The calling thread's own connection, if it has one that is free, marked in use.
    func takeOwnedReader() -> OwnedReader? {
        guard let reader = owned(by: Self.currentThreadKey()), !reader.inUse else { return nil }
        reader.inUse = true
        return reader
    }

    func giveBackOwned(_ reader: OwnedReader) {
        reader.connection.rollbackIfNeeded()
        reader.inUse = false
    }

    /// Reads the first row of `sql` into `first`, then runs `body` while that query stays on its
    /// row (``Connection/holdingFirstRow(_:_:_:then:)``): on a thread with a connection of its
    /// own, the reads `body` makes on this thread use that connection, one after another, and
    /// all see the snapshot `sql` saw, with no read lock taken or dropped for each. Elsewhere
    /// `sql` is read on its own and `body` runs after it, its reads each on their own as usual.
    ///
    /// For short work that never waits (a request on an event loop): a snapshot held open keeps
    /// checkpoints from passing it.
    public func readHoldingSnapshot<V, T>(_ sql: String, _ first: (RowView?) throws -> V, then body: (V) throws -> T) throws -> T {
        guard let reader = takeOwnedReader() else {
            return try body(read { try $0.holdingFirstRow(sql, [], first, then: { $0 }) })
        }
        defer { giveBackOwned(reader) }
        return try reader.connection.holdingFirstRow(sql, [], first) { value in
            // Lent back for `body`'s reads while the query holds the snapshot.
            reader.inUse = false
            defer { reader.inUse = true }
            return try body(value)
        }
    }

    private func owned(by key: UInt) -> OwnedReader? {
        state.withLock { state in
            for entry in state.owned where entry.thread == key { return entry.reader }
            return nil
        }
    }
}
