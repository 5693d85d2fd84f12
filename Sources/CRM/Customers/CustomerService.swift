import JSON
import SQLite

/// The rules of the customers resource; SQL lives in ``CustomerStore``.
///
/// Every write runs on the database writer (the `Connection` it is handed) and records its
/// change-feed and audit entries in the same transaction.
public struct CustomerService: Sendable {
    public let renderer: CustomerRenderer
    private var schema: RecordSchema { CustomerSchema.schema }

    public init(baseCurrency: String) {
        renderer = CustomerRenderer(baseCurrency: baseCurrency)
    }

    /// How a batch or import finds the record it upserts.
    public enum UpsertKey: Sendable, Equatable {
        case externalID(String)
        case email(String)
        /// An import row's `id`: an exported row updates the customer it came from. It only ever
        /// updates: ids are the server's to assign, so one that names no live customer is a `422`.
        case id(Int64)
    }

    public func get(_ connection: Connection, id: Int64) throws -> Row? {
        try CustomerStore.find(connection, id: id)
    }

    /// The live customer whose `external_id` is `externalID`, if any.
    public func find(_ connection: Connection, externalID: String) throws -> Row? {
        try CustomerStore.findLive(connection, externalID: externalID)
    }

    /// The stored form of an `external_id` given in a path, checked exactly as the body field
    /// is (trimmed; empty and too long are `422`), so that a path and a body naming the same id
    /// always agree.
    public static func externalID(fromPath raw: String) throws(CRMError) -> String {
        guard let field = CustomerSchema.schema.field("external_id") else { preconditionFailure("customers have external_id") }
        switch FieldValue.convert(.string(raw), kind: field.kind, field: "external_id") {
        case .success(.text(let text)): return text
        case .success: throw .validation([FieldIssue("external_id", "required", "the external_id in the path must not be empty")])
        case .failure(let issue): throw .validation([issue])
        }
    }

    public func list(_ connection: Connection, _ request: ListRequest) throws -> ListPage<Row> {
        try CustomerStore.list(connection, request)
    }

    /// A live customer's JSON and version, rendered from the database row in place (the hot
    /// path of `GET /v1/customers/{id}`).
    public func render(_ connection: Connection, id: Int64) throws -> (version: Int64, json: [UInt8])? {
        try CustomerStore.render(connection, id: id, renderer: renderer)
    }

    /// Writes a page's customers as JSON array elements into `writer`, rendered in place;
    /// returns the position after the page, or nil at the end.
    public func renderPage(_ connection: Connection, _ request: ListRequest, into writer: inout JSONWriter) throws -> (
        key: SQLValue, id: Int64
    )? {
        let renderer = self.renderer
        var output = writer
        defer { writer = output }
        return try CustomerStore.renderList(connection, request) { row in renderer.write(row, into: &output) }
    }

    public func forEach(_ connection: Connection, _ request: ListRequest, _ body: (Row) throws -> Void) throws {
        try CustomerStore.forEach(connection, request, body)
    }

    public func create(_ connection: Connection, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws -> Row {
        try changes.requireFields(of: schema)
        let values = resolve(changes, existing: nil)
        try checkUnique(connection, values, except: nil)
        let id = try CustomerStore.insert(connection, values: values, now: now)
        guard let row = try CustomerStore.find(connection, id: id) else { throw CRMError.notFound("customer \(id)") }
        try ChangeLog.record(
            connection, action: .create, schema: schema, id: id, before: nil, after: row, data: renderer.json(row), actor: actor, now: now)
        return row
    }

    public func update(_ connection: Connection, id: Int64, _ changes: RecordChanges, ifMatch: Int64?, actor: Int64?, now: Timestamp) throws
        -> Row
    {
        guard let before = try CustomerStore.find(connection, id: id) else { throw CRMError.notFound("no customer \(id)") }
        if let ifMatch, let version = before.int64("version"), version != ifMatch { throw CRMError.versionMismatch(current: version) }
        return try apply(connection, changes, to: before, actor: actor, now: now)
    }

    public func delete(_ connection: Connection, id: Int64, ifMatch: Int64?, actor: Int64?, now: Timestamp) throws {
        guard let before = try CustomerStore.find(connection, id: id) else { throw CRMError.notFound("no customer \(id)") }
        if let ifMatch, let version = before.int64("version"), version != ifMatch { throw CRMError.versionMismatch(current: version) }
        try CustomerStore.softDelete(connection, id: id, now: now)
        let after = try CustomerStore.find(connection, id: id, includeDeleted: true)
        try ChangeLog.record(
            connection, action: .delete, schema: schema, id: id, before: before, after: after, data: nil, actor: actor, now: now)
    }

    /// Creates the customer `key` names, or updates it (merge semantics): `created` tells which.
    /// An ``UpsertKey/id(_:)`` that names no live customer creates nothing: it is a `422` naming `id`.
    public func upsert(_ connection: Connection, key: UpsertKey, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws -> (
        row: Row, created: Bool
    ) {
        let existing: Row?
        switch key {
        case .externalID(let externalID):
            existing = try CustomerStore.findLive(connection, externalID: externalID)
        case .email(let email):
            existing = try CustomerStore.findLive(connection, email: email)
        case .id(let id):
            guard let found = try CustomerStore.find(connection, id: id) else {
                throw CRMError.validation([FieldIssue("id", "not_found", "no live customer \(id)")])
            }
            existing = found
        }
        if let existing {
            return (try apply(connection, changes, to: existing, actor: actor, now: now), false)
        }
        return (try create(connection, changes, actor: actor, now: now), true)
    }

    private func apply(_ connection: Connection, _ changes: RecordChanges, to before: Row, actor: Int64?, now: Timestamp) throws -> Row {
        guard let id = before.int64("id") else { throw StoreError.corruptRow(table: "customers") }
        var values = resolve(changes, existing: before)
        try checkUnique(connection, values, except: id)
        if let override = values["tier_override"] {
            // A manual tier shows at once; clearing it falls back to the RFM tier.
            var overrideText: String?
            if case .text(let text) = override { overrideText = text }
            values["__tier"] = .text(CustomerScoring.tier(score: before.int64("rfm_score"), override: overrideText))
        }
        // A patch that changes nothing writes nothing: the version (and so the ETag) stays.
        let unchanged = schema.fields.allSatisfy { field in values[field.name].map { $0 == before[field.column] } ?? true }
        if unchanged && values["__tier"].map({ $0 == before["tier"] }) ?? true { return before }
        try CustomerStore.update(connection, id: id, values: values, now: now)
        guard let after = try CustomerStore.find(connection, id: id) else { throw CRMError.notFound("customer \(id)") }
        try ChangeLog.record(
            connection, action: .update, schema: schema, id: id, before: before, after: after, data: renderer.json(after), actor: actor,
            now: now)
        return after
    }

    /// The values to store: merges attribute patches into the stored object (`null` removes a key).
    private func resolve(_ changes: RecordChanges, existing: Row?) -> [String: SQLValue] {
        var values: [String: SQLValue] = [:]
        for (field, change) in changes.entries {
            switch change {
            case .set(let value):
                values[field.name] = value
            case .merge(let patch):
                // Creating (an upsert or import that finds no record): stored as given, nulls included.
                guard let existing else {
                    values[field.name] = .text(JSONValue.object(patch).jsonString)
                    continue
                }
                var object = (try? JSONParser.parse(existing.string(field.column) ?? "{}"))?.objectValue ?? JSONObject()
                for (key, value) in patch {
                    if value.isNull { object.removeValue(forKey: key) } else { object[key] = value }
                }
                values[field.name] = .text(JSONValue.object(object).jsonString)
            }
        }
        return values
    }

    private func checkUnique(_ connection: Connection, _ values: [String: SQLValue], except id: Int64?) throws {
        var issues: [FieldIssue] = []
        if case .text(let email)? = values["email"], let holder = try CustomerStore.emailHolder(connection, email: email, except: id) {
            issues.append(FieldIssue("email", "taken", "another customer has this email", holderID: holder))
        }
        if case .text(let externalID)? = values["external_id"],
            let holder = try CustomerStore.externalIDHolder(connection, externalID: externalID, except: id)
        {
            issues.append(FieldIssue("external_id", "taken", "another customer has this external_id", holderID: holder))
        }
        if !issues.isEmpty { throw CRMError.conflict("a unique field is taken", issues) }
    }
}
