import CSQLite
import Glibc

extension Connection {
    /// Runs `body`, stopping any statement it runs once the calling thread has spent about
    /// `budget` of CPU time since the call; nil when that happened. For a query plan that is fast
    /// when it is right and ruinous when it is wrong: try it within a budget, fall back to the
    /// planner's. ``ReadBudget/within(cpuTime:_:)`` on a connection that must be a reader.
    public func withinBudget<T>(cpuTime budget: Duration, _ body: () throws -> T) throws -> T? {
        precondition(isReadOnly, "an interrupt could roll back the writer's transaction")
        return try ReadBudget.within(cpuTime: budget, body)
    }

    /// CPU time the calling thread has used.
    public static func threadCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Every read-only connection checks its thread's ``ReadBudget`` every
    /// ``ReadBudget/checkInterval`` virtual-machine instructions, from its opening on: a budget
    /// bounds whichever reader a thread's reads happen to use (its own, or one borrowed), and
    /// the check costs a thread-local load while no budget is set.
    func watchReadBudget(_ pointer: OpaquePointer) {
        sqlite3_progress_handler(pointer, ReadBudget.checkInterval, ReadBudget.progress, nil)
    }
}

/// A bound in time on the statements the calling thread runs on read-only connections.
///
/// A budget of CPU time (``within(cpuTime:_:)``), not a count of SQLite's virtual-machine
/// instructions (https://sqlite.org/c3ref/progress_handler.html, which checks it every
/// ``checkInterval`` of them): an instruction that seeks a row through an index costs ten times
/// one that reads the next row of a walk, so a count meant as "a millisecond" was eleven for one
/// plan and three for another on the same database. CPU time of the thread, not the wall clock,
/// so a busy machine or a loaded core does not stop a plan early. A budget of wall-clock time
/// (``within(wallTime:_:)``) is for an event loop, where the time others wait is what counts and
/// the bound is on every request: the thread's CPU clock is a system call (about a microsecond),
/// which cost `GET /v1/customers/{id}` 7-9 % of its throughput, where the monotonic clock is read
/// without one.
///
/// Budgets nest: inside one, a smaller one bounds its own body and answers nil when it runs out,
/// while an outer one that runs out first stops the inner body too and answers nil at its own
/// level (an event loop's bound on a whole request, around a query planner's bound on one plan).
/// Writers are never bounded: an interrupt could roll a write transaction back.
public enum ReadBudget {
    /// Runs `body`; nil when a statement it ran on a read-only connection of this thread was
    /// stopped because the thread had spent `budget` of CPU time since the call.
    public static func within<T>(cpuTime budget: Duration, _ body: () throws -> T) throws -> T? {
        try within(.cpu, budget, body)
    }

    /// Runs `body`; nil when a statement it ran on a read-only connection of this thread was
    /// stopped because `budget` had passed on the monotonic clock since the call.
    public static func within<T>(wallTime budget: Duration, _ body: () throws -> T) throws -> T? {
        try within(.wall, budget, body)
    }

    private static func within<T>(_ clock: Clock, _ budget: Duration, _ body: () throws -> T) throws -> T? {
        let (seconds, attoseconds) = budget.components
        let own = clock.now() &+ UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
        let outer = (cpu: Clock.cpu.deadline, wall: Clock.wall.deadline)
        let enclosing = clock.deadline
        // An enclosing budget of the same clock that ends first stays the one in force.
        let bindsFirst = enclosing == 0 || own < enclosing
        if bindsFirst { clock.deadline = own }
        defer { if bindsFirst { clock.deadline = enclosing } }
        do {
            return try body()
        } catch let error as SQLiteError where error.primaryCode == SQLITE_INTERRUPT {
            // An enclosing budget that ran out (of either clock) reports its end itself.
            let outerSpent =
                (outer.cpu != 0 && Clock.cpu.now() >= outer.cpu) || (outer.wall != 0 && Clock.wall.now() >= outer.wall)
            guard bindsFirst, !outerSpent, clock.now() >= own else { throw error }
            return nil
        }
    }

    /// Whether the calling thread has a budget and has spent it.
    static func isSpent() -> Bool {
        let wall = Clock.wall.deadline
        if wall != 0, Clock.wall.now() >= wall { return true }
        let cpu = Clock.cpu.deadline
        return cpu != 0 && Clock.cpu.now() >= cpu
    }

    /// What a read past its budget throws outside a step: SQLite's own interruption.
    static let spent = SQLiteError(code: SQLITE_INTERRUPT, message: "interrupted: the read budget is spent")

    /// Virtual-machine instructions between two looks at the clock (a few microseconds of work;
    /// the look costs tens of nanoseconds).
    static let checkInterval: Int32 = 1_000

    /// A clock a budget counts on, with the calling thread's deadline on it (0 for none).
    /// Thread-local, as the progress handler runs on the thread that steps.
    private enum Clock {
        case cpu, wall

        func now() -> UInt64 {
            switch self {
            case .cpu: return Connection.threadCPUNanoseconds()
            case .wall:
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
            }
        }

        var deadline: UInt64 {
            get { UInt64(UInt(bitPattern: pthread_getspecific(key))) }
            nonmutating set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: UInt(newValue))) }
        }

        private var key: pthread_key_t {
            switch self {
            case .cpu: ReadBudget.cpuKey
            case .wall: ReadBudget.wallKey
            }
        }
    }

    private static let cpuKey = makeKey()
    private static let wallKey = makeKey()

    private static func makeKey() -> pthread_key_t {
        var key = pthread_key_t()
        let code = pthread_key_create(&key, nil)
        precondition(code == 0, "pthread_key_create failed: \(code)")
        return key
    }

    /// Whether the calling thread has no budget set (tests).
    static var isUnset: Bool { Clock.cpu.deadline == 0 && Clock.wall.deadline == 0 }

    /// SQLite's progress handler: nonzero stops the statement with `SQLITE_INTERRUPT`.
    static let progress: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { _ in ReadBudget.isSpent() ? 1 : 0 }
}
