import SQLite

/// The `opportunity_stage_history` table: one row per stage change, creation included.
enum OpportunityHistoryStore {
    static func insert(
        _ connection: StoreConnection, opportunityID: Int64, customerID: Int64, from: SQLValue, to: SQLValue, actor: Int64?, now: Timestamp
    ) throws {
        try connection.run(
            "INSERT INTO opportunity_stage_history (opportunity_id, customer_id, from_stage, to_stage, changed_at, key_id) VALUES (?, ?, ?, ?, ?, ?)",
            [.integer(opportunityID), .integer(customerID), from, to, .text(now.rfc3339), actor.map(SQLValue.integer) ?? .null])
    }

    /// Moves an opportunity's history to its new customer, so its stage changes stay on the
    /// timeline of the customer it now belongs to (a PATCH of customer_id, a merge).
    static func reassign(_ connection: StoreConnection, opportunityID: Int64, to customerID: Int64) throws {
        try connection.run(
            "UPDATE opportunity_stage_history SET customer_id = ? WHERE opportunity_id = ?",
            [.integer(customerID), .integer(opportunityID)])
    }

    /// An opportunity's entries after `afterID`, oldest first.
    static func list(_ connection: StoreConnection, opportunityID: Int64, afterID: Int64, limit: Int) throws -> [Row] {
        try connection.query(
            "SELECT id, from_stage, to_stage, changed_at, key_id FROM opportunity_stage_history WHERE opportunity_id = ? AND id > ? ORDER BY id LIMIT ?",
            [.integer(opportunityID), .integer(afterID), .integer(Int64(limit))])
    }

    /// The stage the opportunity was in before it last entered `enteredStage` (nil when it was
    /// created there).
    static func stageBefore(_ connection: StoreConnection, opportunityID: Int64, enteredStage: String) throws -> String? {
        try connection.queryOne(
            "SELECT from_stage FROM opportunity_stage_history WHERE opportunity_id = ? AND to_stage = ? ORDER BY id DESC LIMIT 1",
            [.integer(opportunityID), .text(enteredStage)]
        )?.string("from_stage")
    }
}
