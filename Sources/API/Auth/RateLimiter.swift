import Foundation
import Synchronization

/// Per-key token buckets (API.md §1, "Rate limits"): `capacity` requests, refilled at
/// `capacity` per `window`, continuously.
final class RateLimiter: Sendable {
    struct Decision: Sendable {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Seconds until the bucket is full again.
        let reset: Int
        /// Seconds until one token is available (for `Retry-After`), when refused.
        let retryAfter: Int

        var headers: [(name: String, value: String)] {
            [("RateLimit-Limit", String(limit)), ("RateLimit-Remaining", String(remaining)), ("RateLimit-Reset", String(reset))]
        }
    }

    private struct Bucket {
        var tokens: Double
        var updatedAt: Double
    }

    private let capacity: Int
    private let refillPerSecond: Double
    private let buckets = Mutex<[Int64: Bucket]>([:])
    private let clock: @Sendable () -> Double

    init(capacity: Int, window: Duration, clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 })
    {
        self.capacity = max(1, capacity)
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        self.refillPerSecond = Double(max(1, capacity)) / max(seconds, 0.001)
        self.clock = clock
    }

    /// Takes one token for `keyID` if there is one. A refused request takes nothing.
    func take(_ keyID: Int64) -> Decision { decide(keyID, taking: true) }

    /// What ``take(_:)`` would decide now, taking nothing: a head screen asks before the body
    /// is read, and the handler takes the token when it runs, so a request counts once.
    func peek(_ keyID: Int64) -> Decision { decide(keyID, taking: false) }

    private func decide(_ keyID: Int64, taking: Bool) -> Decision {
        let now = clock()
        return buckets.withLock { buckets in
            var bucket = buckets[keyID] ?? Bucket(tokens: Double(capacity), updatedAt: now)
            bucket.tokens = min(Double(capacity), bucket.tokens + (now - bucket.updatedAt) * refillPerSecond)
            bucket.updatedAt = now
            let allowed = bucket.tokens >= 1
            if allowed, taking { bucket.tokens -= 1 }
            buckets[keyID] = bucket
            let missing = Double(capacity) - bucket.tokens
            return Decision(
                allowed: allowed, limit: capacity, remaining: Int(bucket.tokens.rounded(.down)),
                reset: Int((missing / refillPerSecond).rounded(.up)),
                retryAfter: allowed ? 0 : max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up))))
        }
    }
}
