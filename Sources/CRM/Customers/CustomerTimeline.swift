import SQLite

/// `GET /v1/customers/{id}/timeline`: the customer's orders, interactions, opportunity stage
/// changes, tickets, feedback and tasks as one newest-first list (API.md §2). A task stands at
/// its `created_at`, like a ticket: the timeline is what happened, and a task's due date (which
/// may be ahead, or unset) is in its summary.
///
/// Keyset pagination over `(occurred_at, kind, entry)`, where `entry` is the row's own id (for a
/// stage change, the history entry's, since `id` names the opportunity), so entries at the same
/// millisecond still have one stable order.
public enum CustomerTimeline {
    public struct Entry: Sendable {
        public let kind: String
        public let id: Int64
        public let occurredAt: String
        public let summary: String
        /// The position of this entry, for the cursor.
        public let entry: Int64
        /// Whose record it is (a company's timeline with its contacts mixes several).
        public let customerID: Int64
    }

    /// A page of the customer's timeline; with `includeContacts`, a company's merged with its
    /// live contacts' (API.md §2 "accounts and contacts").
    public static func page(
        _ connection: StoreConnection, customerID: Int64, includeContacts: Bool = false,
        after: (occurredAt: String, kind: String, entry: Int64)?, limit: Int
    ) throws -> (entries: [Entry], hasMore: Bool) {
        let rows = try TimelineStore.rows(
            connection, customerID: customerID, includeContacts: includeContacts, after: after, limit: limit + 1)
        let entries = rows.prefix(limit).map { row in
            Entry(
                kind: row.string("kind") ?? "", id: row.int64("id") ?? 0, occurredAt: row.string("occurred_at") ?? "",
                summary: summary(row), entry: row.int64("entry") ?? 0, customerID: row.int64("customer_id") ?? customerID)
        }
        return (Array(entries), rows.count > limit)
    }

    static func summary(_ row: Row) -> String {
        let a = row.string("a") ?? ""
        switch row.string("kind") {
        case "order":
            return "Order of \(money(row.string("b").flatMap { Int64($0) } ?? 0, currency: row.string("c") ?? "")) (\(a))"
        case "interaction":
            let direction = row.string("b").map { " \($0)" } ?? ""
            let subject = row.string("c").map { ": \($0)" } ?? ""
            return "\(a.capitalized)\(direction)\(subject)"
        case "opportunity_stage_changed":
            return "\(a): \(row.string("b") ?? "created") → \(row.string("c") ?? "")"
        case "ticket":
            return "Ticket \"\(a)\" (\(row.string("b") ?? ""), \(row.string("c") ?? ""))"
        case "feedback":
            let score = row.string("b").map { " \($0)" } ?? ""
            let comment = row.string("c").map { ": \($0.prefix(80))" } ?? ""
            return "\(a.uppercased())\(score)\(comment)"
        case "task":
            let due = row.string("c").map { ", due \($0)" } ?? ""
            return "Task \"\(a)\" (\(row.string("b") ?? "")\(due))"
        default:
            return a
        }
    }

    /// Minor units as a decimal amount: `12990 CNY` → `129.90 CNY`.
    static func money(_ minor: Int64, currency: String) -> String {
        let digits = CurrencyCode.minorUnitDigits(currency) ?? 2
        guard digits > 0 else { return "\(minor) \(currency)" }
        var divisor: Int64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let fraction = String(abs(minor % divisor))
        let padded = String(repeating: "0", count: digits - fraction.count) + fraction
        return "\(minor / divisor).\(padded) \(currency)"
    }
}
