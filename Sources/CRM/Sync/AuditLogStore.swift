import JSON
import SQLite

/// The `audit_log` table's reads (its inserts are ``ChangeLogStore/insertAudit``).
enum AuditLogStore {
    static func forEach(_ connection: StoreConnection, _ request: ListRequest, _ body: (AuditLog.Entry) -> Void) throws -> (
        key: JSONValue, id: Int64
    )? {
        var request = request
        // Audit entries are never deleted; the list has no deleted_at to test.
        request.includeDeleted = true
        let query = ListQuery(
            select: "a.id, a.key_id, a.action, a.record_type, a.record_id, a.changes, a.occurred_at", from: "audit_log a", alias: "a",
            request: request, dialect: connection.dialect)
        return try query.render(connection) { row in
            body(
                AuditLog.Entry(
                    id: row.int64(at: 0) ?? 0, keyID: row.int64(at: 1),
                    action: row.withUTF8(at: 2) { String(decoding: $0, as: UTF8.self) } ?? "",
                    recordType: row.withUTF8(at: 3) { String(decoding: $0, as: UTF8.self) } ?? "",
                    recordID: row.int64(at: 4) ?? 0, changes: row.withUTF8(at: 5) { Array($0) } ?? Array("{}".utf8),
                    occurredAt: row.withUTF8(at: 6) { String(decoding: $0, as: UTF8.self) } ?? ""))
        }
    }
}
