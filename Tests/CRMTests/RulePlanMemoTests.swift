import SQLite
import XCTest

@testable import CRM

/// The memo of what a rule tree's bounded plans cost: which goes first next time, with what budget.
final class RulePlanMemoTests: XCTestCase {
    private let planned = Duration.milliseconds(1)
    private let walked = Duration.milliseconds(10)

    private func key(_ value: String) -> RulePlanMemo.Key {
        RulePlanMemo.Key(sql: "SELECT c.id FROM customers c WHERE c.industry = ?", bindings: [.text(value)])
    }

    private func entry(_ winner: Int, _ cost: Duration, failed: Duration? = nil) -> RulePlanMemo.Entry {
        RulePlanMemo.Entry(winner: winner, cost: cost, plannerFailedWithin: failed)
    }

    private func schedule(_ entry: RulePlanMemo.Entry?) -> [String] {
        RulePlanMemo.schedule(entry, planned: planned, walked: walked).map {
            "\($0.plan == RulePlanMemo.planner ? "planner" : "walk") \($0.budget)"
        }
    }

    func testAnEntryIsRememberedPerTreeAndValuesAndForgotten() {
        let memo = RulePlanMemo()
        XCTAssertNil(memo.entry(key("retail")))
        memo.remember(key("retail"), entry(RulePlanMemo.walk, .microseconds(900), failed: planned))
        XCTAssertEqual(memo.entry(key("retail")), entry(RulePlanMemo.walk, .microseconds(900), failed: planned))
        XCTAssertNil(memo.entry(key("energy")), "other values are another query")
        memo.remember(key("retail"), entry(RulePlanMemo.planner, .microseconds(300)))
        XCTAssertEqual(memo.entry(key("retail"))?.winner, RulePlanMemo.planner)
        memo.forget(key("retail"))
        XCTAssertNil(memo.entry(key("retail")))
    }

    func testItNeverHoldsMoreThanItsCapacity() {
        let memo = RulePlanMemo()
        let walkEntry = entry(RulePlanMemo.walk, .milliseconds(2))
        for index in 0..<RulePlanMemo.capacity { memo.remember(key("v\(index)"), walkEntry) }
        XCTAssertEqual(memo.entry(key("v0")), walkEntry)
        memo.remember(key("one more"), walkEntry)
        XCTAssertNil(memo.entry(key("v0")), "full, it starts again")
        XCTAssertEqual(memo.entry(key("one more")), walkEntry)
        memo.remember(key("one more"), entry(RulePlanMemo.planner, .milliseconds(1)))
        XCTAssertEqual(memo.entry(key("one more"))?.winner, RulePlanMemo.planner, "a known query is updated in place")
    }

    func testAnUnknownTreeTriesThePlannerWithinItsBudgetThenTheWalk() {
        XCTAssertEqual(schedule(nil), ["planner 0.001 seconds", "walk 0.01 seconds"])
    }

    /// The planner's plan that served goes first with twice its cost, within its own budget at
    /// least and the walk's at most.
    func testAPlannerThatServedGoesFirstWithTwiceItsCost() {
        XCTAssertEqual(schedule(entry(RulePlanMemo.planner, .microseconds(200))), ["planner 0.001 seconds", "walk 0.01 seconds"])
        XCTAssertEqual(schedule(entry(RulePlanMemo.planner, .microseconds(1_300))), ["planner 0.0026 seconds", "walk 0.01 seconds"])
        XCTAssertEqual(schedule(entry(RulePlanMemo.planner, .milliseconds(8))), ["planner 0.01 seconds", "walk 0.01 seconds"])
    }

    /// The walk goes first once the planner is known to fail within what the walk costs; until
    /// then the planner is tried first with the walk's cost as its budget.
    func testAWalkGoesFirstOnlyOnceThePlannerIsKnownNoFaster() {
        // The benchmark's broad tree: the planner ran out of its 1 ms, the walk took 0.9 ms.
        XCTAssertEqual(
            schedule(entry(RulePlanMemo.walk, .microseconds(900), failed: planned)), ["walk 0.01 seconds", "planner 0.001 seconds"])
        // A narrow tree whose plan takes a little over 1 ms: the walk's 3 ms is the planner's
        // budget next time, and the planner finds the page sooner.
        XCTAssertEqual(
            schedule(entry(RulePlanMemo.walk, .milliseconds(3), failed: planned)), ["planner 0.003 seconds", "walk 0.01 seconds"])
        XCTAssertEqual(schedule(entry(RulePlanMemo.walk, .milliseconds(3))), ["planner 0.003 seconds", "walk 0.01 seconds"])
        // The planner failed within 3 ms too: the walk first from then on.
        XCTAssertEqual(
            schedule(entry(RulePlanMemo.walk, .microseconds(2_800), failed: .milliseconds(3))),
            ["walk 0.01 seconds", "planner 0.001 seconds"])
    }

    func testWhatIsRememberedAfterAPlanServed() {
        let walkFirst = entry(RulePlanMemo.walk, .milliseconds(3), failed: .milliseconds(3))
        // The planner served: its cost, nothing of the walk's.
        XCTAssertEqual(
            RulePlanMemo.served(by: RulePlanMemo.planner, cost: .microseconds(1_200), plannerFailedWithin: nil, previous: walkFirst),
            entry(RulePlanMemo.planner, .microseconds(1_200)))
        // The walk served after the planner ran out of 1 ms.
        XCTAssertEqual(
            RulePlanMemo.served(by: RulePlanMemo.walk, cost: .milliseconds(3), plannerFailedWithin: planned, previous: nil),
            entry(RulePlanMemo.walk, .milliseconds(3), failed: planned))
        // The walk served first: what the planner was seen to fail within is kept.
        XCTAssertEqual(
            RulePlanMemo.served(by: RulePlanMemo.walk, cost: .milliseconds(2), plannerFailedWithin: nil, previous: walkFirst),
            entry(RulePlanMemo.walk, .milliseconds(2), failed: .milliseconds(3)))
        // The planner ran out of the walk's 3 ms after failing within 1 ms: the larger is kept.
        XCTAssertEqual(
            RulePlanMemo.served(
                by: RulePlanMemo.walk, cost: .milliseconds(3), plannerFailedWithin: .milliseconds(3),
                previous: entry(RulePlanMemo.walk, .milliseconds(3), failed: planned)),
            entry(RulePlanMemo.walk, .milliseconds(3), failed: .milliseconds(3)))
    }
}
