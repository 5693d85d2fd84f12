import SQLite

/// What the seed changes on the writer's connection to load fast, and puts back afterwards.
///
/// - `synchronous=OFF`: no fsync per checkpoint, which made the writer wait on the disk. A crash
///   of the process still cannot corrupt a WAL file, though a power cut during a seed may; the
///   seed is demo data, and ``restore(_:)`` makes the finished load durable with one checkpoint.
/// - Into an empty database (`bulk`), no journal at all: every page is written once instead of
///   to the WAL and then to the file. A seed interrupted then leaves a file to delete, not a
///   database (docs/operations.md). Only possible while no other connection has the file open;
///   otherwise the load stays in WAL mode.
/// - a 512 MB page cache and a 2 GB memory map, so the tables being filled stay in memory and
///   building indexes afterwards reads the file without copies.
struct LoadTuning: Sendable {
    private let synchronous: Int64
    private let cacheSize: Int64
    private let mmapSize: Int64
    private let leftWAL: Bool

    init(_ connection: Connection, bulk: Bool) throws {
        synchronous = try connection.queryOne("PRAGMA synchronous")?.int64(0) ?? 2
        cacheSize = try connection.queryOne("PRAGMA cache_size")?.int64(0) ?? -2000
        mmapSize = try connection.queryOne("PRAGMA mmap_size")?.int64(0) ?? 0
        try connection.execute("PRAGMA synchronous = OFF")
        try connection.execute("PRAGMA cache_size = -524288")
        try connection.execute("PRAGMA mmap_size = 2147483648")
        // SQLite answers with the mode in force: still "wal" when others hold the file open.
        leftWAL = bulk && (try? connection.queryOne("PRAGMA journal_mode = OFF")?.string(0)?.lowercased()) == "off"
    }

    /// Outside any transaction: restores the settings, then checkpoints with them, so
    /// everything loaded is on disk when the seed returns.
    func restore(_ connection: Connection) throws {
        if leftWAL {
            let mode = try connection.queryOne("PRAGMA journal_mode = WAL")?.string(0)?.lowercased()
            guard mode == "wal" else {
                throw SeedError(message: "cannot return to WAL mode after the load (journal_mode is \(mode ?? "unknown"))")
            }
        }
        try connection.execute("PRAGMA synchronous = \(synchronous)")
        try connection.execute("PRAGMA cache_size = \(cacheSize)")
        try connection.execute("PRAGMA mmap_size = \(mmapSize)")
        _ = try connection.queryOne("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}
