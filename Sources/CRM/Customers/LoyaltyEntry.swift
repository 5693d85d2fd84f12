import JSON
import SQLite

/// One ledger entry: `{id, delta, reason, balance_after, created_at}`.
public struct LoyaltyEntry: Sendable, Equatable {
    public let id: Int64
    public let customerID: Int64
    public let delta: Int64
    public let reason: String
    public let balanceAfter: Int64
    public let createdAt: String

    init(row: Row) {
        self.init(
            id: row.int64("id") ?? 0, customerID: row.int64("customer_id") ?? 0, delta: row.int64("delta") ?? 0,
            reason: row.string("reason") ?? "", balanceAfter: row.int64("balance_after") ?? 0, createdAt: row.string("created_at") ?? "")
    }

    init(id: Int64, customerID: Int64, delta: Int64, reason: String, balanceAfter: Int64, createdAt: String) {
        self.id = id
        self.customerID = customerID
        self.delta = delta
        self.reason = reason
        self.balanceAfter = balanceAfter
        self.createdAt = createdAt
    }

    /// The entry as the API shows it.
    public var rendered: RenderedEntry {
        var writer = JSONWriter(capacity: 128 + reason.utf8.count)
        writer.beginObject()
        writer.key("id")
        writer.int(id)
        writer.key("delta")
        writer.int(delta)
        writer.key("reason")
        writer.string(reason)
        writer.key("balance_after")
        writer.int(balanceAfter)
        writer.key("created_at")
        writer.string(createdAt)
        writer.endObject()
        return RenderedEntry(id: id, json: writer.bytes)
    }
}
