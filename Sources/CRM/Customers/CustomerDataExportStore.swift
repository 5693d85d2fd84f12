import SQLite

/// The reads of a data export (``CustomerDataExport``): a customer's records of one table, its
/// loyalty entries and the audit entries about it, each in id order from a keyset position,
/// deleted records included.
enum CustomerDataExportStore {
    /// `table` is a schema's table name (never request text).
    static func records(_ connection: StoreConnection, table: String, customerID: Int64, after: Int64, limit: Int) throws -> [Row] {
        try connection.query(
            "SELECT * FROM \(table) WHERE customer_id = ? AND id > ? ORDER BY id LIMIT ?",
            [.integer(customerID), .integer(after), .integer(Int64(limit))])
    }

    /// The comments on the customer's tickets (deleted tickets included).
    static func comments(_ connection: StoreConnection, customerID: Int64, after: Int64, limit: Int) throws -> [Row] {
        try connection.query(
            """
            SELECT c.* FROM tickets t JOIN ticket_comments c ON c.ticket_id = t.id
            WHERE t.customer_id = ? AND c.id > ? ORDER BY c.id LIMIT ?
            """, [.integer(customerID), .integer(after), .integer(Int64(limit))])
    }

    /// `subject(id)`: the customer `?1` and every customer merged into it, directly or through
    /// others (`customers_by_merged_into`), as an erase finds them.
    private static let subject = """
        WITH RECURSIVE subject(id) AS (
            SELECT CAST(?1 AS BIGINT)
            UNION SELECT c.id FROM customers c JOIN subject s ON c.merged_into = s.id)
        """

    /// The ids of the customers merged into the customer, after `after`, ascending.
    static func merged(_ connection: StoreConnection, customerID: Int64, after: Int64, limit: Int) throws -> [Int64] {
        try connection.query(
            subject + " SELECT id FROM subject WHERE id <> ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            [.integer(customerID), .integer(after), .integer(Int64(limit))]
        ).compactMap { $0.int64(0) }
    }

    /// The loyalty entries of the customer and of the customers merged into it.
    static func ledger(_ connection: StoreConnection, customerID: Int64, after: Int64, limit: Int) throws -> [Row] {
        try connection.query(
            subject
                + " SELECT l.* FROM subject s JOIN loyalty_ledger l ON l.customer_id = s.id WHERE l.id > ?2 ORDER BY l.id LIMIT ?3",
            [.integer(customerID), .integer(after), .integer(Int64(limit))])
    }

    /// The audit entries of the customer (and of the customers merged into it) and of its records
    /// in each of `schemas` (a schema's record type and table, never request text), each arm
    /// through `audit_log_by_record`.
    static func audit(_ connection: StoreConnection, customerID: Int64, schemas: [RecordSchema], after: Int64, limit: Int) throws
        -> [AuditLog.Entry]
    {
        var arms = ["SELECT a.* FROM subject s JOIN audit_log a ON a.record_type = 'customer' AND a.record_id = s.id"]
        for (recordType, table) in schemas.map({ ($0.recordType, $0.table) }).sorted(by: { $0.0 < $1.0 }) {
            arms.append(
                "SELECT a.* FROM \(table) r JOIN audit_log a ON a.record_type = '\(recordType)' AND a.record_id = r.id WHERE r.customer_id = ?1"
            )
        }
        let sql =
            subject
            + " SELECT id, key_id, action, record_type, record_id, changes, occurred_at FROM (\(arms.joined(separator: " UNION ALL "))) AS entries "
            + "WHERE id > ?2 ORDER BY id LIMIT ?3"
        return try connection.query(sql, [.integer(customerID), .integer(after), .integer(Int64(limit))]).map { row in
            AuditLog.Entry(
                id: row.int64(0) ?? 0, keyID: row.int64(1), action: row.string(2) ?? "", recordType: row.string(3) ?? "",
                recordID: row.int64(4) ?? 0, changes: Array((row.string(5) ?? "{}").utf8), occurredAt: row.string(6) ?? "")
        }
    }

}
