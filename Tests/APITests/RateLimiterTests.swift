import Synchronization
import XCTest

@testable import API

/// Per-key token buckets (API.md §1, "Rate limits"), driven by an injected clock.
final class RateLimiterTests: XCTestCase {
    /// A clock the test moves by hand.
    private final class ManualClock: Sendable {
        private let seconds = Mutex<Double>(1000)
        var now: Double { seconds.withLock { $0 } }
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
    }

    private var clock: ManualClock!

    override func setUp() {
        clock = ManualClock()
    }

    /// `capacity` requests per `window` seconds.
    private func limiter(capacity: Int, window: Duration) -> RateLimiter {
        let clock = clock!
        return RateLimiter(capacity: capacity, window: window, clock: { clock.now })
    }

    func testAFreshKeyHasAFullBucket() {
        let limiter = limiter(capacity: 10, window: .seconds(60))
        let decision = limiter.take(1)
        XCTAssertTrue(decision.allowed)
        XCTAssertEqual(decision.limit, 10)
        XCTAssertEqual(decision.remaining, 9)
        XCTAssertEqual(decision.reset, 6, "one token refills in 60/10 s")
        XCTAssertEqual(decision.retryAfter, 0)
    }

    func testCapacityRequestsPassThenTheNextIsRefused() {
        let limiter = limiter(capacity: 5, window: .seconds(10))
        for expected in stride(from: 4, through: 0, by: -1) {
            let decision = limiter.take(7)
            XCTAssertTrue(decision.allowed, "remaining \(expected)")
            XCTAssertEqual(decision.remaining, expected)
        }
        let refused = limiter.take(7)
        XCTAssertFalse(refused.allowed)
        XCTAssertEqual(refused.remaining, 0)
        XCTAssertEqual(refused.limit, 5)
        XCTAssertEqual(refused.retryAfter, 2, "one token takes 10/5 s")
        XCTAssertEqual(refused.reset, 10, "an empty bucket is full again after the window")
    }

    func testRefusedRequestsTakeNoToken() {
        let limiter = limiter(capacity: 2, window: .seconds(2))
        _ = limiter.take(1)
        _ = limiter.take(1)
        for _ in 0..<50 {
            XCTAssertFalse(limiter.take(1).allowed)
        }
        // 1 s refills exactly one token: had refusals borrowed, there would be none.
        clock.advance(1)
        let decision = limiter.take(1)
        XCTAssertTrue(decision.allowed)
        XCTAssertEqual(decision.remaining, 0)
        XCTAssertFalse(limiter.take(1).allowed)
    }

    func testTokensRefillContinuouslyOverInjectedTime() {
        let limiter = limiter(capacity: 60, window: .seconds(60))
        for _ in 0..<60 { XCTAssertTrue(limiter.take(3).allowed) }
        XCTAssertFalse(limiter.take(3).allowed)

        clock.advance(0.5)
        XCTAssertFalse(limiter.take(3).allowed, "half a token is not a token")
        clock.advance(0.5)
        XCTAssertTrue(limiter.take(3).allowed, "one second refills one token")
        XCTAssertFalse(limiter.take(3).allowed)

        clock.advance(10)
        let decision = limiter.take(3)
        XCTAssertTrue(decision.allowed)
        XCTAssertEqual(decision.remaining, 9)
        XCTAssertEqual(decision.reset, 51, "51 missing tokens at one per second")
    }

    func testTheBucketNeverHoldsMoreThanItsCapacity() {
        let limiter = limiter(capacity: 3, window: .seconds(3))
        _ = limiter.take(1)
        clock.advance(3600)
        let decision = limiter.take(1)
        XCTAssertEqual(decision.remaining, 2)
        _ = limiter.take(1)
        _ = limiter.take(1)
        XCTAssertFalse(limiter.take(1).allowed, "an idle hour does not bank extra tokens")
    }

    func testRetryAfterShrinksAsTimePasses() {
        // One token per 16 s: every step below is exact in binary floating point.
        let limiter = limiter(capacity: 1, window: .seconds(16))
        XCTAssertTrue(limiter.take(1).allowed)
        XCTAssertEqual(limiter.take(1).retryAfter, 16)
        clock.advance(4)
        XCTAssertEqual(limiter.take(1).retryAfter, 12)
        clock.advance(11.5)
        let almost = limiter.take(1)
        XCTAssertFalse(almost.allowed)
        XCTAssertEqual(almost.retryAfter, 1, "rounded up, never 0 while refused")
        clock.advance(0.5)
        XCTAssertTrue(limiter.take(1).allowed)
    }

    func testResetIsZeroOnlyWhenTheBucketIsFull() {
        let limiter = limiter(capacity: 4, window: .seconds(8))
        XCTAssertEqual(limiter.take(1).reset, 2)
        clock.advance(2)
        let full = limiter.take(2)
        XCTAssertEqual(full.reset, 2, "a take always leaves one token missing")
        clock.advance(100)
        _ = limiter.take(1)
        XCTAssertEqual(limiter.take(1).reset, 4, "two missing tokens at one per 2 s")
    }

    func testKeysHaveIndependentBuckets() {
        let limiter = limiter(capacity: 2, window: .seconds(60))
        XCTAssertTrue(limiter.take(1).allowed)
        XCTAssertTrue(limiter.take(1).allowed)
        XCTAssertFalse(limiter.take(1).allowed)
        let other = limiter.take(2)
        XCTAssertTrue(other.allowed, "another key is untouched")
        XCTAssertEqual(other.remaining, 1)
        XCTAssertFalse(limiter.take(1).allowed)
        XCTAssertTrue(limiter.take(2).allowed)
        XCTAssertFalse(limiter.take(2).allowed)
    }

    func testHeadersCarryLimitRemainingAndReset() {
        let limiter = limiter(capacity: 100, window: .seconds(60))
        let headers = limiter.take(1).headers
        XCTAssertEqual(headers.map(\.name), ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"])
        XCTAssertEqual(headers.map(\.value), ["100", "99", "1"])
    }

    func testAZeroCapacityStillAllowsOneRequest() {
        let limiter = limiter(capacity: 0, window: .seconds(1))
        XCTAssertTrue(limiter.take(1).allowed)
        XCTAssertFalse(limiter.take(1).allowed)
    }

    func testConcurrentTakesNeverExceedTheCapacity() {
        let limiter = limiter(capacity: 500, window: .seconds(3600))
        let allowed = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 2000) { _ in
            if limiter.take(9).allowed { allowed.withLock { $0 += 1 } }
        }
        XCTAssertEqual(allowed.withLock { $0 }, 500)
    }
}
