import SQLite

/// The one create / update / delete flow every resource goes through, inside the writer's
/// transaction:
///
/// 1. precondition — the live record, checked against `If-Match` (`404`, `412`);
/// 2. the resource's own validation and write (a closure: its store's SQL);
/// 3. re-read, and the change-feed row and the audit row, with the record rendered once;
/// 4. what the write derives in other records (a customer's metrics, …), whose own feed entries
///    so come after the entry of the write that caused them (a consumer reading up to any entry
///    never sees metrics counting a record it has not seen);
/// 5. that rendering returned, for the response.
///
/// Resources differ only in the closures they hand in, so no resource repeats the
/// `If-Match` check, the re-read or the change log.
///
///     let flow = WriteFlow(schema: schema, find: store.find, render: renderer.json)
///     return try flow.create(connection, actor: key, now: now, insert: { try store.insert(connection, …) })
struct WriteFlow: Sendable {
    let schema: RecordSchema
    /// Reads one record by id (`includeDeleted` for the state a delete left).
    let find: @Sendable (_ connection: StoreConnection, _ id: Int64, _ includeDeleted: Bool) throws -> Row?
    /// The record's API JSON (with what a resource computes at read time, hence the connection).
    let render: @Sendable (_ connection: StoreConnection, _ row: Row) throws -> [UInt8]
    /// The refusal of any write to a record in a final state (an erased customer's `409`), or nil.
    var refusal: @Sendable (_ row: Row) -> CRMError? = { _ in nil }

    /// Step 1: the live record, writable (``refusal``) and checked against `If-Match`.
    func current(_ connection: StoreConnection, id: Int64, ifMatch: VersionCondition?) throws -> Row {
        guard let row = try find(connection, id, false) else { throw CRMError.notFound("no \(schema.recordType) \(id)") }
        if let refused = refusal(row) { throw refused }
        if let ifMatch, let version = row.int64("version"), !ifMatch.admits(version) { throw CRMError.versionMismatch(current: version) }
        return row
    }

    /// Creates a record: `insert` validates and writes it and returns its id; `derive` runs on
    /// the stored row after the change is logged (it writes other records, never this one).
    func create(
        _ connection: StoreConnection, actor: Int64?, now: Timestamp, insert: () throws -> Int64,
        derive: (_ after: Row) throws -> Void = { _ in }
    ) throws -> StoredRecord {
        let id = try insert()
        guard let after = try find(connection, id, false) else { throw CRMError.notFound("\(schema.recordType) \(id)") }
        let json = try render(connection, after)
        try ChangeLog.record(
            connection, action: .create, schema: schema, id: id, before: nil, after: after, data: json, actor: actor, now: now)
        try derive(after)
        return StoredRecord(row: after, json: json)
    }

    /// Updates the record `before` (already checked): `write` validates and writes, returning
    /// false when the change would change nothing — then nothing is written or logged and the
    /// version (so the ETag) stays.
    func update(
        _ connection: StoreConnection, before: Row, actor: Int64?, now: Timestamp, write: () throws -> Bool,
        derive: (_ before: Row, _ after: Row) throws -> Void = { _, _ in }
    ) throws -> StoredRecord {
        let id = before.int64("id") ?? 0
        if let refused = refusal(before) { throw refused }
        guard try write() else { return StoredRecord(row: before, json: try render(connection, before)) }
        guard let after = try find(connection, id, false) else { throw CRMError.notFound("\(schema.recordType) \(id)") }
        let json = try render(connection, after)
        try ChangeLog.record(
            connection, action: .update, schema: schema, id: id, before: before, after: after, data: json, actor: actor, now: now)
        try derive(before, after)
        return StoredRecord(row: after, json: json)
    }

    /// Soft-deletes the live record `id` (checked against `If-Match`); the feed entry's data is null.
    func delete(
        _ connection: StoreConnection, id: Int64, ifMatch: VersionCondition?, actor: Int64?, now: Timestamp, softDelete: () throws -> Void,
        derive: (_ before: Row, _ after: Row) throws -> Void = { _, _ in }
    ) throws {
        let before = try current(connection, id: id, ifMatch: ifMatch)
        try softDelete()
        let after = try find(connection, id, true)
        try ChangeLog.record(
            connection, action: .delete, schema: schema, id: id, before: before, after: after, data: nil, actor: actor, now: now)
        if let after { try derive(before, after) }
    }
}
