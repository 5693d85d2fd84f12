import SQLite

/// The SQL every simple resource shares: a table with `id`, the schema's columns,
/// `created_at`, `updated_at`, `deleted_at` and `version`. Column names come only from the
/// schema (an allow-list), values only through bindings.
public struct RecordStore: Sendable {
    public let schema: RecordSchema
    private let alias = "r"

    public init(schema: RecordSchema) {
        self.schema = schema
    }

    public func find(_ connection: StoreConnection, id: Int64, includeDeleted: Bool = false) throws -> Row? {
        let live = includeDeleted ? "" : " AND deleted_at IS NULL"
        return try connection.queryOne("SELECT * FROM \(schema.table) WHERE id = ?\(live)", [.integer(id)])
    }

    /// Whether a live record with this id exists in `table` (reference checks).
    public static func exists(_ connection: StoreConnection, table: String, id: Int64) throws -> Bool {
        try connection.queryOne("SELECT 1 FROM \(table) WHERE id = ? AND deleted_at IS NULL", [.integer(id)]) != nil
    }

    /// The `customer_id` of the live record `id` in `table` (a link must stay with one customer).
    static func customerID(_ connection: StoreConnection, table: String, id: Int64) throws -> Int64? {
        try connection.queryOne("SELECT customer_id FROM \(table) WHERE id = ? AND deleted_at IS NULL", [.integer(id)])?.int64(0)
    }

    /// How many live records of `customerID` in `table` link to record `id` through `field`
    /// (feedback or interactions naming a ticket or an opportunity); the customer's index finds them.
    static func linkCount(_ connection: StoreConnection, table: String, field: String, id: Int64, customerID: Int64) throws -> Int64 {
        try connection.queryOne(
            "SELECT count(*) FROM \(table) WHERE customer_id = ? AND \(field) = ? AND deleted_at IS NULL",
            [.integer(customerID), .integer(id)]
        )?.int64(0) ?? 0
    }

    /// The live record other than `id` whose `field` holds `value` (unique fields).
    func holder(_ connection: StoreConnection, field: FieldDefinition, value: String, except id: Int64?) throws -> Int64? {
        try connection.queryOne(
            "SELECT id FROM \(schema.table) WHERE \(field.column) = ? AND deleted_at IS NULL AND id != ?",
            [.text(value), .integer(id ?? 0)]
        )?.int64(0)
    }

    /// The live records of these customers, in id order (what a merge moves one by one).
    public func liveIDs(_ connection: StoreConnection, customerIDs: [Int64]) throws -> [Int64] {
        let placeholders = Array(repeating: "?", count: customerIDs.count).joined(separator: ", ")
        return try connection.query(
            "SELECT id FROM \(schema.table) WHERE customer_id IN (\(placeholders)) AND deleted_at IS NULL ORDER BY id",
            customerIDs.map(SQLValue.integer)
        ).compactMap { $0.int64(0) }
    }

    /// Points these customers' deleted records at `survivor` too, so nothing of theirs is left
    /// behind a merge (deleted records are not in lists or the feed, so they move quietly).
    public func moveDeleted(_ connection: StoreConnection, customerIDs: [Int64], to survivor: Int64) throws {
        let placeholders = Array(repeating: "?", count: customerIDs.count).joined(separator: ", ")
        try connection.run(
            "UPDATE \(schema.table) SET customer_id = ? WHERE customer_id IN (\(placeholders)) AND deleted_at IS NOT NULL",
            [.integer(survivor)] + customerIDs.map(SQLValue.integer))
    }

    /// Inserts a record: schema values by field name plus server-owned `extra` columns.
    public func insert(_ connection: StoreConnection, values: [String: SQLValue], extra: [String: SQLValue] = [:], now: Timestamp) throws
        -> Int64
    {
        var columns: [String] = []
        var bindings: [SQLValue] = []
        for field in schema.fields {
            guard let value = values[field.name] else { continue }
            columns.append(field.column)
            bindings.append(value)
        }
        for (column, value) in extra.sorted(by: { $0.key < $1.key }) {
            columns.append(column)
            bindings.append(value)
        }
        columns += ["created_at", "updated_at", "version"]
        bindings += [.text(now.rfc3339), .text(now.rfc3339), .integer(1)]
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return try connection.insert("INSERT INTO \(schema.table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))", bindings)
    }

    /// Sets the given fields and extra columns, bumping `version` and `updated_at`.
    public func update(
        _ connection: StoreConnection, id: Int64, values: [String: SQLValue], extra: [String: SQLValue] = [:], now: Timestamp
    )
        throws
    {
        var assignments: [String] = []
        var bindings: [SQLValue] = []
        for field in schema.fields {
            guard let value = values[field.name] else { continue }
            assignments.append("\(field.column) = ?")
            bindings.append(value)
        }
        for (column, value) in extra.sorted(by: { $0.key < $1.key }) {
            assignments.append("\(column) = ?")
            bindings.append(value)
        }
        assignments += ["updated_at = ?", "version = version + 1"]
        bindings += [.text(now.rfc3339), .integer(id)]
        try connection.run("UPDATE \(schema.table) SET \(assignments.joined(separator: ", ")) WHERE id = ?", bindings)
    }

    public func softDelete(_ connection: StoreConnection, id: Int64, now: Timestamp) throws {
        try connection.run(
            "UPDATE \(schema.table) SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            [.text(now.rfc3339), .text(now.rfc3339), .integer(id)])
    }

    /// A keyset page; `search` is a condition on alias `r` with its bindings.
    public func list(_ connection: StoreConnection, _ request: ListRequest, search: (sql: String, bindings: [SQLValue])? = nil) throws
        -> ListPage<Row>
    {
        let query = ListQuery(
            select: "r.*", from: "\(schema.table) r", alias: alias, request: request, search: search, dialect: connection.dialect)
        if search == nil, mayWalk(request), try Self.plannerSorts(connection, query), let page = try walkedPage(connection, request) {
            return page
        }
        return try query.page(connection)
    }

    /// Whether a walk of the sort's index could serve the page: sorted by something other than
    /// id, filtered on a column, and by nothing that names one record or a customer's few.
    private func mayWalk(_ request: ListRequest) -> Bool {
        request.sortField.sortExpression != "\(alias).id"
            && request.filters.contains(where: { if case .expression = $0.field.filtering { true } else { false } })
            && !request.filters.contains(where: { $0.op == .eq && Self.narrowFilters.contains($0.field.name) })
    }

    /// Whether SQLite's plan for one of `query`'s statements sorts what it reads (a temporary
    /// b-tree for the `ORDER BY`), asked of SQLite once per page shape and remembered: an index
    /// that serves the filter and the sort together (`tasks_by_assignee` for "my open tasks by due
    /// date") reads the page in order, and a walk of the sort's index could only be slower.
    static func plannerSorts(_ connection: StoreConnection, _ query: ListQuery) throws -> Bool {
        try sortingPlans.answer(connection, query)
    }

    /// Every statement of the page is asked: after a cursor, the rows sharing its key are read in
    /// id order (no sort) and the rest in the sort's order, which is where a plan sorts.
    private static let sortingPlans = QueryPlanMemo { plans in
        plans.contains { $0.contains { $0.contains("TEMP B-TREE FOR") } }
    }

    /// Filters that name one record or a customer's few: the planner's plan, through their index,
    /// serves them at once, and a walk would only spend its budget.
    static let narrowFilters: Set<String> = ["id", "external_id", "customer_id"]

    /// CPU time the walk of a sort's index may take for a filtered page (``walkedPage(_:_:)``).
    /// Each entry walked costs a seek of its row (a record's sort key is not in id order), about
    /// 5 µs: 10 ms walk about 2,000 rows, so a filter that one row in 40 passes fills a page of 50
    /// within it, where the planner's plan would read and sort 35,000 rows of 1,381,000 orders
    /// (`status=refunded&sort=-updated_at`: 175 ms, and 4 ms walked). A filter rarer than that
    /// pays the budget and then the planner's plan, which reads few rows for it.
    static let sortWalkBudget: Duration = .milliseconds(10)

    /// A page filtered on a column and sorted by something other than id, found by walking the
    /// sort's index and testing each row, within ``sortWalkBudget`` of CPU time on a SQLite
    /// reader; nil when the walk does not fill the page within it (a filter few rows match), or
    /// for any other page.
    ///
    /// SQLite's planner, without statistics, takes an equality on an indexed column for a narrow
    /// one, as for customers (``CustomerStore``'s `walkedPage`): `status=paid&sort=-updated_at`
    /// read all 1,243,000 paid orders through `orders_by_status` and sorted them for each page
    /// (0.65-0.74 s on the benchmark's database), where walking `orders_by_updated` finds the
    /// page among its first rows (1-3 ms).
    private func walkedPage(_ connection: StoreConnection, _ request: ListRequest) throws -> ListPage<Row>? {
        guard let reader = connection.sqlite, reader.isReadOnly, mayWalk(request) else { return nil }
        let walk = ListQuery(
            select: "r.*", from: "\(schema.table) r", alias: alias, request: request, walkingSort: true, dialect: .sqlite)
        return try reader.withinBudget(cpuTime: Self.sortWalkBudget) { try walk.page(connection) }
    }

    /// The list fields for every filterable schema field plus `id`, `created_at`, `updated_at`
    /// (alias `r`); `sortable` names the fields that may be sorted by.
    public static func listFields(_ schema: RecordSchema, extra: [ListField] = []) -> [ListField] {
        var fields: [ListField] = [
            ListField("id", kind: .integer(minimum: 1, maximum: .max), filter: .expression("r.id"), sort: "r.id"),
            ListField("created_at", kind: .timestamp, filter: .expression("r.created_at"), sort: "r.created_at"),
            ListField("updated_at", kind: .timestamp, filter: .expression("r.updated_at"), sort: "r.updated_at"),
        ]
        for field in schema.fields where field.filterable {
            fields.append(ListField(field.name, kind: field.kind, filter: .expression("r.\(field.column)"), sort: sortExpression(field)))
        }
        return fields + extra
    }

    /// What a sortable field sorts by: its column, or for an optional one a value that puts a
    /// missing value first ascending (API.md) and is of the field's own type, which PostgreSQL
    /// requires (`coalesce(amount, '')` was a `500` there, and on SQLite, where a number sorts
    /// before any text, put a missing amount last). Each has an index of the same expression.
    static func sortExpression(_ field: FieldDefinition) -> String? {
        guard field.sortable else { return nil }
        if field.required { return "r.\(field.column)" }
        if case .integer(let minimum, _) = field.kind {
            precondition(minimum > .min, "no integer sorts before \(field.name)'s values")
            return "coalesce(r.\(field.column), \(minimum - 1))"
        }
        return "coalesce(r.\(field.column), '')"
    }
}
