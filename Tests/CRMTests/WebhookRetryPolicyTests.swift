import CRM
import XCTest

/// The retry schedule of webhook deliveries: the first delay, doubling, at most an hour apart,
/// and given up a day after the event.
final class WebhookRetryPolicyTests: XCTestCase {
    private let created = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    func testDelaysDoubleFromTheFirstAndStopAtAnHour() {
        let policy = WebhookRetryPolicy(firstDelayMilliseconds: 10_000)
        var delays: [Int64] = []
        for attempt in 1...12 {
            let now = created.adding(seconds: 1)
            let next = policy.nextAttempt(after: attempt, createdAt: created, now: now)
            delays.append(next.map { $0.milliseconds(since: now) / 1000 } ?? -1)
        }
        XCTAssertEqual(delays, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600])
    }

    func testGivesUpOnceTheNextTryWouldFallPastADay() {
        let policy = WebhookRetryPolicy(firstDelayMilliseconds: 10_000)
        let almostADay = created.adding(seconds: 86_400 - 3600)
        XCTAssertNotNil(policy.nextAttempt(after: 30, createdAt: created, now: almostADay))
        XCTAssertNil(policy.nextAttempt(after: 30, createdAt: created, now: almostADay.adding(seconds: 1)))
    }

    func testAHugeAttemptCountDoesNotOverflow() {
        let policy = WebhookRetryPolicy(firstDelayMilliseconds: .max / 2)
        let next = policy.nextAttempt(after: 10_000, createdAt: created, now: created)
        XCTAssertEqual(next.map { $0.milliseconds(since: created) }, 3_600_000)
    }
}
