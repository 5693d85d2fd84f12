import JSON
import SQLite

/// All SQL for customers: the row, its tag rows and its search document move together.
enum CustomerStore {
    static let schema = CustomerSchema.schema
    /// Computed once: `RecordSchema.writableFields` filters on every call.
    private static let writableFields = schema.writableFields

    static func find(_ connection: StoreConnection, id: Int64, includeDeleted: Bool = false) throws -> Row? {
        try connection.queryOne(
            includeDeleted ? "SELECT * FROM customers WHERE id = ?" : "SELECT * FROM customers WHERE id = ? AND deleted_at IS NULL",
            [.integer(id)])
    }

    static func findLive(_ connection: StoreConnection, email: String) throws -> Row? {
        try connection.queryOne(
            "SELECT * FROM customers WHERE email_normalized = ? AND deleted_at IS NULL", [.text(EmailAddress.normalized(email))])
    }

    static func findLive(_ connection: StoreConnection, externalID: String) throws -> Row? {
        try connection.queryOne("SELECT * FROM customers WHERE external_id = ? AND deleted_at IS NULL", [.text(externalID)])
    }

    /// The live customer other than `id` holding `email`, if any.
    static func emailHolder(_ connection: StoreConnection, email: String, except id: Int64?) throws -> Int64? {
        try connection.queryOne(
            "SELECT id FROM customers WHERE email_normalized = ? AND deleted_at IS NULL AND id != ?",
            [.text(EmailAddress.normalized(email)), .integer(id ?? 0)])?.int64(0)
    }

    static func externalIDHolder(_ connection: StoreConnection, externalID: String, except id: Int64?) throws -> Int64? {
        try connection.queryOne(
            "SELECT id FROM customers WHERE external_id = ? AND deleted_at IS NULL AND id != ?", [.text(externalID), .integer(id ?? 0)]
        )?.int64(0)
    }

    /// The columns ``prepare(_:now:)`` gives values for, in its order.
    private static let insertColumns =
        writableFields.map(\.column) + ["email_normalized", "phone_digits", "tier", "created_at", "updated_at", "version"]
    private static let insertSQL = insertStatement(columns: insertColumns)
    private static let insertTagSQL = "INSERT INTO customer_tags (customer_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING"
    private static let insertDocumentSQL = "INSERT INTO customers_fts (rowid, document) VALUES (?, ?)"
    /// A write's search document waits for the end of its batch (migration 0026).
    private static let stageDocumentSQL = """
        INSERT INTO customer_search_pending (customer_id, document) VALUES (?, ?)
        ON CONFLICT (customer_id) DO UPDATE SET document = excluded.document
        """

    private static func insertStatement(columns: [String]) -> String {
        "INSERT INTO customers (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    /// Inserts a new customer from validated values (by field name; absent ones are null).
    static func insert(_ connection: StoreConnection, values: [String: SQLValue], now: Timestamp) throws -> Int64 {
        let customer = prepare(values, now: now)
        let id = try connection.insert(insertSQL, customer.bindings)
        try writeSideTables(connection, id: id, tags: customer.tags, document: customer.document)
        return id
    }

    /// A new customer's row and side-table data, computed without a connection (so a bulk load
    /// can prepare rows on one thread while another writes them).
    static func prepare(_ values: [String: SQLValue], now: Timestamp) -> PreparedCustomer {
        var values = values
        if case .text(let tier)? = values["tier_override"] { values["__tier"] = .text(tier) }
        var bindings = writableFields.map { field -> SQLValue in
            if let value = values[field.name] { return value }
            switch field.kind {
            case .tags: return .text("[]")
            case .attributes: return .text("{}")
            default: return .null
            }
        }
        bindings += [
            normalizedEmail(values["email"]), phoneDigits(values["phone"]), values["__tier"] ?? .text("standard"), .text(now.rfc3339),
            .text(now.rfc3339),
            .integer(1),
        ]
        let (tags, document) = sideTableData(
            name: values["name"], email: values["email"], phone: values["phone"], company: values["company"], tags: values["tags"])
        return PreparedCustomer(bindings: bindings, tags: tags, document: document)
    }

    /// Inserts prepared customers on statements compiled once (a bulk load), each with the
    /// server-derived `derivedColumns` its load already knows.
    final class BulkInserter {
        private let connection: SQLite.Connection
        private let row: Statement
        private let tag: Statement
        private let search: Statement?

        /// Without `writesSearchDocument`, the caller builds the search index itself.
        init(_ connection: SQLite.Connection, derivedColumns: [String], writesSearchDocument: Bool = true) throws {
            self.connection = connection
            row = try connection.prepare(CustomerStore.insertStatement(columns: insertColumns + derivedColumns))
            tag = try connection.prepare(insertTagSQL)
            search = writesSearchDocument ? try connection.prepare(insertDocumentSQL) : nil
        }

        /// Returns the new customer's id.
        func insert(_ customer: PreparedCustomer, derived: [SQLValue]) throws -> Int64 {
            try row.runBorrowing(customer.bindings + derived)
            let id = connection.lastInsertRowID
            for name in customer.tags {
                try tag.runBorrowing([.integer(id), .text(name)])
            }
            if let search {
                try search.runBorrowing([.integer(id), .text(customer.document)])
            }
            return id
        }
    }

    /// Sets the given columns, bumps `version` and `updated_at`.
    static func update(_ connection: StoreConnection, id: Int64, values: [String: SQLValue], now: Timestamp) throws {
        var assignments: [String] = []
        var bindings: [SQLValue] = []
        for field in writableFields {
            guard let value = values[field.name] else { continue }
            assignments.append("\(field.column) = ?")
            bindings.append(value)
        }
        if let tier = values["__tier"] {
            assignments.append("tier = ?")
            bindings.append(tier)
        }
        if let email = values["email"] {
            assignments.append("email_normalized = ?")
            bindings.append(normalizedEmail(email))
        }
        if let phone = values["phone"] {
            assignments.append("phone_digits = ?")
            bindings.append(phoneDigits(phone))
        }
        assignments += ["updated_at = ?", "version = version + 1"]
        bindings += [.text(now.rfc3339), .integer(id)]
        try connection.run("UPDATE customers SET \(assignments.joined(separator: ", ")) WHERE id = ?", bindings)
        if values["tags"] != nil || values["name"] != nil || values["email"] != nil || values["phone"] != nil || values["company"] != nil {
            try syncSideTables(connection, id: id)
        }
    }

    /// Adds `delta` to a customer's loyalty balance (a merge adds the merged customers' balances).
    static func addLoyaltyPoints(_ connection: StoreConnection, id: Int64, delta: Int64) throws {
        try connection.run("UPDATE customers SET loyalty_points = loyalty_points + ? WHERE id = ?", [.integer(delta), .integer(id)])
    }

    /// Writes server-derived columns (metrics, scores, lifecycle) that differ from `before`: bumps
    /// the version, since the representation changed, and records a feed entry when asked, with no
    /// audit entry (nobody edited the record). Returns whether anything changed.
    static func updateDerived(
        _ connection: StoreConnection, before: Row, _ values: [(column: String, value: SQLValue)], renderer: CustomerRenderer,
        now: Timestamp, recordChange: Bool = true
    ) throws -> Bool {
        guard let id = before.int64("id") else { return false }
        let changed = values.filter { before[$0.column] != $0.value }
        guard !changed.isEmpty else { return false }
        let assignments = changed.map { "\($0.column) = ?" } + ["updated_at = ?", "version = version + 1"]
        let bindings = changed.map(\.value) + [.text(now.rfc3339), .integer(id)]
        try connection.run("UPDATE customers SET \(assignments.joined(separator: ", ")) WHERE id = ?", bindings)
        if recordChange, let after = try find(connection, id: id, includeDeleted: true) {
            try ChangeLog.record(
                connection, action: .update, schema: schema, id: id, before: before, after: after, data: renderer.json(after), actor: nil,
                now: now, audit: false)
        }
        return true
    }

    static func softDelete(_ connection: StoreConnection, id: Int64, now: Timestamp, mergedInto: Int64? = nil) throws {
        try connection.run(
            "UPDATE customers SET deleted_at = ?, updated_at = ?, merged_into = ?, version = version + 1 WHERE id = ?",
            [.text(now.rfc3339), .text(now.rfc3339), mergedInto.map(SQLValue.integer) ?? .null, .integer(id)])
        try connection.run("DELETE FROM customer_tags WHERE customer_id = ?", [.integer(id)])
        try connection.run(stageDocumentSQL, [.integer(id), .null])
    }

    /// Moves the documents the batch's writes staged into the search index: the writer's last
    /// step before its COMMIT (``Database``), one index segment per batch instead of one per
    /// customer.
    static func flushSearchDocuments(_ connection: StoreConnection) throws {
        guard try connection.queryOne("SELECT 1 FROM customer_search_pending LIMIT 1") != nil else { return }
        try connection.run("DELETE FROM customers_fts WHERE rowid IN (SELECT customer_id FROM customer_search_pending)")
        try connection.run(
            "INSERT INTO customers_fts (rowid, document) SELECT customer_id, document FROM customer_search_pending WHERE document IS NOT NULL"
        )
        try connection.run("DELETE FROM customer_search_pending")
        if let sqlite = connection.sqlite {
            _ = try CustomerErasureStore.mergeSearchIndex(sqlite, pages: flushMergePages, first: false)
        }
    }

    /// FTS5 merges on its own in steps sized by the pages a flush writes: a batch's flush writes
    /// one or two, so a merge that includes a large segment (a seeded index, or one merged whole
    /// after an erasure) advances a page or two per batch while small segments keep arriving at
    /// its level, until that level holds 16 (`crisismerge`) and FTS5 finishes the whole merge in
    /// one batch: a 300 ms stall on 100,000 customers, seconds on a million. A step of this many
    /// pages per batch finishes such merges long before (a no-op when no level holds 4 segments).
    static let flushMergePages = 64

    static func list(_ connection: StoreConnection, _ request: ListRequest) throws -> ListPage<Row> {
        let request = try plannedTags(connection, request)
        guard let query = listQuery(request, dialect: connection.dialect) else { return ListPage(items: [], next: nil) }
        return try query.page(connection)
    }

    /// The page's rows in place (no copies), for rendering; the position after the page.
    /// `rules`, when given, is a compiled rule tree the rows must also match: never an erased
    /// customer (``matching(_:)``), and within ``ruleTreeBudget`` on a reader. `scope`, when
    /// given, is a condition the list narrows itself to (a company's contacts), erased customers
    /// included as in any list.
    static func renderList(
        _ connection: StoreConnection, _ request: ListRequest, rules: ListCondition? = nil, scope: ListCondition? = nil,
        budget: Duration = ruleTreeBudget, _ body: (StoreRow) throws -> Void
    ) throws -> (key: JSONValue, id: Int64)? {
        let request = try plannedTags(connection, request)
        let condition = rules.map(matching) ?? scope
        if let condition, let page = try boundedPage(connection, request, rules: condition) {
            return try render(connection, ids: page, request: request, body)
        }
        if condition == nil, let page = try walkedPage(connection, request) {
            try render(connection, orderedIDs: page.items.compactMap { $0.int64("id") }, body)
            return page.next
        }
        guard let query = listQuery(request, rules: condition, dialect: connection.dialect) else { return nil }
        guard rules != nil, let reader = connection.sqlite, reader.isReadOnly else {
            return try query.render(connection, body)
        }
        guard let position = try reader.withinBudget(cpuTime: budget, { try query.render(connection, body) })
        else { throw tooExpensive }
        return position
    }

    /// CPU time a rule tree may take for a page of its customers or their count, on a reader
    /// (its bounded plans included): a tree of many leaves over many customers can take minutes,
    /// on a worker the other requests share, and a client that has gone away does not stop it.
    /// Past it a page is a `422` (``tooExpensive``) and a segment's `member_count` is null.
    static let ruleTreeBudget: Duration = .seconds(2)

    static let tooExpensive = CRMError.validation([
        FieldIssue(
            "rules", "too_expensive",
            "this rule tree would take longer than \(ruleTreeBudget.components.seconds) s of CPU to run over these customers; "
                + "narrow it (fewer leaves or values, a selective field first)")
    ])

    /// Fewer matching tag rows than this, and `tag=` reads the ids through the tag index first.
    static let rareTagRows = 5_000

    /// `request` with its `tag=` (any-of) filter planned by how many customers hold the tags: a
    /// bounded count through the tag index (at most ``rareTagRows`` entries read) picks
    /// ``CustomerSchema/rareTagField`` for rare ones — a set of at most that many ids, however
    /// the list is sorted — and keeps the row-by-row test for common ones, whose page fills
    /// after a few rows. On 200,000 customers: a tag nobody has, 211 ms → 1 ms; `tag=vip` (25,000
    /// customers) sorted by creation stays 0.3 ms, where the set would cost 58 ms. The answer is
    /// remembered for a minute (``TagRarityMemo``): the count costs about what such a page does.
    static func plannedTags(_ connection: StoreConnection, _ request: ListRequest) throws -> ListRequest {
        guard let index = request.filters.firstIndex(where: { $0.field.name == "tag" && $0.op == .eq }) else { return request }
        let filter = request.filters[index]
        let tags = filter.values.map { $0.stringValue ?? "" }
        let rare: Bool
        if let known = tagRarity.rare(tags) {
            rare = known
        } else {
            let placeholders = Array(repeating: "?", count: filter.values.count).joined(separator: ", ")
            let held =
                try connection.queryOne(
                    "SELECT count(*) FROM (SELECT 1 FROM customer_tags WHERE tag IN (\(placeholders)) LIMIT ?) AS held",
                    filter.values.map(\.sqlValue) + [.integer(Int64(rareTagRows))])?.int(0) ?? 0
            rare = held < rareTagRows
            tagRarity.remember(tags, rare: rare)
        }
        guard rare else { return request }
        var planned = request
        planned.filters[index] = ListFilter(field: CustomerSchema.rareTagField, op: .eq, values: filter.values)
        return planned
    }

    static let tagRarity = TagRarityMemo()

    /// A compiled rule tree as customers match it (segments, `POST /v1/customers/search`, their
    /// counts): never an erased customer, who leaves segments and search. The tree is tested
    /// first (ListQuery says why).
    static func matching(_ rules: ListCondition) -> ListCondition {
        ListCondition(sql: "(\(rules.sql)) AND c.erased_at IS NULL", bindings: rules.bindings)
    }

    /// The index a broad rule tree is walked through in id order when it holds every column the
    /// tree tests (migration 0034): the id and the fields segments are commonly built on, about
    /// 60 bytes an entry where a customer row is about 680, so the walk reads a tenth of the pages
    /// and decodes a dozen columns instead of the first twenty-odd of fifty-one. The benchmark's
    /// three-leaf tree walks 6,600 customers in 1.0 ms through it, 2.0 ms through the table.
    static let ruleWalkIndex = "customers_rule_walk"

    /// Whether every statement of a walk through ``ruleWalkIndex`` reads the index alone: a tree
    /// testing another column (an attribute, `email`, `industry`) would seek each row from it,
    /// and walks the table instead.
    private static let walkCovered = QueryPlanMemo { plans in
        plans.allSatisfy { $0.contains { $0.contains("COVERING INDEX \(ruleWalkIndex)") } }
    }

    /// The second bounded plan: the ids of a rule-tree page read in id order, through
    /// ``ruleWalkIndex`` when it holds every column the tree and the page test, else through the
    /// table (`NOT INDEXED`: an index on one leaf would be read and sorted whole).
    static func ruleWalk(_ connection: StoreConnection, _ request: ListRequest, rules: ListCondition) -> ListQuery {
        let narrow = ruleQuery("customers c INDEXED BY \(ruleWalkIndex)", request, rules)
        // A statement SQLite could not plan through the index (none is known) walks the table,
        // as every tree did before the index: the question must never fail the page.
        let covered = (try? walkCovered.answer(connection, narrow)) ?? false
        return covered ? narrow : ruleQuery("customers c NOT INDEXED", request, rules)
    }

    private static func ruleQuery(_ from: String, _ request: ListRequest, _ rules: ListCondition) -> ListQuery {
        ListQuery(select: "c.id", from: from, alias: "c", request: request, search: (rules.sql, rules.bindings), dialect: .sqlite)
    }

    /// CPU time a rule-tree page may take on its first two plans.
    static let plannedBudget: Duration = .milliseconds(1)
    static let idOrderBudget: Duration = .milliseconds(10)

    /// The ids of a rule-tree page sorted by id (the default), when one of two bounded plans finds
    /// them; nil when both ran out of budget and the planner's plan must run to its end.
    ///
    /// SQLite's planner, without statistics, picks an index on one leaf and sorts what it finds.
    /// For a narrow tree (an email, a rare value) that is right and fast, so it goes first, with a
    /// small budget. For a tree matching a good share of customers it is ruinous — the benchmark's
    /// three-leaf tree on 1,000,000 customers made it read 19,500 rows through an index and sort
    /// 2,500 (about 100 ms) — while walking the customers in id order finds the page among the
    /// first 6,600 (through ``ruleWalkIndex`` when it holds the tree's columns, 1.0 ms; through the
    /// table, 2.0 ms): that goes second. Only a tree that is neither (a few thousand
    /// matches, no index) pays both budgets, 11 ms, before the full plan. The budgets are CPU
    /// time (``SQLite/Connection/withinBudget(cpuTime:_:)`` says why not instructions: the first
    /// plan's 50,000 were 11 ms, as each seeks a row).
    ///
    /// The plan that served the same tree last time goes first (``RulePlanMemo``, which also says
    /// when the planner's plan is tried again first): a tree asked again, page after page, does
    /// not pay the first plan's budget each time to learn again that the second one serves it.
    private static func boundedPage(_ connection: StoreConnection, _ request: ListRequest, rules: ListCondition) throws -> [Int64]? {
        guard let sqlite = connection.sqlite, sqlite.isReadOnly, request.search == nil, request.sortField.sortExpression == "c.id" else {
            return nil
        }
        let planned = ruleQuery("customers c", request, rules)
        // The tree's values, not the page's position: every page of one tree shares its plan.
        let key = RulePlanMemo.Key(sql: planned.parts[0].sql, bindings: rules.bindings)
        let known = planMemo.entry(key)
        var plannerFailedWithin: Duration?
        for (plan, budget) in RulePlanMemo.schedule(known, planned: plannedBudget, walked: idOrderBudget) {
            // The walk is built only when it runs: a new shape asks SQLite about its plan first.
            let query = plan == RulePlanMemo.planner ? planned : ruleWalk(connection, request, rules: rules)
            let started = Connection.threadCPUNanoseconds()
            if let ids = try sqlite.withinBudget(cpuTime: budget, { try query.rows(connection).compactMap { $0.int64(0) } }) {
                let cost = Duration.nanoseconds(Int64(clamping: Connection.threadCPUNanoseconds() &- started))
                planMemo.remember(key, RulePlanMemo.served(by: plan, cost: cost, plannerFailedWithin: plannerFailedWithin, previous: known))
                return ids
            }
            if plan == RulePlanMemo.planner { plannerFailedWithin = budget }
        }
        planMemo.forget(key)
        return nil
    }

    /// CPU time the walk of a sort's index may take for a filtered page before the planner's plan
    /// serves it (``walkedPage(_:_:)``): `tier=vip` (one customer in nine) fills a page of 50
    /// within it on 200,000 customers, where the planner's plan took 54 ms.
    static let sortWalkBudget: Duration = .milliseconds(2)

    /// Filters that name one customer or a handful (unique or nearly): the planner's plan, through
    /// their index, serves them at once, and a walk would only spend its budget.
    static let narrowFilters: Set<String> = ["id", "email", "external_id", "phone", "account_id", "merged_into"]

    /// The ids (and the position after them) of a page that is filtered on a column and sorted by
    /// something other than id, found by walking the sort's index on a SQLite reader; nil when
    /// the walk does not find the page within ``sortWalkBudget``, or for any other page.
    ///
    /// SQLite's planner, without statistics, takes an equality on an indexed column for a narrow
    /// one: `tier=standard&sort=-created_at` read every standard customer through the tier index
    /// and sorted them, whole rows and all, for each page (0.75-0.96 s on 200,000 customers, 20 s
    /// where rows held large attributes; found by a black-box audit); walking the created index
    /// and testing each row finds it among the first rows (1-2 ms). A filter that few rows match
    /// runs out of the budget and the planner's plan serves it, as before. Only ids and sort keys
    /// are read here; the rows are read by id afterwards, in order (``render(_:orderedIDs:_:)``).
    private static func walkedPage(_ connection: StoreConnection, _ request: ListRequest) throws -> ListPage<Row>? {
        guard let reader = connection.sqlite, reader.isReadOnly, request.search == nil, request.sortField.sortExpression != "c.id",
            request.filters.contains(where: { if case .expression = $0.field.filtering { true } else { false } }),
            !request.filters.contains(where: { $0.op == .eq && narrowFilters.contains($0.field.name) })
        else { return nil }
        let walk = ListQuery(select: "c.id", from: "customers c", alias: "c", request: request, walkingSort: true, dialect: .sqlite)
        return try reader.withinBudget(cpuTime: sortWalkBudget) { try walk.page(connection) }
    }

    /// Renders the customers `ids` in that order (SQLite only: `json_each` keeps the array's).
    private static func render(_ connection: StoreConnection, orderedIDs ids: [Int64], _ body: (StoreRow) throws -> Void) throws {
        guard !ids.isEmpty else { return }
        try connection.forEachRowView(
            "SELECT c.* FROM json_each(?) AS j JOIN customers c ON c.id = j.value ORDER BY j.key",
            [.text("[" + ids.map(String.init).joined(separator: ",") + "]")]
        ) { row in
            try body(row)
            return true
        }
    }

    /// The bounded plan each rule tree was last served by, and what the plans cost.
    static let planMemo = RulePlanMemo()

    /// Renders the customers `ids` (a page and, past `request.limit`, the first of the next, in
    /// the page's order); the position after the page.
    private static func render(_ connection: StoreConnection, ids: [Int64], request: ListRequest, _ body: (StoreRow) throws -> Void) throws
        -> (
            key: JSONValue, id: Int64
        )?
    {
        let page = Array(ids.prefix(request.limit))
        try render(connection, orderedIDs: page, body)
        guard ids.count > request.limit, let last = page.last else { return nil }
        return (JSONValue(sortKey: .integer(last)), last)
    }

    /// Live customers matching a compiled rule tree; nil when a reader would take longer than
    /// ``ruleTreeBudget`` to count them (the writer never counts: see SegmentSchema).
    static func count(_ connection: StoreConnection, matching rules: ListCondition, budget: Duration = ruleTreeBudget) throws -> Int? {
        let count = { try connection.queryOne(countSQL(rules), matching(rules).bindings)?.int(0) ?? 0 }
        guard let reader = connection.sqlite, reader.isReadOnly else { return try count() }
        // One answer's counts share one budget (a list of segments), not one each.
        guard let budget = SharedRuleBudget.remaining(of: budget) else { return nil }
        return try reader.withinBudget(cpuTime: budget, count)
    }

    static func countSQL(_ rules: ListCondition) -> String {
        "SELECT count(*) FROM customers c WHERE c.deleted_at IS NULL AND \(matching(rules).sql)"
    }

    /// nil when the search holds nothing searchable (an empty page).
    static func listQuery(_ request: ListRequest, rules: ListCondition? = nil, dialect: SQLDialect) -> ListQuery? {
        var conditions: [ListCondition] = []
        var from = "customers c"
        var idOrder: String?
        if let text = request.search {
            guard let match = dialect.fullTextMatch(text, alias: "f") else { return nil }
            if request.sortField.sortExpression == "c.id" {
                // Sorted by id (the default), the full-text index drives: it yields matches in
                // rowid order and the page ends after `limit` of them. `acme` matches 29,000 of a
                // million customers; collecting them all first took 20 ms, walking them 1 ms.
                from = "customers_fts f JOIN customers c ON c.id = f.rowid"
                idOrder = "f.rowid"
                conditions.append(match)
            } else {
                conditions.append(
                    ListCondition(sql: "c.id IN (SELECT f.rowid FROM customers_fts f WHERE \(match.sql))", bindings: match.bindings))
            }
        }
        if let rules {
            conditions.append(rules)
        }
        let search = ListCondition.all(conditions).map { (sql: $0.sql, bindings: $0.bindings) }
        return ListQuery(select: "c.*", from: from, alias: "c", request: request, search: search, idOrder: idOrder, dialect: dialect)
    }

    /// Renders one live customer straight from the statement; its version and JSON.
    static func render(_ connection: StoreConnection, id: Int64, renderer: CustomerRenderer) throws -> (version: Int64, json: [UInt8])? {
        try connection.withFirstRow("SELECT * FROM customers WHERE id = ? AND deleted_at IS NULL", [.integer(id)]) { row in
            var writer = JSONWriter(capacity: 1024)
            renderer.write(row, into: &writer)
            return (row.int64("version") ?? 1, writer.bytes)
        }
    }

    /// Rewrites the tag rows and the search document from the stored row.
    private static func syncSideTables(_ connection: StoreConnection, id: Int64) throws {
        guard let row = try connection.queryOne("SELECT name, email, phone, company, tags FROM customers WHERE id = ?", [.integer(id)])
        else {
            return
        }
        try connection.run("DELETE FROM customer_tags WHERE customer_id = ?", [.integer(id)])
        let (tags, document) = sideTableData(
            name: row["name"], email: row["email"], phone: row["phone"], company: row["company"], tags: row["tags"])
        try writeSideTables(connection, id: id, tags: tags, document: document)
    }

    /// A customer's tag list and search document from its stored or prepared values.
    private static func sideTableData(name: SQLValue?, email: SQLValue?, phone: SQLValue?, company: SQLValue?, tags: SQLValue?) -> (
        tags: [String], document: String
    ) {
        var tagList: [String] = []
        if case .text(let json)? = tags { tagList = (try? JSONParser.parse(json))?.arrayValue?.compactMap(\.stringValue) ?? [] }
        func text(_ value: SQLValue?) -> String? {
            if case .text(let string)? = value { return string }
            return nil
        }
        let document = SearchDocument.make(name: text(name), email: text(email), phone: text(phone), company: text(company), tags: tagList)
        return (tagList, document)
    }

    /// Stages a customer's search document, to be indexed at the end of the batch.
    static func stageSearchDocument(_ connection: StoreConnection, id: Int64, document: String) throws {
        try connection.run(stageDocumentSQL, [.integer(id), .text(document)])
    }

    /// Inserts the tag rows of a customer that has none yet, and stages its search document.
    private static func writeSideTables(_ connection: StoreConnection, id: Int64, tags: [String], document: String) throws {
        for tag in tags { try connection.run(insertTagSQL, [.integer(id), .text(tag)]) }
        try connection.run(stageDocumentSQL, [.integer(id), .text(document)])
    }

    private static func normalizedEmail(_ value: SQLValue?) -> SQLValue {
        if case .text(let email)? = value { return .text(EmailAddress.normalized(email)) }
        return .null
    }

    private static func phoneDigits(_ value: SQLValue?) -> SQLValue {
        if case .text(let phone)? = value { return .text(PhoneNumber.digits(phone)) }
        return .null
    }
}

/// A customer row ready to insert: its bindings in insert order, its tags and search document.
struct PreparedCustomer: Sendable {
    let bindings: [SQLValue]
    let tags: [String]
    let document: String
}
