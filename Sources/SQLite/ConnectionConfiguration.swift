/// How a connection is tuned when it opens. The defaults are the durable ones from
/// DESIGN.md (Data rules): an acknowledged write survives power loss.
///
///     let config = ConnectionConfiguration(synchronous: .normal, busyTimeoutMilliseconds: 2_000)
public struct ConnectionConfiguration: Sendable, Hashable {
    /// `PRAGMA synchronous`: https://sqlite.org/pragma.html#pragma_synchronous
    public enum Synchronous: String, Sendable, Hashable, CaseIterable {
        /// fsync on every commit: committed transactions survive power loss.
        case full = "FULL"
        /// In WAL mode, fsync only at checkpoints: still consistent after a crash,
        /// but the last commits may be lost on power failure. Faster.
        case normal = "NORMAL"
    }

    public var synchronous: Synchronous
    /// How long a statement waits for a lock held by another connection before it
    /// fails with `SQLITE_BUSY` (`sqlite3_busy_timeout`).
    public var busyTimeoutMilliseconds: Int32

    public init(synchronous: Synchronous = .full, busyTimeoutMilliseconds: Int32 = 5000) {
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }
}
