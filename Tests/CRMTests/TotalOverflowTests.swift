import XCTest

@testable import CRM

/// Sums of money near `Int64.max`: refused or rounded without the arithmetic trap that would end
/// the process (found by a black-box audit: one order of a company whose contacts had spent
/// 9.22e18 crashed the server).
final class TotalOverflowTests: XCTestCase {
    func testAnAccountRollupPastTheLargestTotalIsA422NamingTheField() {
        let contacts = AccountTotals(contacts: 1, orderCount: 9_223, totalSpent: 9_223_000_000_000_000_000, openTickets: 0)
        XCTAssertThrowsError(try contacts.including(orderCount: 1, totalSpent: 1_000_000_000_000_000, openTickets: 0, field: "amount")) {
            error in
            guard case CRMError.validation(let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.map(\.field), ["amount"])
            XCTAssertEqual(issues.map(\.code), ["total_too_large"])
        }
        let fits = try? contacts.including(orderCount: 1, totalSpent: 1_000, openTickets: 2, field: "account_id")
        XCTAssertEqual(fits, AccountTotals(contacts: 1, orderCount: 9_224, totalSpent: 9_223_000_000_000_001_000, openTickets: 2))
    }

    func testWeightedHundredthsRoundHalfAwayFromZeroUpToTheLimits() {
        XCTAssertEqual(ForecastReport.roundedHundredths(149), 1)
        XCTAssertEqual(ForecastReport.roundedHundredths(150), 2)
        XCTAssertEqual(ForecastReport.roundedHundredths(-150), -2)
        XCTAssertEqual(ForecastReport.roundedHundredths(-149), -1)
        XCTAssertEqual(ForecastReport.roundedHundredths(.max), 92_233_720_368_547_758)
        XCTAssertEqual(ForecastReport.roundedHundredths(.min), -92_233_720_368_547_758)
    }
}
