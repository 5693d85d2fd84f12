import SQLite

/// The timeline's one query: a customer's orders, interactions, stage changes, tickets, feedback
/// and tasks as rows `kind, id, entry, occurred_at, a, b, c, customer_id`, newest first, keyset
/// by `(occurred_at, kind, entry)`. PostgreSQL's UNION takes one type per column, so there the
/// numbers in `b` are cast to text; not on SQLite, where the casts would make its planner flatten
/// the union into one sorted merge with a temporary B-tree per branch (130k more instructions for
/// a timeline page).
///
/// A customer's own timeline reads each kind newest first through an index on `(customer_id,
/// time, id)` (migration 0038), at most a page of each past the cursor, and sorts only those: a
/// page costs the same for a customer with ten orders as for one with sixty thousand, where
/// reading and sorting all of them had cost 55 ms a page at 58,000. A company's timeline with its
/// contacts spans several customers, which no one index walk orders, and reads them all.
enum TimelineStore {
    /// One kind of entry: its columns, its table, and the time and entry that order it.
    private struct Branch: Sendable {
        let kind: String
        /// `kind, id, entry, occurred_at, a, b, c, customer_id`, with `b` cast to text on PostgreSQL.
        let columns: @Sendable (SQLDialect) -> String
        let from: String
        /// The condition on a row besides its customer (live records only).
        let live: String
        let customer: String
        let time: String
        let entry: String
    }

    private static let branches: [Branch] = [
        Branch(
            kind: "order",
            columns: {
                "'order' AS kind, o.id AS id, o.id AS entry, o.ordered_at AS occurred_at, o.status AS a, \($0.text("o.amount")) AS b, o.currency AS c, o.customer_id AS customer_id"
            },
            from: "orders o", live: "o.deleted_at IS NULL", customer: "o.customer_id", time: "o.ordered_at", entry: "o.id"),
        Branch(
            kind: "interaction",
            columns: { _ in "'interaction', i.id, i.id, i.occurred_at, i.channel, i.direction, i.subject, i.customer_id" },
            from: "interactions i", live: "i.deleted_at IS NULL", customer: "i.customer_id", time: "i.occurred_at", entry: "i.id"),
        Branch(
            kind: "opportunity_stage_changed",
            columns: { _ in
                "'opportunity_stage_changed', h.opportunity_id, h.id, h.changed_at, p.name, h.from_stage, h.to_stage, h.customer_id"
            },
            from: "opportunity_stage_history h JOIN opportunities p ON p.id = h.opportunity_id", live: "p.deleted_at IS NULL",
            customer: "h.customer_id", time: "h.changed_at", entry: "h.id"),
        Branch(
            kind: "ticket", columns: { _ in "'ticket', t.id, t.id, t.created_at, t.subject, t.status, t.priority, t.customer_id" },
            from: "tickets t", live: "t.deleted_at IS NULL", customer: "t.customer_id", time: "t.created_at", entry: "t.id"),
        Branch(
            kind: "feedback",
            columns: { "'feedback', f.id, f.id, f.created_at, f.kind, \($0.text("f.score")), f.comment, f.customer_id" },
            from: "feedback f", live: "f.deleted_at IS NULL", customer: "f.customer_id", time: "f.created_at", entry: "f.id"),
        Branch(
            kind: "task", columns: { _ in "'task', k.id, k.id, k.created_at, k.title, k.status, k.due_at, k.customer_id" },
            from: "tasks k", live: "k.deleted_at IS NULL", customer: "k.customer_id", time: "k.created_at", entry: "k.id"),
    ]

    /// A company's records and its live contacts' (`include_contacts=true`).
    private static let withContacts =
        "IN (SELECT ?1 UNION ALL SELECT id FROM customers WHERE account_id = ?1 AND type = 'person' AND deleted_at IS NULL)"

    /// Every branch over the company and its contacts, unordered (the outer query sorts).
    private static func contactsUnion(dialect: SQLDialect) -> String {
        branches.map { "SELECT \($0.columns(dialect)) FROM \($0.from) WHERE \($0.customer) \(withContacts) AND \($0.live)" }
            .joined(separator: "\nUNION ALL\n")
    }

    private static let sqliteContactsUnion = contactsUnion(dialect: .sqlite)
    private static let postgresContactsUnion = contactsUnion(dialect: .postgres)

    /// One customer's branches, each its newest `limit` entries past the cursor (`?2`, `?3` its
    /// time and entry) in its index's order. Whether an entry at the cursor's very time comes after
    /// it depends on how the branch's kind compares with the cursor's (the sort's second key), which
    /// is known here, so each branch's condition is a range on its index.
    static func ownUnion(dialect: SQLDialect, afterKind: String?, limit: Int) -> String {
        branches.enumerated().map { index, branch in
            var condition = "\(branch.customer) = ?1 AND \(branch.live)"
            if let afterKind {
                if branch.kind < afterKind {
                    condition += " AND \(branch.time) <= ?2"
                } else if branch.kind == afterKind {
                    condition += " AND \(branch.time) <= ?2 AND (\(branch.time) < ?2 OR \(branch.entry) < ?3)"
                } else {
                    condition += " AND \(branch.time) < ?2"
                }
            }
            return """
                SELECT * FROM (SELECT \(branch.columns(dialect)) FROM \(branch.from) WHERE \(condition)
                    ORDER BY \(branch.time) DESC, \(branch.entry) DESC LIMIT \(limit)) AS branch\(index)
                """
        }.joined(separator: "\nUNION ALL\n")
    }

    static func rows(
        _ connection: StoreConnection, customerID: Int64, includeContacts: Bool = false,
        after: (occurredAt: String, kind: String, entry: Int64)?, limit: Int
    ) throws -> [Row] {
        var bindings: [SQLValue] = [.integer(customerID)]
        var sql: String
        if includeContacts {
            sql = "SELECT * FROM (\(connection.dialect == .sqlite ? sqliteContactsUnion : postgresContactsUnion)) AS entries"
            if let after {
                sql += " WHERE (occurred_at, kind, entry) < (?2, ?3, ?4)"
                bindings += [.text(after.occurredAt), .text(after.kind), .integer(after.entry)]
            }
        } else {
            sql = "SELECT * FROM (\(ownUnion(dialect: connection.dialect, afterKind: after?.kind, limit: limit))) AS entries"
            if let after { bindings += [.text(after.occurredAt), .integer(after.entry)] }
        }
        sql += " ORDER BY occurred_at DESC, kind DESC, entry DESC LIMIT \(limit)"
        return try connection.query(sql, bindings)
    }
}
