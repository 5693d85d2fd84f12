import SQLite

/// The `ticket_comments` table.
enum TicketCommentStore {
    static func insert(_ connection: StoreConnection, ticketID: Int64, _ input: TicketComments.Input, actor: Int64?, now: Timestamp) throws
        -> Int64
    {
        return try connection.insert(
            "INSERT INTO ticket_comments (ticket_id, author, author_type, body, public, created_at, key_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                .integer(ticketID), .text(input.author), .text(input.authorType), .text(input.body), .integer(input.isPublic ? 1 : 0),
                .text(now.rfc3339), actor.map(SQLValue.integer) ?? .null,
            ])
    }

    static func find(_ connection: StoreConnection, id: Int64) throws -> Row? {
        try connection.queryOne("SELECT * FROM ticket_comments WHERE id = ?", [.integer(id)])
    }

    /// A ticket's comments after `afterID`, oldest first.
    static func list(_ connection: StoreConnection, ticketID: Int64, afterID: Int64, limit: Int) throws -> [Row] {
        try connection.query(
            "SELECT * FROM ticket_comments WHERE ticket_id = ? AND id > ? ORDER BY id LIMIT ?",
            [.integer(ticketID), .integer(afterID), .integer(Int64(limit))])
    }
}
