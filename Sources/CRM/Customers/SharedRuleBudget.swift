import SQLite

/// The rule-tree budget (``CustomerStore/ruleTreeBudget``) shared by every count of one answer:
/// a list of segments counts each one's members, and with a budget each, 200 costly segments held
/// a worker 400 s for one `GET /v1/segments` (found by a black-box audit). Inside
/// ``sharing(_:)`` the counts together take at most the budget; those past it are null.
enum SharedRuleBudget {
    /// The calling thread's CPU time (``SQLite/Connection/threadCPUNanoseconds()``) at which the
    /// answer's counts stop, or nil outside ``sharing(_:)``.
    @TaskLocal static var cpuDeadline: UInt64?

    /// `budget`, or what is left of the answer's shared one when that is less; nil once it is spent.
    static func remaining(of budget: Duration) -> Duration? {
        guard let deadline = cpuDeadline else { return budget }
        let now = Connection.threadCPUNanoseconds()
        guard now < deadline else { return nil }
        return min(budget, .nanoseconds(Int64(deadline - now)))
    }

    static func sharing<T>(_ body: () throws -> T) rethrows -> T {
        let (seconds, attoseconds) = CustomerStore.ruleTreeBudget.components
        let budget = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        return try $cpuDeadline.withValue(Connection.threadCPUNanoseconds() + budget) { try body() }
    }
}
