import JSON
import SQLite

/// What a resource adds to the shared create/update/delete flow.
public struct RecordHooks: Sendable {
    /// Resource rules before a write: may adjust the values to store and add server-owned
    /// columns; throws ``CRMError`` to refuse. `before` is nil on create.
    public var prepare:
        @Sendable (
            _ connection: StoreConnection, _ values: inout [String: SQLValue], _ extra: inout [String: SQLValue], _ before: Row?,
            _ now: Timestamp
        ) throws -> Void
    /// After the row is written (same transaction): derived data such as customer metrics.
    public var afterWrite:
        @Sendable (_ connection: StoreConnection, _ before: Row?, _ after: Row, _ actor: Int64?, _ now: Timestamp) throws -> Void
    /// The record's JSON.
    public var render: @Sendable (_ row: Row, _ writer: inout JSONWriter) -> Void
    /// Read-only values computed when the record is read (a segment's `member_count`), added
    /// after its stored fields. `writing`: the rendering of a write, on the database writer,
    /// which must not wait for a long computation (every other write would wait with it).
    public var computed: (@Sendable (_ connection: StoreConnection, _ row: Row, _ writing: Bool) throws -> [(String, JSONValue)])?

    public init(
        schema: RecordSchema,
        prepare: @escaping @Sendable (StoreConnection, inout [String: SQLValue], inout [String: SQLValue], Row?, Timestamp) throws -> Void =
            {
                _, _, _, _, _ in
            },
        afterWrite: @escaping @Sendable (StoreConnection, Row?, Row, Int64?, Timestamp) throws -> Void = { _, _, _, _, _ in },
        render: (@Sendable (Row, inout JSONWriter) -> Void)? = nil,
        computed: (@Sendable (StoreConnection, Row, Bool) throws -> [(String, JSONValue)])? = nil
    ) {
        self.computed = computed
        self.prepare = prepare
        self.afterWrite = afterWrite
        self.render = render ?? { row, writer in RecordRenderer.writeRecord(schema, row, into: &writer) }
    }
}

/// Create, read, update, delete and list for a resource over a ``RecordStore``, with the rules
/// every resource shares: references must name live records (422), unique fields are checked
/// (409 naming the holder), `If-Match` versions (412), change feed and audit rows in the same
/// transaction.
public struct RecordService: Sendable {
    public let store: RecordStore
    public let hooks: RecordHooks
    /// Fields whose non-null values are unique among live records (e.g. `external_id`).
    public let uniqueFields: [String]

    public var schema: RecordSchema { store.schema }

    /// The text column `q` searches (with `LIKE`), or nil when the list has no `q`.
    public let searchColumn: String?
    /// List parameters of the resource's own, by name (tickets' `sla_breached`).
    public let listParameters: [String: ListParameter]

    /// Takes request-only flags (not stored fields, e.g. an opportunity's `reopen`) out of a
    /// body before it is validated.
    let takeFlags: @Sendable (inout JSONObject) throws(CRMError) -> [String: SQLValue]

    public init(
        schema: RecordSchema, searchColumn: String? = nil, listParameters: [String: ListParameter] = [:],
        takeFlags: @escaping @Sendable (inout JSONObject) throws(CRMError) -> [String: SQLValue] = { _ in [:] },
        uniqueFields: [String] = [], hooks: RecordHooks? = nil
    ) {
        self.takeFlags = takeFlags
        store = RecordStore(schema: schema)
        self.uniqueFields = uniqueFields
        self.hooks = hooks ?? RecordHooks(schema: schema)
        self.searchColumn = searchColumn
        self.listParameters = listParameters
    }

    /// A request body as changes: its flags taken out, then every field validated.
    public func parse(_ body: JSONObject, mode: RecordInput.Mode) throws(CRMError) -> RecordChanges {
        var fields = body
        let flags = try takeFlags(&fields)
        var changes = try RecordInput.parse(fields, schema: schema, mode: mode)
        changes.flags = flags
        return changes
    }

    /// ``parse(_:mode:)`` for a request, answering one 422 with every invalid field: when some
    /// fields do not validate, the valid ones still get the checks the write would make — their
    /// references, the resource's own rules (a lost stage's `lost_reason`) — in a read, so the
    /// client does not learn of those only after fixing the first batch. `id` is the record a
    /// PATCH targets. Nothing is written: the read's connection cannot write.
    public func parse(_ body: JSONObject, mode: RecordInput.Mode, checkingIn database: Database, id: Int64?, now: Timestamp) throws
        -> RecordChanges
    {
        var fields = body
        var issues: [FieldIssue] = []
        var flags: [String: SQLValue] = [:]
        do {
            flags = try takeFlags(&fields)
        } catch {
            guard case .validation(let found) = error else { throw error }
            issues += found
        }
        var (changes, found) = RecordInput.collecting(fields, schema: schema, mode: mode)
        changes.flags = flags
        issues += found
        guard !issues.isEmpty else { return changes }
        let named = Set(issues.map(\.field))
        // Best effort: the body is refused whatever this finds, so a failed read only means a
        // shorter list.
        let more = (try? database.read { connection in try self.writeIssues(connection, changes, id: id, now: now) }) ?? []
        var added = Set<String>()
        issues += more.filter { !named.contains($0.field) && added.insert($0.field).inserted }
        throw CRMError.validation(issues)
    }

    /// The invalid fields the write of `changes` would find (references, the resource's rules),
    /// without writing; empty when `id` names no live record (the write would answer 404).
    private func writeIssues(_ connection: StoreConnection, _ changes: RecordChanges, id: Int64?, now: Timestamp) throws -> [FieldIssue] {
        var before: Row?
        if let id {
            guard let row = try store.find(connection, id: id) else { return [] }
            before = row
        }
        var values = Self.values(changes)
        var extra: [String: SQLValue] = [:]
        var issues = try referenceIssues(connection, values, before: before)
        do {
            try hooks.prepare(connection, &values, &extra, before, now)
        } catch CRMError.validation(let found) {
            issues += found
        } catch {
            // A refusal of another kind (a closed ticket's 409) is the write's to give, once
            // the body is valid.
        }
        return issues
    }

    /// Writes a page of the list as JSON array elements into `writer`: `request`'s filters and
    /// sort, its `q` over ``searchColumn``, and `parameters` (name, value) of
    /// ``listParameters`` judged at `now`. Returns the position after the page, or nil at the end.
    public func renderPage(
        _ connection: StoreConnection, _ request: ListRequest, parameters: [(name: String, value: String)] = [], now: Timestamp,
        into writer: inout JSONWriter
    ) throws -> (key: JSONValue, id: Int64)? {
        var conditions: [ListCondition] = []
        if let text = request.search, let searchColumn { conditions.append(.like(column: searchColumn, text)) }
        for (name, value) in parameters {
            if let parameter = listParameters[name] { conditions.append(try parameter.condition(value, now)) }
        }
        let search = ListCondition.all(conditions).map { (sql: $0.sql, bindings: $0.bindings) }
        let page = try store.list(connection, request, search: search)
        guard hooks.computed != nil else {
            for row in page.items { hooks.render(row, &writer) }
            return page.next
        }
        // Computed values that may take long (segments' counts) share one budget for the page.
        try SharedRuleBudget.sharing {
            for row in page.items { writer.rawJSON(try json(connection, row)) }
        }
        return page.next
    }

    public func json(_ row: Row) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        hooks.render(row, &writer)
        return writer.bytes
    }

    /// The record's JSON with its computed values.
    func json(_ connection: StoreConnection, _ row: Row, writing: Bool = false) throws -> [UInt8] {
        var bytes = json(row)
        guard let computed = hooks.computed else { return bytes }
        let values = try computed(connection, row, writing)
        guard !values.isEmpty, bytes.last == UInt8(ascii: "}") else { return bytes }
        bytes.removeLast()
        for (name, value) in values {
            bytes.append(UInt8(ascii: ","))
            bytes += JSONWriter.encodedKey(name)
            bytes += value.serialized()
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The shared write flow over this resource's store and renderer.
    var flow: WriteFlow {
        let store = self.store
        let service = self
        return WriteFlow(
            schema: schema, find: { try store.find($0, id: $1, includeDeleted: $2) }, render: { try service.json($0, $1, writing: true) })
    }

    /// The live record, rendered (`writing`: for a write's answer, on the writer; see ``RecordHooks/computed``).
    public func record(_ connection: StoreConnection, id: Int64, writing: Bool = false) throws -> StoredRecord? {
        try store.find(connection, id: id).map { StoredRecord(row: $0, json: try json(connection, $0, writing: writing)) }
    }

    public func create(_ connection: StoreConnection, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws -> Row {
        try createRecord(connection, changes, actor: actor, now: now).row
    }

    public func createRecord(_ connection: StoreConnection, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws -> StoredRecord
    {
        try changes.requireFields(of: schema)
        let hooks = self.hooks
        return try flow.create(
            connection, actor: actor, now: now,
            insert: {
                var values = Self.values(changes)
                var extra: [String: SQLValue] = [:]
                try prepareAndCheck(connection, &values, &extra, before: nil, now: now)
                return try store.insert(connection, values: values, extra: extra, now: now)
            },
            derive: { after in try hooks.afterWrite(connection, nil, after, actor, now) })
    }

    public func update(
        _ connection: StoreConnection, id: Int64, _ changes: RecordChanges, ifMatch: VersionCondition?, actor: Int64?, now: Timestamp
    )
        throws
        -> Row
    {
        try updateRecord(connection, id: id, changes, ifMatch: ifMatch, actor: actor, now: now).row
    }

    public func updateRecord(
        _ connection: StoreConnection, id: Int64, _ changes: RecordChanges, ifMatch: VersionCondition?, actor: Int64?, now: Timestamp
    ) throws -> StoredRecord {
        let before = try current(connection, id: id, ifMatch: ifMatch)
        let hooks = self.hooks
        return try flow.update(
            connection, before: before, actor: actor, now: now,
            write: {
                var values = Self.values(changes)
                var extra: [String: SQLValue] = [:]
                try prepareAndCheck(connection, &values, &extra, before: before, now: now)
                let fieldsUnchanged = schema.fields.allSatisfy { field in values[field.name].map { $0 == before[field.column] } ?? true }
                if fieldsUnchanged && extra.allSatisfy({ before[$0.key] == $0.value }) { return false }
                try store.update(connection, id: id, values: values, extra: extra, now: now)
                return true
            },
            derive: { before, after in try hooks.afterWrite(connection, before, after, actor, now) })
    }

    public func delete(_ connection: StoreConnection, id: Int64, ifMatch: VersionCondition?, actor: Int64?, now: Timestamp) throws {
        let hooks = self.hooks
        try flow.delete(
            connection, id: id, ifMatch: ifMatch, actor: actor, now: now,
            softDelete: { try store.softDelete(connection, id: id, now: now) },
            derive: { before, after in try hooks.afterWrite(connection, before, after, actor, now) })
    }

    /// The live record, checked against `If-Match`.
    public func current(_ connection: StoreConnection, id: Int64, ifMatch: VersionCondition?) throws -> Row {
        try flow.current(connection, id: id, ifMatch: ifMatch)
    }

    static func values(_ changes: RecordChanges) -> [String: SQLValue] {
        var values: [String: SQLValue] = changes.flags
        for (field, change) in changes.entries {
            if case .set(let value) = change { values[field.name] = value }
        }
        return values
    }

    /// Runs the resource's rules and the reference checks, reporting their invalid fields together
    /// (a 422 lists every invalid field at once), then the unique checks (409).
    private func prepareAndCheck(
        _ connection: StoreConnection, _ values: inout [String: SQLValue], _ extra: inout [String: SQLValue], before: Row?, now: Timestamp
    ) throws {
        var issues = try referenceIssues(connection, values, before: before)
        do {
            try hooks.prepare(connection, &values, &extra, before, now)
        } catch CRMError.validation(let found) {
            issues += found.filter { issue in !issues.contains { $0.field == issue.field } }
        }
        if !issues.isEmpty { throw CRMError.validation(issues) }
        try checkUniques(connection, values, except: before?.int64("id"))
        if let before { try refuseErasedText(connection, values, before: before) }
    }

    /// The fields an erase cleared on a record of the customer (an interaction's subject and
    /// body, a feedback's comment: ``ErasedForm``) stay cleared: setting one is a `409`, as every
    /// write to the erased customer is. Other writes (a status, an amount) go on: the records stay
    /// for reports.
    private func refuseErasedText(_ connection: StoreConnection, _ values: [String: SQLValue], before: Row) throws {
        guard let form = ErasedForm.allCases.first(where: { $0.recordType == schema.recordType && $0 != .customer }) else { return }
        let personal = form.fields.map(\.name).filter { values[$0] != nil && values[$0] != .null }
        guard !personal.isEmpty, case .integer(let customer) = values["customer_id"] ?? before["customer_id"],
            try CustomerErasure.isErased(connection, id: customer)
        else { return }
        throw CRMError.conflict(
            "customer \(customer) was erased: an erased customer is final",
            personal.map { FieldIssue($0, "erased", "customer \(customer) was erased; what erasure cleared stays cleared") })
    }

    /// References that do not name a live record (or name an erased customer, which takes no new
    /// records): a 422 naming the field, not a 404.
    private func referenceIssues(_ connection: StoreConnection, _ values: [String: SQLValue], before: Row?) throws -> [FieldIssue] {
        var issues: [FieldIssue] = []
        for field in schema.fields {
            guard case .reference(let table) = field.kind, case .integer(let target)? = values[field.name] else { continue }
            if try !RecordStore.exists(connection, table: table, id: target) {
                issues.append(FieldIssue(field.name, "not_found", "no live record \(target) in \(table)"))
            } else if table == CustomerSchema.schema.table, before?[field.column] != .integer(target),
                try CustomerErasure.isErased(connection, id: target)
            {
                // Nothing new is recorded about an erased person.
                issues.append(FieldIssue(field.name, "erased", "customer \(target) was erased: it takes no new records"))
            }
        }
        return issues
    }

    private func checkUniques(_ connection: StoreConnection, _ values: [String: SQLValue], except id: Int64?) throws {
        var issues: [FieldIssue] = []
        for name in uniqueFields {
            guard let field = schema.field(name), case .text(let value)? = values[name] else { continue }
            if let holder = try store.holder(connection, field: field, value: value, except: id) {
                issues.append(FieldIssue(name, "taken", "another \(schema.recordType) has this \(name)", holderID: holder))
            }
        }
        if !issues.isEmpty { throw CRMError.conflict("a unique field is taken", issues) }
    }
}
