import SQLite
import XCTest

@testable import CRM

/// The memo of which bounded plan served a rule tree: what goes first next time.
final class RulePlanMemoTests: XCTestCase {
    private func key(_ value: String) -> RulePlanMemo.Key {
        RulePlanMemo.Key(sql: "SELECT c.id FROM customers c WHERE c.industry = ?", bindings: [.text(value)])
    }

    func testAWinnerIsRememberedPerTreeAndValuesAndForgotten() {
        let memo = RulePlanMemo()
        XCTAssertNil(memo.winner(key("retail")))
        memo.remember(key("retail"), plan: 1)
        XCTAssertEqual(memo.winner(key("retail")), 1)
        XCTAssertNil(memo.winner(key("energy")), "other values are another query")
        memo.remember(key("retail"), plan: 0)
        XCTAssertEqual(memo.winner(key("retail")), 0)
        memo.forget(key("retail"))
        XCTAssertNil(memo.winner(key("retail")))
    }

    func testItNeverHoldsMoreThanItsCapacity() {
        let memo = RulePlanMemo()
        for index in 0..<RulePlanMemo.capacity { memo.remember(key("v\(index)"), plan: 1) }
        XCTAssertEqual(memo.winner(key("v0")), 1)
        memo.remember(key("one more"), plan: 1)
        XCTAssertNil(memo.winner(key("v0")), "full, it starts again")
        XCTAssertEqual(memo.winner(key("one more")), 1)
        memo.remember(key("one more"), plan: 0)
        XCTAssertEqual(memo.winner(key("one more")), 0, "a known query is updated in place")
    }
}
