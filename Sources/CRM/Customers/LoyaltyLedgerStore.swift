import SQLite

/// The `loyalty_ledger` table: a customer's loyalty-point entries. The balance itself is the
/// customer's `loyalty_points` column, written through ``CustomerStore``.
enum LoyaltyLedgerStore {
    static func insert(
        _ connection: StoreConnection, customerID: Int64, delta: Int64, reason: String, balanceAfter: Int64, actor: Int64?, now: Timestamp
    ) throws -> Int64 {
        return try connection.insert(
            "INSERT INTO loyalty_ledger (customer_id, delta, reason, balance_after, key_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .integer(customerID), .integer(delta), .text(reason), .integer(balanceAfter), actor.map(SQLValue.integer) ?? .null,
                .text(now.rfc3339),
            ])
    }

    static func find(_ connection: StoreConnection, id: Int64) throws -> Row? {
        try connection.queryOne("SELECT * FROM loyalty_ledger WHERE id = ?", [.integer(id)])
    }

    /// A customer's entries below `beforeID` (all of them when nil), newest first.
    static func list(_ connection: StoreConnection, customerID: Int64, beforeID: Int64?, limit: Int) throws -> [Row] {
        try connection.query(
            "SELECT * FROM loyalty_ledger WHERE customer_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            [.integer(customerID), .integer(beforeID ?? .max), .integer(Int64(limit))])
    }
}
