import SQLite

/// What the seed changes on the writer's connection to load fast, and puts back afterwards:
/// `synchronous=NORMAL` (in WAL mode a power cut may lose the last transactions, never corrupt
/// the file, and the load can be run again) and a 256 MB page cache, so the tables being filled
/// stay in memory.
struct LoadTuning: Sendable {
    private let synchronous: Int64
    private let cacheSize: Int64

    init(_ connection: Connection) throws {
        synchronous = try connection.queryOne("PRAGMA synchronous")?.int64(0) ?? 2
        cacheSize = try connection.queryOne("PRAGMA cache_size")?.int64(0) ?? -2000
        try connection.execute("PRAGMA synchronous = NORMAL")
        try connection.execute("PRAGMA cache_size = -2097152")
        try connection.execute("PRAGMA mmap_size = 4294967296")
        try connection.execute("PRAGMA threads = 2")
    }

    /// Outside any transaction.
    func restore(_ connection: Connection) throws {
        try connection.execute("PRAGMA synchronous = \(synchronous)")
        try connection.execute("PRAGMA cache_size = \(cacheSize)")
    }
}
