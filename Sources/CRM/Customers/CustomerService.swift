import JSON
import SQLite

/// The rules of the customers resource; SQL lives in ``CustomerStore``.
///
/// Every write runs on the database writer (the `StoreConnection` it is handed) and records its
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

    public func get(_ connection: StoreConnection, id: Int64) throws -> Row? {
        try CustomerStore.find(connection, id: id)
    }

    /// Whether `id` names a live customer.
    public func exists(_ connection: StoreConnection, id: Int64) throws -> Bool {
        try RecordStore.exists(connection, table: schema.table, id: id)
    }

    /// The live customer whose `external_id` is `externalID`, rendered.
    public func record(_ connection: StoreConnection, externalID: String) throws -> StoredRecord? {
        try CustomerStore.findLive(connection, externalID: externalID).map { StoredRecord(row: $0, json: renderer.json($0)) }
    }

    /// The live customer, rendered from the database row in place (the hot path of
    /// `GET /v1/customers/{id}`).
    public func record(_ connection: StoreConnection, id: Int64) throws -> StoredRecord? {
        try CustomerStore.render(connection, id: id, renderer: renderer).map { StoredRecord(id: id, version: $0.version, json: $0.json) }
    }

    /// The customer, live or deleted (a tombstone still holds the person's data: a data-subject
    /// request reaches it).
    func recordIncludingDeleted(_ connection: StoreConnection, id: Int64) throws -> StoredRecord? {
        try CustomerStore.find(connection, id: id, includeDeleted: true).map { StoredRecord(row: $0, json: renderer.json($0)) }
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

    public func list(_ connection: StoreConnection, _ request: ListRequest) throws -> ListPage<Row> {
        try CustomerStore.list(connection, request)
    }

    /// A live customer's JSON and version, rendered from the database row in place (the hot
    /// path of `GET /v1/customers/{id}`).
    public func render(_ connection: StoreConnection, id: Int64) throws -> (version: Int64, json: [UInt8])? {
        try CustomerStore.render(connection, id: id, renderer: renderer)
    }

    /// Writes a page's customers as JSON array elements into `writer`, rendered in place;
    /// returns the position after the page, or nil at the end.
    public func renderPage(_ connection: StoreConnection, _ request: ListRequest, into writer: inout JSONWriter) throws -> (
        key: JSONValue, id: Int64
    )? {
        let renderer = self.renderer
        return try CustomerStore.renderList(connection, request) { row in renderer.write(row, into: &writer) }
    }

    /// Writes a page of the live customers matching `rules` (and `request`'s filters and sort)
    /// into `output`'s open array; the position after the page, or nil at the end.
    public func renderMatching(_ connection: StoreConnection, _ request: ListRequest, rules: RuleTree, into output: inout JSONWriter) throws
        -> (key: JSONValue, id: Int64)?
    {
        let renderer = self.renderer
        let condition = RuleConditionStore.condition(rules, attributeIndex: .page(request), dialect: connection.dialect)
        return try CustomerStore.renderList(connection, request, rules: condition) { row in
            renderer.write(row, into: &output)
        }
    }

    /// Whether `id` names a live company (one that can have contacts).
    public static func isCompany(_ connection: StoreConnection, id: Int64) throws -> Bool {
        try AccountStore.liveType(connection, id: id) == "company"
    }

    /// Writes a page of the company's live contacts (and `request`'s filters and sort) into
    /// `output`'s open array; the position after the page, or nil at the end.
    public func renderContacts(_ connection: StoreConnection, of companyID: Int64, _ request: ListRequest, into output: inout JSONWriter)
        throws
        -> (key: JSONValue, id: Int64)?
    {
        let renderer = self.renderer
        return try CustomerStore.renderList(
            connection, request, scope: AccountStore.contactsCondition(companyID: companyID)
        ) { row in
            renderer.write(row, into: &output)
        }
    }

    /// How many live customers match `rules` now; nil when counting them would take longer than
    /// ``CustomerStore/ruleTreeBudget``.
    public func count(_ connection: StoreConnection, matching rules: RuleTree) throws -> Int? {
        try CustomerStore.count(
            connection, matching: RuleConditionStore.condition(rules, attributeIndex: .all, dialect: connection.dialect))
    }

    /// The shared write flow over the customer store and renderer.
    var flow: WriteFlow {
        let renderer = self.renderer
        return WriteFlow(
            schema: schema, find: { try CustomerStore.find($0, id: $1, includeDeleted: $2) }, render: { renderer.json($1) },
            refusal: { CustomerErasure.refusal($0) })
    }

    public func create(_ connection: StoreConnection, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws -> Row {
        try createRecord(connection, changes, actor: actor, now: now).row
    }

    public func createRecord(_ connection: StoreConnection, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws -> StoredRecord
    {
        try changes.requireFields(of: schema)
        return try flow.create(
            connection, actor: actor, now: now,
            insert: {
                let values = resolve(changes, existing: nil)
                try check(connection, values, before: nil, now: now)
                try checkUnique(connection, values, except: nil)
                return try CustomerStore.insert(connection, values: values, now: now)
            },
            derive: { after in try refreshAccounts(connection, touchedBy: nil, after, now: now) })
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
        let before = try flow.current(connection, id: id, ifMatch: ifMatch)
        return try apply(connection, changes, to: before, actor: actor, now: now)
    }

    public func delete(_ connection: StoreConnection, id: Int64, ifMatch: VersionCondition?, actor: Int64?, now: Timestamp) throws {
        let flow = self.flow
        try flow.delete(
            connection, id: id, ifMatch: ifMatch, actor: actor, now: now,
            softDelete: {
                // A deleted company's contacts belong to no account (API.md §2).
                try CustomerAccounts.repoint(connection, contactsOf: id, to: nil, flow: flow, actor: actor, now: now)
                try CustomerStore.softDelete(connection, id: id, now: now)
            },
            derive: { before, after in try refreshAccounts(connection, touchedBy: before, after, now: now) })
    }

    /// Moves the rollups of the accounts a customer's write moved it out of or into: the one it
    /// left loses it and its metrics, the one it joined gains them (in id order).
    func refreshAccounts(_ connection: StoreConnection, touchedBy before: Row?, _ after: Row?, now: Timestamp) throws {
        let left = CustomerAccounts.membership(before)
        let joined = CustomerAccounts.membership(after)
        guard left?.company != joined?.company else { return }
        var changes = [(company: Int64, change: AccountTotals)]()
        if let left { changes.append((left.company, left.share.negated)) }
        if let joined { changes.append((joined.company, joined.share)) }
        for (company, change) in changes.sorted(by: { $0.company < $1.company }) {
            try CustomerAccounts.shift(connection, companyID: company, by: change, field: "account_id", renderer: renderer, now: now)
        }
    }

    /// One record of a batch or an import, in a savepoint of its own so that a failing record
    /// leaves no trace and the others go on: an upsert by `key`, or a create without one. The
    /// automations it triggers run right after it, in its savepoint, as after a single write
    /// (API.md: right after the write that fired them), so they see this record as it left it,
    /// not as the batch's later records leave it.
    public func batchWrite(_ connection: StoreConnection, key: UpsertKey?, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws
        -> (id: Int64, created: Bool)
    {
        let events = WriteEvents.of(connection)
        do {
            return try connection.savepoint("batch_record") {
                let written: (id: Int64, created: Bool)
                if let key {
                    let (record, created) = try upsertRecord(connection, key: key, changes, actor: actor, now: now)
                    written = (record.id, created)
                } else {
                    written = (try createRecord(connection, changes, actor: actor, now: now).id, true)
                }
                _ = try events?.settle(connection)
                return written
            }
        } catch {
            events?.discard()
            throw error
        }
    }

    /// One keyset page of an export: `body` gets each customer's row in turn; the position of the
    /// next page, nil at the end. On SQLite the rows are read in place inside the read (no row is
    /// copied); PostgreSQL's rows are copies anyway, and are handed out after it, so a pool
    /// connection is held for the query only (32 slow exports at once otherwise kept a `GET`
    /// waiting over a second for one, `SlowExportTests`).
    public func forEachExported(_ database: Database, _ request: ListRequest, _ body: (StoreRow) -> Void) throws -> (
        key: JSONValue, id: Int64
    )? {
        if database.readsCopies {
            let page = try database.read { try CustomerStore.list($0, request) }
            for row in page.items { body(.copy(row)) }
            return page.next
        }
        return try database.read { connection in
            try CustomerStore.renderList(connection, request) { body($0) }
        }
    }

    /// One keyset page of an NDJSON export written into `writer`: each customer its API object on
    /// a line of its own (``forEachExported(_:_:_:)``).
    public func renderExportLines(_ database: Database, _ request: ListRequest, into writer: inout JSONWriter) throws -> (
        key: JSONValue, id: Int64
    )? {
        let renderer = self.renderer
        return try forEachExported(database, request) { row in
            renderer.write(row, into: &writer)
            writer.newline()
        }
    }

    /// Creates the customer `key` names, or updates it (merge semantics): `created` tells which.
    /// An ``UpsertKey/id(_:)`` that names no live customer creates nothing: it is a `422` naming `id`.
    public func upsert(_ connection: StoreConnection, key: UpsertKey, _ changes: RecordChanges, actor: Int64?, now: Timestamp) throws -> (
        row: Row, created: Bool
    ) {
        let (record, created) = try upsertRecord(connection, key: key, changes, actor: actor, now: now)
        return (record.row, created)
    }

    /// ``upsert(_:key:_:actor:now:)``, rendered. With `ifMatch` (a `PUT` with `If-Match`), the
    /// customer found must have one of its versions, and none found is a `412` too: the client
    /// meant to update a record it had seen, not to create one.
    public func upsertRecord(
        _ connection: StoreConnection, key: UpsertKey, _ changes: RecordChanges, ifMatch: VersionCondition? = nil, actor: Int64?,
        now: Timestamp
    ) throws -> (record: StoredRecord, created: Bool) {
        let existing = try live(connection, key)
        if existing == nil, case .id(let id) = key {
            throw CRMError.validation([FieldIssue("id", "not_found", "no live customer \(id)")])
        }
        if let existing {
            if let ifMatch, let version = existing.int64("version"), !ifMatch.admits(version) {
                throw CRMError.versionMismatch(current: version)
            }
            return (try apply(connection, changes, to: existing, actor: actor, now: now), false)
        }
        if ifMatch != nil { throw CRMError.noCurrentVersion }
        return (try createRecord(connection, changes, actor: actor, now: now), true)
    }

    private func apply(_ connection: StoreConnection, _ changes: RecordChanges, to before: Row, actor: Int64?, now: Timestamp) throws
        -> StoredRecord
    {
        guard let id = before.int64("id") else { throw StoreError.corruptRow(table: "customers") }
        return try flow.update(
            connection, before: before, actor: actor, now: now,
            write: {
                try write(connection, changes, to: before, id: id, now: now)
            },
            derive: { before, after in try refreshAccounts(connection, touchedBy: before, after, now: now) })
    }

    /// The update itself: checks, then the row; false when it would change nothing.
    private func write(_ connection: StoreConnection, _ changes: RecordChanges, to before: Row, id: Int64, now: Timestamp) throws -> Bool {
        var values = resolve(changes, existing: before)
        try check(connection, values, before: before, now: now)
        try checkUnique(connection, values, except: id)
        if let override = values["tier_override"] {
            // A manual tier shows at once; clearing it falls back to the RFM tier.
            var overrideText: String?
            if case .text(let text) = override { overrideText = text }
            values["__tier"] = .text(CustomerScoring.tier(score: before.int64("rfm_score"), override: overrideText))
        }
        let unchanged = schema.fields.allSatisfy { field in values[field.name].map { $0 == before[field.column] } ?? true }
        if unchanged && values["__tier"].map({ $0 == before["tier"] }) ?? true { return false }
        try CustomerStore.update(connection, id: id, values: values, now: now)
        if values["type"] == .text("company"), before.string("type") != "company" {
            // A person that becomes a company starts its rollup from its own metrics.
            guard let row = try CustomerStore.find(connection, id: id) else { return true }
            try AccountStore.writeRollup(connection, id: id, try CustomerAccounts.rollup(connection, company: row, field: "type"))
        }
        return true
    }

    /// The rules that read the database or the clock (custom fields, the account, a birthday not
    /// yet come), one 422 naming what they find.
    private func check(_ connection: StoreConnection, _ values: [String: SQLValue], before: Row?, now: Timestamp) throws {
        let issues = try checkIssues(connection, values, before: before, now: now)
        if !issues.isEmpty { throw CRMError.validation(issues) }
    }

    private func checkIssues(_ connection: StoreConnection, _ values: [String: SQLValue], before: Row?, now: Timestamp) throws
        -> [FieldIssue]
    {
        var issues: [FieldIssue] = []
        // A date of birth is in the past; a day of grace, as it is already tomorrow east of UTC.
        if case .text(let text)? = values["birthday"], let birthday = CalendarDate(text), CalendarDate(now).adding(days: 1) < birthday {
            issues.append(FieldIssue("birthday", "in_future", "a birthday cannot be in the future"))
        }
        func collect(_ check: () throws -> Void) throws {
            do {
                try check()
            } catch CRMError.validation(let found) {
                issues += found
            }
        }
        // A PATCH merges attributes key by key: the limit holds for what it would store, not only
        // for what it sends.
        if before != nil, case .text(let json)? = values["attributes"],
            let count = (try? JSONParser.parse(json))?.objectValue?.count, count > FieldValue.maximumAttributes
        {
            issues.append(
                FieldIssue(
                    "attributes", "too_many",
                    "with these, the customer would have \(count) attributes, and a customer has at most \(FieldValue.maximumAttributes)"
                        + " (null removes one)"))
        }
        // The custom fields are checked on create and on a write that sends attributes (as
        // merged): a write of other fields does not answer for attributes it leaves alone.
        if before == nil || values["attributes"] != nil {
            try collect { try CustomFieldRules.check(connection, attributes: values["attributes"]) }
        }
        try collect { try CustomerAccounts.check(connection, values, before: before) }
        return issues
    }

    /// Every invalid field of a customer write whose body already failed its own validation
    /// (`known`, from parsing; `changes` holds the fields that passed): what the write would also
    /// find — the required fields when it would create, custom fields, the account — so one 422
    /// lists them all. Reads only. The record is the one `key` finds — for ``UpsertKey/id(_:)``
    /// (a PATCH, an import row with an id) none found means the body's issues alone; for the
    /// others none found means a create — or none without a key (a create).
    public func issues(_ connection: StoreConnection, _ changes: RecordChanges, known: [FieldIssue], key: UpsertKey?, now: Timestamp)
        throws -> [FieldIssue]
    {
        let before = try key.flatMap { try live(connection, $0) }
        if before == nil, case .id = key { return known }
        var more = before == nil ? changes.missingRequired(of: schema) : []
        more += try checkIssues(connection, resolve(changes, existing: before), before: before, now: now)
        var named = Set(known.map(\.field))
        return known + more.filter { named.insert($0.field).inserted }
    }

    /// The live customer `key` names, if any.
    private func live(_ connection: StoreConnection, _ key: UpsertKey) throws -> Row? {
        switch key {
        case .externalID(let externalID): try CustomerStore.findLive(connection, externalID: externalID)
        case .email(let email): try CustomerStore.findLive(connection, email: email)
        case .id(let id): try CustomerStore.find(connection, id: id)
        }
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

    func checkUnique(_ connection: StoreConnection, _ values: [String: SQLValue], except id: Int64?) throws {
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
