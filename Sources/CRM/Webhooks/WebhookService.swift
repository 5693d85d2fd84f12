import Crypto
import JSON
import SQLite

/// Webhooks over the records engine (lists, `ETag`s, `If-Match`, soft delete, audit), plus
/// what only they have: a secret made by the server, shown once and kept sealed; the URL and
/// event checks; and the outbox the dispatcher works through.
public struct WebhookService: Sendable {
    public let records: RecordService
    private let box: SecretBox

    /// - Parameters:
    ///   - secretKey: the server key that seals webhook secrets (``SecretKeyFile``).
    ///   - urlProblem: why a URL may not be a webhook's target, or nil when it may (the API
    ///     checks scheme, form and, unless private targets are allowed, loopback literals).
    public init(secretKey: [UInt8], urlProblem: @escaping @Sendable (String) -> (code: String, message: String)?) {
        let box = SecretBox(key: secretKey)
        self.box = box
        let schema = WebhookSchema.schema
        records = RecordService(
            schema: schema,
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, extra, before, _ in
                    var issues: [FieldIssue] = []
                    if values["enabled"] == .null { issues.append(FieldIssue("enabled", "invalid_type", "must be true or false")) }
                    if case .text(let url)? = values["url"], let problem = urlProblem(url) {
                        issues.append(FieldIssue("url", problem.code, problem.message))
                    }
                    if case .text(let json)? = values["events"] {
                        let events = Self.events(json)
                        if events.isEmpty { issues.append(FieldIssue("events", "required", "name at least one event, or \"*\"")) }
                        for event in events where !WebhookSchema.events.contains(event) {
                            issues.append(
                                FieldIssue("events", "unknown_event", "'\(event)' is not an event; see the webhooks documentation"))
                        }
                    }
                    guard issues.isEmpty else { throw CRMError.validation(issues) }
                    if before == nil, case .text(let secret)? = values.removeValue(forKey: WebhookSchema.secretFlag) {
                        // The secret is sealed to its row: a sealed value copied to another row does not open.
                        let id = try WebhookStore.nextID(connection)
                        extra["id"] = .integer(id)
                        extra["secret"] = .blob(box.seal(Array(secret.utf8), associatedData: Self.binding(id)))
                    }
                },
                afterWrite: { connection, _, after, _, now in
                    guard let id = after.int64("id") else { return }
                    let live = after.string("deleted_at") == nil && after.bool("enabled") != false
                    try WebhookStore.replaceEvents(connection, id: id, events: live ? Self.events(after.string("events") ?? "[]") : [])
                    if after.string("deleted_at") != nil { try WebhookOutboxStore.abandon(connection, webhookID: id, now: now) }
                }))
    }

    /// Live webhooks in `connection`'s database (before a missing key file may be made anew).
    public static func liveCount(_ connection: StoreConnection) throws -> Int {
        try WebhookStore.liveCount(connection)
    }

    /// A new secret: 256 random bits, `whsec_` and base64url.
    public static func makeSecret() -> String {
        "whsec_" + Base64URL.encode(SecureRandom.bytes(32))
    }

    /// Creates a webhook signing with `secret` (``makeSecret()``); the caller shows the secret
    /// once, in the create response.
    public func create(_ connection: StoreConnection, _ changes: RecordChanges, secret: String, actor: Int64?, now: Timestamp) throws
        -> StoredRecord
    {
        var changes = changes
        changes.flags[WebhookSchema.secretFlag] = .text(secret)
        return try records.createRecord(connection, changes, actor: actor, now: now)
    }

    /// The secret a delivery is signed with; nil if its sealed value does not open (the server
    /// key file was replaced, or the row was tampered with).
    public func secret(of delivery: WebhookDelivery) -> [UInt8]? {
        try? box.open(delivery.sealedSecret, associatedData: Self.binding(delivery.webhookID))
    }

    // MARK: The outbox

    /// Deliveries due at `now` to live, enabled webhooks (a disabled one's wait for it): at most
    /// `room` in all and `perWebhook` per webhook, counting those in flight (`busy`, delivery id
    /// → webhook id). Each webhook is asked for its own, starting at a different one each round
    /// (`round`), so a dead receiver's backlog never keeps another webhook's deliveries waiting.
    public func dueDeliveries(
        _ connection: StoreConnection, now: Timestamp, room: Int, perWebhook: Int, busy: [Int64: Int64], round: Int
    ) throws -> [WebhookDelivery] {
        let webhooks = try WebhookOutboxStore.sendingWebhooks(connection)
        guard !webhooks.isEmpty else { return [] }
        var inFlight: [Int64: Int] = [:]
        for webhook in busy.values { inFlight[webhook, default: 0] += 1 }
        let busyIDs = Set(busy.keys)
        var due: [WebhookDelivery] = []
        for offset in 0..<webhooks.count where due.count < room {
            let webhook = webhooks[(round + offset) % webhooks.count]
            let free = min(perWebhook - inFlight[webhook, default: 0], room - due.count)
            guard free > 0 else { continue }
            due += try WebhookOutboxStore.due(connection, webhookID: webhook, now: now, limit: free, skipping: busyIDs)
        }
        return due
    }

    /// Of `deliveries`, those this node now holds until `until` (``WebhookOutboxStore/claim``).
    public func claim(_ connection: StoreConnection, _ deliveries: [WebhookDelivery], now: Timestamp, until: Timestamp) throws
        -> [WebhookDelivery]
    {
        let claimed = try WebhookOutboxStore.claim(connection, ids: deliveries.map(\.id), now: now, until: until)
        return deliveries.filter { claimed.contains($0.id) }
    }

    public func nextDue(_ connection: StoreConnection) throws -> Timestamp? {
        try WebhookOutboxStore.nextDue(connection)
    }

    /// Writes one attempt's outcome: delivered on a 2xx, else pending again on `policy`'s
    /// schedule, or failed once a day has passed.
    public func recordAttempt(
        _ connection: StoreConnection, _ delivery: WebhookDelivery, statusCode: Int?, error: String?, policy: WebhookRetryPolicy,
        now: Timestamp
    ) throws {
        if let statusCode, (200..<300).contains(statusCode) {
            try WebhookOutboxStore.recordAttempt(
                connection, id: delivery.id, status: .delivered, statusCode: statusCode, error: nil, nextAttempt: nil, now: now)
            return
        }
        let next = policy.nextAttempt(after: delivery.attempts + 1, createdAt: delivery.createdAt, now: now)
        try WebhookOutboxStore.recordAttempt(
            connection, id: delivery.id, status: next == nil ? .failed : .pending, statusCode: statusCode, error: error, nextAttempt: next,
            now: now)
    }

    /// Deliveries by status (pending is the outbox backlog), for /metrics.
    public func deliveryCounts(_ connection: StoreConnection) throws -> [String: Int] {
        try WebhookOutboxStore.countsByStatus(connection)
    }

    /// Writes a page of webhook `id`'s deliveries, newest first, after delivery `beforeID` (0 for
    /// the first page) into `writer`'s open array; returns the last id written when more follow.
    public func renderDeliveries(
        _ connection: StoreConnection, webhookID: Int64, beforeID: Int64, limit: Int, into writer: inout JSONWriter
    )
        throws -> Int64?
    {
        var count = 0
        var last: Int64?
        var more = false
        try WebhookOutboxStore.list(connection, webhookID: webhookID, beforeID: beforeID, limit: limit + 1) { row in
            guard count < limit else {
                more = true
                return
            }
            count += 1
            let id = row.int64(at: 0) ?? 0
            last = id
            writer.beginObject()
            writer.key("id")
            writer.int(id)
            func text(_ index: Int, _ name: String) {
                writer.key(name)
                if row.withUTF8(at: index, { writer.string(utf8: $0) }) == nil { writer.null() }
            }
            text(1, "event_id")
            text(2, "type")
            text(3, "status")
            writer.key("attempts")
            writer.int(row.int64(at: 4) ?? 0)
            writer.key("last_status_code")
            if let code = row.int64(at: 5) { writer.int(code) } else { writer.null() }
            text(6, "last_error")
            text(7, "next_attempt_at")
            text(8, "created_at")
            writer.endObject()
        }
        return more ? last : nil
    }

    private static func binding(_ id: Int64) -> [UInt8] { Array("webhook:\(id)".utf8) }

    private static func events(_ json: String) -> [String] {
        guard case .array(let items)? = try? JSONParser.parse(Array(json.utf8)) else { return [] }
        return items.compactMap(\.stringValue)
    }
}
