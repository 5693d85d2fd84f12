import CRM
import XCTest

/// The churn-risk model as a pure function: each signal, its points, and the cap.
final class ChurnRiskModelTests: XCTestCase {
    private let now = Timestamp(rfc3339: "2026-06-01T00:00:00.000Z")!
    private let settings = CRMSettings()

    private func daysAgo(_ days: Int64) -> Timestamp { now.adding(days: -days) }

    private func buyer(orders: Int64, first: Int64, last: Int64) -> ChurnRisk.Signals {
        var signals = ChurnRisk.Signals()
        signals.paidOrders = orders
        signals.firstPaidAt = daysAgo(first)
        signals.lastPaidAt = daysAgo(last)
        signals.lastInteractionAt = daysAgo(1)
        return signals
    }

    func testOverdueAgainstTheCustomersOwnRhythm() {
        // Every 30 days (7 gaps over 210 days): 40 days silent is on time, 50 is 1.5x, 70 is 2x, 100 is 3x.
        for (silent, points) in [(40, 0), (50, 20), (70, 30), (100, 40)] as [(Int64, Int)] {
            let assessed = ChurnRisk.assess(buyer(orders: 8, first: 210 + silent, last: silent), settings: settings, now: now)
            XCTAssertEqual(assessed.score, points, "\(silent) days silent")
        }
    }

    func testAGapUnderAWeekCountsAsAWeekAndTheTextSaysTheRealOne() {
        // Every 2 days (4 gaps over 8 days): 10 quiet days is not yet 1.5 weeks; 11 is.
        XCTAssertEqual(ChurnRisk.assess(buyer(orders: 5, first: 18, last: 10), settings: settings, now: now).score, 0)
        let overdue = ChurnRisk.assess(buyer(orders: 5, first: 19, last: 11), settings: settings, now: now)
        XCTAssertEqual(overdue.score, 20)
        XCTAssertEqual(overdue.reasons.first?.text, "No order for 11 days; they usually order every 2 days")
        let sameDay = ChurnRisk.assess(buyer(orders: 2, first: 30, last: 30), settings: settings, now: now)
        XCTAssertEqual(sameDay.reasons.first?.text, "No order for 30 days; they usually order within a day")
    }

    func testALongSilentBuyerScoresAboveARecentOne() {
        let silent = ChurnRisk.assess(buyer(orders: 8, first: 410, last: 200), settings: settings, now: now)
        let recent = ChurnRisk.assess(buyer(orders: 8, first: 220, last: 10), settings: settings, now: now)
        XCTAssertGreaterThan(silent.score, recent.score)
    }

    func testOneOrderLongAgo() {
        var signals = buyer(orders: 1, first: 120, last: 120)
        signals.firstPaidAt = signals.lastPaidAt
        XCTAssertEqual(ChurnRisk.assess(signals, settings: settings, now: now).reasons.map(\.code), ["single_order_long_ago"])
        signals.lastPaidAt = daysAgo(30)
        XCTAssertEqual(ChurnRisk.assess(signals, settings: settings, now: now).score, 0)
        // Past the at-risk days by an hour, as the lifecycle counts them (exact time): flagged,
        // although only 90 whole days have passed; exactly 90 days is not past them.
        signals.lastPaidAt = daysAgo(90).adding(milliseconds: -3_600_000)
        XCTAssertEqual(ChurnRisk.assess(signals, settings: settings, now: now).reasons.map(\.code), ["single_order_long_ago"])
        XCTAssertEqual(
            ChurnRisk.assess(signals, settings: settings, now: now).reasons.first?.text, "Bought once, 90 days ago, and not since")
        signals.lastPaidAt = daysAgo(90)
        XCTAssertEqual(ChurnRisk.assess(signals, settings: settings, now: now).score, 0)
    }

    func testFallingFrequencyAndSpend() {
        var signals = buyer(orders: 6, first: 300, last: 20)
        signals.priorOrders = 4
        signals.recentOrders = 2
        signals.priorSpend = 100_000
        signals.recentSpend = 40_000
        XCTAssertEqual(
            Set(ChurnRisk.assess(signals, settings: settings, now: now).reasons.map(\.code)), ["order_frequency_falling", "spend_falling"])
    }

    func testServiceSignalsAndTheCap() {
        var signals = buyer(orders: 8, first: 410, last: 200)
        signals.lastInteractionAt = nil
        signals.priorOrders = 4
        signals.priorSpend = 100
        signals.recentComplaints = 2
        signals.npsLast = 2
        signals.openTickets = 3
        let assessed = ChurnRisk.assess(signals, settings: settings, now: now)
        XCTAssertEqual(assessed.reasons.reduce(0) { $0 + $1.points }, 40 + 15 + 10 + 10 + 15 + 15 + 10)
        XCTAssertEqual(assessed.score, 100)
        XCTAssertTrue(assessed.reasons.contains { $0.code == "recent_complaint" && $0.text.contains("2 complaints") })
    }

    func testCSATCountsWhenThereIsNoNPS() {
        var signals = ChurnRisk.Signals()
        signals.csatAverage = 2.5
        XCTAssertEqual(ChurnRisk.assess(signals, settings: settings, now: now).reasons.map(\.code), ["low_satisfaction"])
        signals.csatAverage = 4
        XCTAssertEqual(ChurnRisk.assess(signals, settings: settings, now: now).score, 0)
    }
}
