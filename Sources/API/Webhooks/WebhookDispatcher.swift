import CRM
import Crypto
import Foundation
import HTTPClient

/// Sends the outbox's deliveries: one scheduling thread claims what is due, a small fixed pool
/// of sender threads posts it, and each outcome is written back through the database writer.
///
/// Nothing here runs on an event loop or on the writer: a receiver that hangs holds one sender
/// for at most the 10 s deadline, at most ``perWebhookLimit`` senders go to one webhook, and
/// at most ``senderCount`` deliveries are in flight in all, so a slow or dead receiver slows
/// neither the API nor the other receivers. Deliveries are at least once: a crash after a send
/// and before its outcome is written sends it again after the restart (same event `id`).
final class WebhookDispatcher: Sendable {
    /// Deliveries in flight at once, in all.
    let senderCount: Int
    /// Deliveries in flight at once to one webhook.
    let perWebhookLimit: Int
    /// A receiver has this long to answer.
    static let deadlineSeconds = 10.0

    private final class State: @unchecked Sendable {
        // @unchecked Sendable: every field is only touched with `condition` locked.
        let condition = NSCondition()
        var inFlight: [Int64: Int64] = [:]  // delivery id → webhook id
        var woken = false
        var stopped = false
        var finished = false
        var delivered = 0
        var retried = 0
        var failed = 0
    }

    private let state = State()
    private let database: Database
    private let service: WebhookService
    private let policy: WebhookRetryPolicy
    private let allowPrivate: Bool
    private let trustedCAFile: String?
    private let clock: CRMClock
    private let senders: WorkerPool
    /// How often the scheduler looks for due retries when nothing wakes it.
    private let pollInterval: Double

    init(
        database: Database, service: WebhookService, policy: WebhookRetryPolicy, allowPrivate: Bool, trustedCAFile: String?,
        clock: CRMClock, senderCount: Int = 32, perWebhookLimit: Int = 4
    ) {
        self.database = database
        self.service = service
        self.policy = policy
        self.allowPrivate = allowPrivate
        self.trustedCAFile = trustedCAFile
        self.clock = clock
        self.senderCount = senderCount
        self.perWebhookLimit = perWebhookLimit
        // A retry falls due at most this late: a tenth of the first delay, between 50 ms and 1 s.
        pollInterval = min(1, max(0.05, Double(policy.firstDelayMilliseconds) / 10_000))
        senders = WorkerPool(threads: senderCount, queueLimit: senderCount)
    }

    func start() {
        let thread = Thread { [self] in
            try? database.ownReader()
            schedule()
        }
        thread.name = "webhook-dispatcher"
        thread.start()
    }

    /// Something may have become due (a commit wrote outbox rows): look now.
    func wake() {
        state.condition.lock()
        state.woken = true
        state.condition.signal()
        state.condition.unlock()
    }

    /// Stops claiming; deliveries in flight finish (each within its deadline) and are recorded.
    func stop() {
        state.condition.lock()
        state.stopped = true
        state.condition.broadcast()
        while !state.finished { state.condition.wait() }
        state.condition.unlock()
        senders.shutdown(timeout: .seconds(Int64(Self.deadlineSeconds) + 2))
    }

    /// Attempts so far by outcome: `delivered`, `retried` (failed, to be tried again) and
    /// `failed` (given up), for /metrics.
    var outcomes: (delivered: Int, retried: Int, failed: Int) {
        state.condition.lock()
        defer { state.condition.unlock() }
        return (state.delivered, state.retried, state.failed)
    }

    /// How long a claimed delivery is this node's on a shared database: three attempts' deadline,
    /// so that only a node that died (or hangs) leaves one to the others, and they send it half a
    /// minute later.
    static let claimMilliseconds = Int64(deadlineSeconds * 3 * 1000)

    private func schedule() {
        var round = 0
        while true {
            state.condition.lock()
            if !state.woken && !state.stopped {
                _ = state.condition.wait(until: Date(timeIntervalSinceNow: pollInterval))
            }
            state.woken = false
            if state.stopped {
                state.finished = true
                state.condition.broadcast()
                state.condition.unlock()
                return
            }
            let busy = state.inFlight
            state.condition.unlock()

            let room = senderCount - busy.count
            guard room > 0 else { continue }
            let now = clock.now()
            round &+= 1
            var due =
                (try? database.read {
                    try service.dueDeliveries($0, now: now, room: room, perWebhook: perWebhookLimit, busy: busy, round: round)
                }) ?? []
            if database.isShared, !due.isEmpty {
                // Other nodes read the same outbox: send only what this one claimed, so no delivery
                // is sent by two of them (a claim lasts past the longest attempt).
                let found = due
                let until = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Self.claimMilliseconds)
                due = (try? database.writeAndWait { [service] in try service.claim($0, found, now: now, until: until) }) ?? []
            }
            for delivery in due {
                state.condition.lock()
                state.inFlight[delivery.id] = delivery.webhookID
                state.condition.unlock()
                if !senders.submit({ [self] in send(delivery) }) { finish(delivery, outcome: nil) }
            }
        }
    }

    /// Posts one delivery and records what came of it.
    private func send(_ delivery: WebhookDelivery) {
        let result: OutboundResult
        if let secret = service.secret(of: delivery) {
            result = post(delivery, secret: secret)
        } else {
            result = .failure(OutboundFailure(.invalidRequest, "the webhook's secret cannot be opened with the server key file"))
        }
        let now = clock.now()
        let service = self.service
        let policy = self.policy
        database.write(
            { connection in
                try service.recordAttempt(
                    connection, delivery, statusCode: result.statusCode, error: Self.errorText(result), policy: policy, now: now)
            },
            completion: { [self] _ in finish(delivery, outcome: result) })
    }

    private func post(_ delivery: WebhookDelivery, secret: [UInt8]) -> OutboundResult {
        let url: OutboundURL
        do throws(OutboundURLError) {
            url = try OutboundURL(parsing: delivery.url)
        } catch {
            return .failure(OutboundFailure(.invalidRequest, error.reason))
        }
        let body = delivery.body
        let signature = WebhookSignature.header(secret: secret, body: body, at: clock.now())
        return OutboundHTTP.post(
            url: url, headers: [("CRM-Signature", signature), ("CRM-Event", delivery.type), ("CRM-Delivery", String(delivery.id))],
            body: body, deadline: Self.deadlineSeconds, allowPrivate: allowPrivate, trustedCAFile: trustedCAFile)
    }

    private static func errorText(_ result: OutboundResult) -> String? {
        switch result {
        case .response(let code) where (200..<300).contains(code): nil
        case .response(let code): "the receiver answered \(code)"
        case .failure(let failure): failure.description
        }
    }

    private func finish(_ delivery: WebhookDelivery, outcome: OutboundResult?) {
        state.condition.lock()
        state.inFlight[delivery.id] = nil
        if let code = outcome?.statusCode, (200..<300).contains(code) {
            state.delivered += 1
        } else if outcome != nil {
            let next = policy.nextAttempt(after: delivery.attempts + 1, createdAt: delivery.createdAt, now: clock.now())
            if next == nil { state.failed += 1 } else { state.retried += 1 }
        }
        state.woken = true
        state.condition.signal()
        state.condition.unlock()
    }
}

/// `CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` over the exact
/// bytes sent; the key is the secret as shown at creation (`whsec_…`), as UTF-8 bytes.
enum WebhookSignature {
    static func header(secret: [UInt8], body: [UInt8], at time: Timestamp) -> String {
        let seconds = time.millisecondsSinceEpoch / 1000
        let signed = Array("\(seconds).".utf8) + body
        return "t=\(seconds),v1=" + HMACSHA256.authenticationCode(for: signed, key: secret).hexString
    }
}
