import SQLite

/// A record as a write left it (or a read found it), rendered once: what a route answers with
/// and what the change feed stores are the same bytes.
///
///     let record = try service.createRecord(connection, changes, actor: key, now: now)
///     Response(status: 201, headers: [ETag(record.version)], body: record.json)
public struct StoredRecord: Sendable {
    /// The stored row, for the domain's own use (nil when rendered straight from the statement);
    /// routes never see it.
    let storedRow: Row?
    var row: Row { storedRow ?? Row(columnNames: [], values: []) }
    public let id: Int64
    public let version: Int64
    /// The record's API JSON.
    public let json: [UInt8]

    init(row: Row, json: [UInt8]) {
        self.storedRow = row
        self.id = row.int64("id") ?? 0
        self.version = row.int64("version") ?? 1
        self.json = json
    }

    init(id: Int64, version: Int64, json: [UInt8]) {
        self.storedRow = nil
        self.id = id
        self.version = version
        self.json = json
    }
}
