import SQLite

/// The timeline's one query: a customer's orders, interactions, stage changes, tickets, feedback
/// and tasks as rows `kind, id, entry, occurred_at, a, b, c, customer_id`, newest first, keyset
/// by `(occurred_at, kind, entry)`. `a`, `b` and `c` are text in every branch (numbers cast):
/// PostgreSQL's UNION takes one type per column.
enum TimelineStore {
    /// The union, each branch reading the records whose `customer_id` is `customers`.
    private static func union(customers: String) -> String {
        """
        SELECT 'order' AS kind, o.id AS id, o.id AS entry, o.ordered_at AS occurred_at,
               o.status AS a, CAST(o.amount AS TEXT) AS b, o.currency AS c, o.customer_id AS customer_id
          FROM orders o WHERE o.customer_id \(customers) AND o.deleted_at IS NULL
        UNION ALL
        SELECT 'interaction', i.id, i.id, i.occurred_at, i.channel, i.direction, i.subject, i.customer_id
          FROM interactions i WHERE i.customer_id \(customers) AND i.deleted_at IS NULL
        UNION ALL
        SELECT 'opportunity_stage_changed', h.opportunity_id, h.id, h.changed_at, p.name, h.from_stage, h.to_stage, h.customer_id
          FROM opportunity_stage_history h JOIN opportunities p ON p.id = h.opportunity_id
          WHERE h.customer_id \(customers) AND p.deleted_at IS NULL
        UNION ALL
        SELECT 'ticket', t.id, t.id, t.created_at, t.subject, t.status, t.priority, t.customer_id
          FROM tickets t WHERE t.customer_id \(customers) AND t.deleted_at IS NULL
        UNION ALL
        SELECT 'feedback', f.id, f.id, f.created_at, f.kind, CAST(f.score AS TEXT), f.comment, f.customer_id
          FROM feedback f WHERE f.customer_id \(customers) AND f.deleted_at IS NULL
        UNION ALL
        SELECT 'task', k.id, k.id, k.created_at, k.title, k.status, k.due_at, k.customer_id
          FROM tasks k WHERE k.customer_id \(customers) AND k.deleted_at IS NULL
        """
    }

    /// The customer's own records.
    static let union = union(customers: "= ?1")
    /// A company's records and its live contacts' (`include_contacts=true`).
    static let accountUnion = union(
        customers: "IN (SELECT ?1 UNION ALL SELECT id FROM customers WHERE account_id = ?1 AND type = 'person' AND deleted_at IS NULL)")

    static func rows(
        _ connection: StoreConnection, customerID: Int64, includeContacts: Bool = false,
        after: (occurredAt: String, kind: String, entry: Int64)?, limit: Int
    ) throws -> [Row] {
        var sql = "SELECT * FROM (\(includeContacts ? accountUnion : union)) AS entries"
        var bindings: [SQLValue] = [.integer(customerID)]
        if let after {
            sql += " WHERE (occurred_at, kind, entry) < (?2, ?3, ?4)"
            bindings += [.text(after.occurredAt), .text(after.kind), .integer(after.entry)]
        }
        sql += " ORDER BY occurred_at DESC, kind DESC, entry DESC LIMIT \(limit)"
        return try connection.query(sql, bindings)
    }
}
