import SQLite

/// The `changes` (the sync feed) and `audit_log` tables. A change's `seq` is its rowid, taken by
/// the single writer in commit order, so the feed has no gaps.
enum ChangeLogStore {
    /// Returns the new entry's seq.
    static func insertChange(
        _ connection: StoreConnection, type: String, recordType: String, id: Int64, data: [UInt8]?, now: Timestamp
    ) throws -> Int64 {
        try connection.insert(
            "INSERT INTO changes (seq, type, record_type, record_id, occurred_at, data) VALUES (\(connection.dialect.nextFeedSeq), ?, ?, ?, ?, ?)",
            [
                .text(type), .text(recordType), .integer(id), .text(now.rfc3339),
                data.map { .text(String(decoding: $0, as: UTF8.self)) } ?? .null,
            ], returning: "seq")
    }

    static func insertAudit(
        _ connection: StoreConnection, actor: Int64?, action: String, recordType: String, id: Int64, changes: String, now: Timestamp
    ) throws {
        try connection.run(
            "INSERT INTO audit_log (key_id, action, record_type, record_id, changes, occurred_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                actor.map(SQLValue.integer) ?? .null, .text(action), .text(recordType), .integer(id), .text(changes),
                .text(now.rfc3339),
            ])
    }
}

// MARK: Reading the feed

extension ChangeLogStore {
    private static let entryColumns = "seq, type, record_id, occurred_at, data"

    /// Entries after `after` in seq order. With several types, each type's index range is read
    /// only up to `limit` rows and the union sorted, so a rare type among many common ones costs
    /// no more than its own rows.
    static func entries(_ connection: StoreConnection, after: Int64, types: [String], limit: Int) throws -> [ChangeFeed.Entry] {
        let sql: String
        var bindings: [SQLValue] = []
        switch types.count {
        case 0:
            sql = "SELECT \(entryColumns) FROM changes WHERE seq > ? ORDER BY seq LIMIT ?"
            bindings = [.integer(after), .integer(Int64(limit))]
        case 1:
            sql = "SELECT \(entryColumns) FROM changes WHERE record_type = ? AND seq > ? ORDER BY seq LIMIT ?"
            bindings = [.text(types[0]), .integer(after), .integer(Int64(limit))]
        default:
            let one =
                "SELECT * FROM (SELECT \(entryColumns) FROM changes WHERE record_type = ? AND seq > ? ORDER BY seq LIMIT ?) AS entries"
            sql = Array(repeating: one, count: types.count).joined(separator: " UNION ALL ") + " ORDER BY seq LIMIT ?"
            for type in types { bindings += [.text(type), .integer(after), .integer(Int64(limit))] }
            bindings.append(.integer(Int64(limit)))
        }
        return try connection.query(sql, bindings).map { row in
            ChangeFeed.Entry(
                seq: row.int64(0) ?? 0, type: row.string(1) ?? "", recordID: row.int64(2) ?? 0, occurredAt: row.string(3) ?? "",
                data: row.string(4).map { Array($0.utf8) })
        }
    }

    static func committed(_ connection: StoreConnection, after seq: Int64) throws -> (last: Int64, recordTypes: Set<String>) {
        var last = seq
        var types: Set<String> = []
        for row in try connection.query("SELECT seq, record_type FROM changes WHERE seq > ? ORDER BY seq", [.integer(seq)]) {
            last = row.int64(0) ?? last
            if let type = row.string(1) { types.insert(type) }
        }
        return (last, types)
    }

    static func lastSeq(_ connection: StoreConnection) throws -> Int64 {
        try connection.queryOne("SELECT max(seq) FROM changes")?.int64(0) ?? 0
    }
}
