import JSON

/// One due delivery of the outbox, with what sending it needs: the webhook's URL and sealed
/// secret and the event's data.
public struct WebhookDelivery: Sendable {
    public enum Status: String, Sendable {
        case pending, delivered, failed
    }

    public let id: Int64
    public let webhookID: Int64
    /// The body's `id`, the same on every retry (receivers deduplicate on it).
    public let eventID: String
    public let type: String
    public let occurredAt: String
    /// Attempts made before this one.
    public let attempts: Int
    public let createdAt: Timestamp
    /// The record as the change left it (nil for a deletion).
    public let data: [UInt8]?
    public let url: String
    let sealedSecret: [UInt8]

    /// The exact body sent: `{"id","type","occurred_at","data"}`.
    public var body: [UInt8] {
        var writer = JSONWriter(capacity: 256 + (data?.count ?? 4))
        writer.beginObject()
        writer.key("id")
        writer.string(eventID)
        writer.key("type")
        writer.string(type)
        writer.key("occurred_at")
        writer.string(occurredAt)
        writer.key("data")
        if let data { writer.rawJSON(data) } else { writer.null() }
        writer.endObject()
        return writer.bytes
    }
}

/// When a failed delivery is tried again (API.md §2, "webhooks"): after `firstDelay`, doubling
/// with each attempt, at most an hour apart, and not after a day: then it is `failed`.
public struct WebhookRetryPolicy: Sendable {
    public let firstDelayMilliseconds: Int64
    public static let maximumDelayMilliseconds: Int64 = 3_600_000
    public static let giveUpAfterMilliseconds: Int64 = 86_400_000

    public init(firstDelayMilliseconds: Int64) {
        self.firstDelayMilliseconds = max(1, firstDelayMilliseconds)
    }

    /// When to try again after the `attempt`-th attempt (1 for the first) failed at `now`, or nil
    /// to give up.
    public func nextAttempt(after attempt: Int, createdAt: Timestamp, now: Timestamp) -> Timestamp? {
        let doublings = min(max(attempt - 1, 0), 20)
        let (doubled, overflow) = firstDelayMilliseconds.multipliedReportingOverflow(by: 1 << Int64(doublings))
        let delay = overflow ? Self.maximumDelayMilliseconds : min(doubled, Self.maximumDelayMilliseconds)
        let next = now.adding(milliseconds: delay)
        return next.milliseconds(since: createdAt) > Self.giveUpAfterMilliseconds ? nil : next
    }
}
