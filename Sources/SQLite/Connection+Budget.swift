import CSQLite
import Glibc

extension Connection {
    /// Runs `body`, stopping any statement it runs once the calling thread has spent about
    /// `budget` of CPU time since the call; nil when that happened. For a query plan that is fast
    /// when it is right and ruinous when it is wrong: try it within a budget, fall back to the
    /// planner's.
    ///
    /// The budget is CPU time, not a count of SQLite's virtual-machine instructions
    /// (https://sqlite.org/c3ref/progress_handler.html, which checks it here every
    /// ``budgetCheckInterval`` of them): an instruction that seeks a row through an index costs
    /// ten times one that reads the next row of a walk, so a count meant as "a millisecond" was
    /// eleven for one plan and three for another on the same database. CPU time of the thread,
    /// not the wall clock, so a busy machine or a loaded core does not stop a plan early.
    ///
    /// Only on read-only connections: an interrupt could roll a write transaction back.
    public func withinBudget<T>(cpuTime budget: Duration, _ body: () throws -> T) throws -> T? {
        precondition(isReadOnly, "an interrupt could roll back the writer's transaction")
        let pointer = try database.open(for: nil)
        let (seconds, attoseconds) = budget.components
        var deadline =
            Self.threadCPUNanoseconds() &+ UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
        return try withUnsafeMutablePointer(to: &deadline) { deadline in
            sqlite3_progress_handler(
                pointer, Self.budgetCheckInterval,
                { context in
                    guard let context else { return 0 }
                    return Connection.threadCPUNanoseconds() >= context.assumingMemoryBound(to: UInt64.self).pointee ? 1 : 0
                }, deadline)
            defer { sqlite3_progress_handler(pointer, 0, nil, nil) }
            do {
                return try body()
            } catch let error as SQLiteError where error.primaryCode == SQLITE_INTERRUPT {
                return nil
            }
        }
    }

    /// Virtual-machine instructions between two looks at the clock (a few microseconds of work;
    /// the look costs tens of nanoseconds).
    static let budgetCheckInterval: Int32 = 1_000

    /// CPU time the calling thread has used.
    public static func threadCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
