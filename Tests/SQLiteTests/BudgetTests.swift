import XCTest

@testable import SQLite

/// `Connection.withinBudget`: a statement past its budget is stopped and reported as nil, one
/// within it answers, and the connection runs unbounded again afterwards.
final class BudgetTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        let writer = try Connection(path: directory.path())
        try writer.execute("CREATE TABLE numbers (n INTEGER PRIMARY KEY)")
        try writer.execute(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 50000) INSERT INTO numbers SELECT n FROM s")
    }

    override func tearDown() { directory.remove() }

    func testAStatementPastItsBudgetStopsAndOneWithinItAnswers() throws {
        let reader = try Connection(path: directory.path(), readOnly: true)
        let count = "SELECT count(*) FROM numbers WHERE n % 7 = 3"
        // Tens of millions of instructions: far past a millisecond on any machine.
        let long = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000000) SELECT count(*) FROM s"
        XCTAssertNil(try reader.withinBudget(cpuTime: .milliseconds(1)) { try reader.queryOne(long)?.int64(0) ?? -1 })
        XCTAssertEqual(
            try reader.withinBudget(cpuTime: .milliseconds(1)) {
                try reader.queryOne("SELECT n FROM numbers WHERE n = 42")?.int64(0) ?? -1
            },
            42)
        // A budget large enough lets a long statement end.
        XCTAssertEqual(try reader.withinBudget(cpuTime: .seconds(60)) { try reader.queryOne(count)?.int64(0) ?? -1 }, 7143)
        // No budget afterwards: the same statement runs to its end.
        XCTAssertEqual(try reader.queryOne(count)?.int64(0), 7143)
    }

    func testOtherErrorsStillThrow() throws {
        let reader = try Connection(path: directory.path(), readOnly: true)
        XCTAssertThrowsError(try reader.withinBudget(cpuTime: .seconds(1)) { try reader.queryOne("SELECT * FROM missing") })
    }
}

/// Budgets nest, and bound every read-only connection the thread steps, never a writer.
final class NestedBudgetTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private let long = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000000) SELECT count(*) FROM s"

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        try Connection(path: directory.path()).execute("CREATE TABLE t (n INTEGER)")
    }

    override func tearDown() { directory.remove() }

    func testAnInnerBudgetThatEndsFirstAnswersNilAndTheOuterGoesOn() throws {
        let reader = try Connection(path: directory.path(), readOnly: true)
        let outcome = try ReadBudget.within(cpuTime: .seconds(60)) { () -> (Int64?, Int64?) in
            let inner = try ReadBudget.within(cpuTime: .milliseconds(1)) { try reader.queryOne(self.long)?.int64(0) }
            // The outer budget is in force again: a short statement answers.
            return (inner ?? nil, try reader.queryOne("SELECT 42")?.int64(0))
        }
        XCTAssertNil(outcome?.0 ?? nil)
        XCTAssertEqual(outcome?.1 ?? nil, 42)
        XCTAssertTrue(ReadBudget.isUnset, "no budget left behind")
    }

    func testAnOuterBudgetThatEndsFirstStopsTheInnerBodyAndAnswersNilItself() throws {
        let reader = try Connection(path: directory.path(), readOnly: true)
        var innerReturned = false
        let outer = try ReadBudget.within(cpuTime: .milliseconds(1)) { () -> Int64? in
            let inner = try ReadBudget.within(cpuTime: .seconds(60)) { try reader.queryOne(self.long)?.int64(0) }
            innerReturned = true
            return inner ?? nil
        }
        XCTAssertTrue(outer == nil, "the outer budget reports its end")
        XCTAssertFalse(innerReturned, "the inner budget must not report the outer one's end as its own")
        XCTAssertTrue(ReadBudget.isUnset)
    }

    /// A wall-clock budget (an event loop's) around a CPU one (a planner's): whichever ends first
    /// answers nil at its own level.
    func testWallAndCPUBudgetsNestEitherWay() throws {
        let reader = try Connection(path: directory.path(), readOnly: true)
        var innerReturned = false
        let outer = try ReadBudget.within(wallTime: .milliseconds(1)) { () -> Int64? in
            let inner = try ReadBudget.within(cpuTime: .seconds(60)) { try reader.queryOne(self.long)?.int64(0) }
            innerReturned = true
            return inner ?? nil
        }
        XCTAssertTrue(outer == nil)
        XCTAssertFalse(innerReturned)
        let both = try ReadBudget.within(wallTime: .seconds(60)) { () -> (Int64?, Int64?) in
            let inner = try ReadBudget.within(cpuTime: .milliseconds(1)) { try reader.queryOne(self.long)?.int64(0) }
            return (inner ?? nil, try reader.queryOne("SELECT 7")?.int64(0))
        }
        XCTAssertNil(both?.0 ?? nil)
        XCTAssertEqual(both?.1 ?? nil, 7)
        XCTAssertTrue(ReadBudget.isUnset)
    }

    /// The time spent on each row between steps counts too: a few cheap rows, each slow to use.
    func testTimeSpentOnRowsBetweenStepsCounts() throws {
        let writer = try Connection(path: directory.path())
        try writer.execute("INSERT INTO t VALUES (1), (2), (3), (4), (5)")
        let reader = try Connection(path: directory.path(), readOnly: true)
        var rows = 0
        let outcome: Bool? = try ReadBudget.within(cpuTime: .milliseconds(1)) {
            try reader.forEachRowView("SELECT n FROM t") { _ in
                rows += 1
                let start = Connection.threadCPUNanoseconds()
                while Connection.threadCPUNanoseconds() - start < 2_000_000 {}
                return true
            }
            return true
        }
        XCTAssertNil(outcome)
        XCTAssertEqual(rows, 1)
        // Without a budget every row is read.
        rows = 0
        try reader.forEachRowView("SELECT n FROM t") { _ in
            rows += 1
            return true
        }
        XCTAssertEqual(rows, 5)
    }

    func testABudgetBoundsEveryReaderTheThreadStepsButNoWriter() throws {
        // A connection never handed to the budget: the thread's budget bounds it all the same.
        let reader = try Connection(path: directory.path(), readOnly: true)
        let stopped = try ReadBudget.within(cpuTime: .milliseconds(1)) { try reader.queryOne(self.long)?.int64(0) }
        XCTAssertTrue(stopped == nil)
        let writer = try Connection(path: directory.path())
        let count = try ReadBudget.within(cpuTime: .milliseconds(1)) {
            try writer.queryOne("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 300000) SELECT count(*) FROM s")?
                .int64(0)
        }
        XCTAssertEqual(count ?? nil, 300_000)
    }
}
