import SQLite

/// The `changes` (the sync feed) and `audit_log` tables. A change's `seq` is its rowid, taken by
/// the single writer in commit order, so the feed has no gaps.
enum ChangeLogStore {
    static func insertChange(
        _ connection: Connection, type: String, recordType: String, id: Int64, data: [UInt8]?, now: Timestamp
    ) throws {
        try connection.run(
            "INSERT INTO changes (type, record_type, record_id, occurred_at, data) VALUES (?, ?, ?, ?, ?)",
            [
                .text(type), .text(recordType), .integer(id), .text(now.rfc3339),
                data.map { .text(String(decoding: $0, as: UTF8.self)) } ?? .null,
            ])
    }

    static func insertAudit(
        _ connection: Connection, actor: Int64?, action: String, recordType: String, id: Int64, changes: String, now: Timestamp
    ) throws {
        try connection.run(
            "INSERT INTO audit_log (key_id, action, record_type, record_id, changes, occurred_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                actor.map(SQLValue.integer) ?? .null, .text(action), .text(recordType), .integer(id), .text(changes),
                .text(now.rfc3339),
            ])
    }
}
