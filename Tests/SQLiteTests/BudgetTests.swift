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
