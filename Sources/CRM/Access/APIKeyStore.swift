import SQLite

/// The SQL for `api_keys`; the only place that knows its columns.
enum APIKeyStore {
    static func insert(_ connection: StoreConnection, name: String, role: Role, secretHash: [UInt8], at now: Timestamp) throws -> Int64 {
        return try connection.insert(
            "INSERT INTO api_keys (name, role, secret_hash, created_at) VALUES (?, ?, ?, ?)",
            [.text(name), .text(role.rawValue), .blob(secretHash), .text(now.rfc3339)])
    }

    static func find(_ connection: StoreConnection, id: Int64) throws -> (key: APIKey, secretHash: [UInt8])? {
        guard let row = try connection.queryOne("SELECT \(columns), secret_hash FROM api_keys WHERE id = ?", [.integer(id)]) else {
            return nil
        }
        return (try key(from: row), row.blob("secret_hash") ?? [])
    }

    static func list(_ connection: StoreConnection, includeRevoked: Bool, afterID: Int64, limit: Int) throws -> [APIKey] {
        let filter = includeRevoked ? "" : "AND revoked_at IS NULL"
        return try connection.query(
            "SELECT \(columns) FROM api_keys WHERE id > ? \(filter) ORDER BY id LIMIT ?",
            [.integer(afterID), .integer(Int64(limit))]
        ).map(key(from:))
    }

    /// Reads the counter that every change to `api_keys` bumps (a trigger, also from another
    /// process), then runs `body` with it, its reads in the same snapshot where the engine
    /// allows (``Database/holdingSnapshot(opening:_:then:)``).
    static func withEpoch<T>(_ database: Database, _ body: (Int64?) throws -> T) throws -> T {
        try database.holdingSnapshot(opening: "SELECT epoch FROM api_key_epoch", { $0?.int64(at: 0) ?? nil }, then: body)
    }

    static func count(_ connection: StoreConnection) throws -> Int {
        try connection.queryOne("SELECT count(*) FROM api_keys")?.int(0) ?? 0
    }

    /// How many live keys have `role`.
    static func liveCount(_ connection: StoreConnection, role: Role) throws -> Int {
        try connection.queryOne("SELECT count(*) FROM api_keys WHERE role = ? AND revoked_at IS NULL", [.text(role.rawValue)])?.int(0) ?? 0
    }

    /// Marks the key revoked; returns false when no live key has that id.
    static func revoke(_ connection: StoreConnection, id: Int64, at now: Timestamp) throws -> Bool {
        try connection.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [.text(now.rfc3339), .integer(id)]) > 0
    }

    private static let columns = "id, name, role, created_at, revoked_at"

    private static func key(from row: Row) throws -> APIKey {
        guard let id = row.int64("id"), let name = row.string("name"),
            let role = row.string("role").flatMap(Role.init(rawValue:)),
            let created = row.string("created_at").flatMap(Timestamp.init(rfc3339:))
        else { throw StoreError.corruptRow(table: "api_keys") }
        return APIKey(
            id: id, name: name, role: role, createdAt: created, revokedAt: row.string("revoked_at").flatMap(Timestamp.init(rfc3339:)))
    }
}
