import Foundation
import JSON
import SQLite
import XCTest

@testable import CRM

private let service = CustomerService(baseCurrency: "CNY")
private let t0 = Timestamp(rfc3339: "2026-11-23T08:00:00.000Z")!

/// CustomerService on the writer: CRUD, unique keys, versions, upserts, the change feed and the
/// audit log in the same transaction, lists with keyset pagination, search, and the seeder.
final class CustomerServiceTests: XCTestCase {
    private var directory: URL!
    private var database: Database!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-customers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try openDatabase("crm.sqlite")
    }

    override func tearDown() {
        database?.close()
        database = nil
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Helpers

    private func openDatabase(_ name: String) throws -> Database {
        try Database.open(path: directory.appendingPathComponent(name).path, synchronous: .normal, maximumReaders: 2)
    }

    private func body(_ json: String) throws -> JSONObject {
        guard let object = try JSONParser.parse(json).objectValue else { throw CRMError.validation([]) }
        return object
    }

    private func parseChanges(_ json: String, mode: RecordInput.Mode) throws -> RecordChanges {
        try RecordInput.parse(body(json), schema: CustomerSchema.schema, mode: mode)
    }

    @discardableResult
    private func create(_ json: String, now: Timestamp = t0, actor: Int64? = 9) throws -> Row {
        let changes = try parseChanges(json, mode: .create)
        return try database.writeAndWait { try service.create($0, changes, actor: actor, now: now) }
    }

    @discardableResult
    private func update(_ id: Int64, _ json: String, ifMatch: Int64? = nil, now: Timestamp = t0.adding(seconds: 60)) throws -> Row {
        let changes = try parseChanges(json, mode: .patch)
        return try database.writeAndWait {
            try service.update($0, id: id, changes, ifMatch: ifMatch.map { VersionCondition([$0]) }, actor: 9, now: now)
        }
    }

    private func delete(_ id: Int64, ifMatch: Int64? = nil, now: Timestamp = t0.adding(seconds: 120)) throws {
        try database.writeAndWait { try service.delete($0, id: id, ifMatch: ifMatch.map { VersionCondition([$0]) }, actor: 9, now: now) }
    }

    private func upsert(_ key: CustomerService.UpsertKey, _ json: String, now: Timestamp = t0.adding(seconds: 30)) throws -> (
        row: Row, created: Bool
    ) {
        let changes = try parseChanges(json, mode: .patch)
        return try database.writeAndWait { try service.upsert($0, key: key, changes, actor: 9, now: now) }
    }

    private func get(_ id: Int64) throws -> Row? {
        try database.read { try service.get($0, id: id) }
    }

    private func rawRow(_ id: Int64) throws -> Row? {
        try database.read { try $0.queryOne("SELECT * FROM customers WHERE id = ?", [.integer(id)]) }
    }

    private func query(_ sql: String, _ bindings: [SQLValue] = []) throws -> [Row] {
        try database.read { try $0.query(sql, bindings) }
    }

    private func count(_ table: String) throws -> Int {
        try database.read { try $0.queryOne("SELECT count(*) FROM \(table)")?.int(0) ?? -1 }
    }

    /// The CRMError `body` throws, or a failure.
    private func crmError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> CRMError? {
        do {
            try body()
            XCTFail("expected a CRMError, nothing was thrown", file: file, line: line)
        } catch let error as CRMError {
            return error
        } catch {
            XCTFail("expected a CRMError, got \(error)", file: file, line: line)
        }
        return nil
    }

    private func id(_ row: Row) -> Int64 { row.int64("id") ?? -1 }

    private func json(_ text: String?) -> JSONValue? {
        text.flatMap { try? JSONParser.parse($0) }
    }

    private func listRequest(sort: String = "id", descending: Bool = false, limit: Int = 50) -> ListRequest {
        var request = ListRequest(sortField: CustomerSchema.listField(sort)!)
        request.descending = descending
        request.limit = limit
        return request
    }

    private func filter(_ name: String, _ op: ListFilter.Operator = .eq, _ values: SQLValue...) -> ListFilter {
        ListFilter(field: CustomerSchema.listField(name)!, op: op, values: values)
    }

    private func list(_ request: ListRequest) throws -> ListPage<Row> {
        try database.read { try service.list($0, request) }
    }

    /// Every id of `request`, walked page by page with `after`.
    private func walk(_ request: ListRequest, file: StaticString = #filePath, line: UInt = #line) throws -> [Int64] {
        var request = request
        var ids: [Int64] = []
        for _ in 0..<1000 {
            let page = try list(request)
            XCTAssertLessThanOrEqual(page.items.count, request.limit, file: file, line: line)
            ids += page.items.map(id)
            guard let next = page.next else { return ids }
            XCTAssertEqual(next.id, page.items.last.map(id), "the cursor is the last row", file: file, line: line)
            request.after = next
        }
        XCTFail("the walk never ended", file: file, line: line)
        return ids
    }

    private func ids(_ request: ListRequest) throws -> [Int64] {
        try list(request).items.map(id)
    }

    // MARK: Create, update, delete

    func testCreateStoresTheValidatedRowAtVersionOne() throws {
        let row = try create(
            """
            {"type":"person","name":" 张伟 ","email":" ZW@Example.cn ","phone":"+86 138-0013-8000","tags":["vip","重点客户"],
             "attributes":{"wechat":"zw88"},"marketing_opt_in":true}
            """)
        XCTAssertEqual(row.int64("id"), 1)
        XCTAssertEqual(row.string("name"), "张伟")
        XCTAssertEqual(row.string("email"), "ZW@Example.cn")
        XCTAssertEqual(row.string("email_normalized"), "zw@example.cn")
        XCTAssertEqual(row.string("phone_digits"), "8613800138000")
        XCTAssertEqual(json(row.string("tags")), ["vip", "重点客户"])
        XCTAssertEqual(json(row.string("attributes")), ["wechat": "zw88"])
        XCTAssertEqual(row.int64("marketing_opt_in"), 1)
        XCTAssertEqual(row.int64("version"), 1)
        XCTAssertEqual(row.string("created_at"), "2026-11-23T08:00:00.000Z")
        XCTAssertEqual(row.string("updated_at"), "2026-11-23T08:00:00.000Z")
        XCTAssertNil(row.string("deleted_at"))
        XCTAssertEqual(row.string("lifecycle_stage"), "lead")
        XCTAssertEqual(row.string("tier"), "standard")
        XCTAssertEqual(try get(1), row)
        let tags = try query("SELECT tag FROM customer_tags WHERE customer_id = 1 ORDER BY tag").compactMap { $0.string(0) }
        XCTAssertEqual(Set(tags), ["vip", "重点客户"])
    }

    func testCreateWithoutOptionalFieldsStoresEmptyTagsAndAttributes() throws {
        let row = try create("{\"type\":\"company\",\"name\":\"Acme Ltd\"}")
        XCTAssertEqual(row.string("tags"), "[]")
        XCTAssertEqual(row.string("attributes"), "{}")
        XCTAssertNil(row.string("email"))
        XCTAssertNil(row.string("email_normalized"))
    }

    func testCreateWithNullTagsStoresTheEmptyList() throws {
        // API.md §1: null clears an optional field; on create that means "none".
        let row = try create("{\"type\":\"person\",\"name\":\"Null Tags\",\"tags\":null,\"email\":null}")
        XCTAssertEqual(json(row.string("tags")), [])
        XCTAssertNil(row.string("email"))
    }

    func testCreateWithNullAttributesStoresTheEmptyObject() throws {
        // RecordInput accepts `"attributes": null` on create (null clears an optional field), so
        // the create must succeed with no attributes rather than hit the column's NOT NULL.
        let row = try create("{\"type\":\"person\",\"name\":\"Null Attributes\",\"attributes\":null}")
        XCTAssertEqual(json(row.string("attributes")), [:])
    }

    func testCreateRefusesMissingRequiredFields() throws {
        // RecordChanges built by hand (batch and import paths) are checked again by the service.
        let changes = RecordChanges()
        let error = crmError { try self.database.writeAndWait { _ = try service.create($0, changes, actor: nil, now: t0) } }
        XCTAssertEqual(
            error, .validation([FieldIssue("type", "required", "type is required"), FieldIssue("name", "required", "name is required")]))
        XCTAssertEqual(try count("customers"), 0)
    }

    func testUpdateSetsOnlyGivenFieldsAndBumpsVersionAndUpdatedAt() throws {
        let created = try create("{\"type\":\"person\",\"name\":\"Ann\",\"email\":\"ann@example.com\",\"city\":\"Berlin\"}")
        let later = t0.adding(seconds: 3600)
        let updated = try update(id(created), "{\"city\":\"Hamburg\",\"email\":null}", now: later)
        XCTAssertEqual(updated.string("city"), "Hamburg")
        XCTAssertEqual(updated.string("name"), "Ann")
        XCTAssertNil(updated.string("email"))
        XCTAssertNil(updated.string("email_normalized"))
        XCTAssertEqual(updated.int64("version"), 2)
        XCTAssertEqual(updated.string("created_at"), created.string("created_at"))
        XCTAssertEqual(updated.string("updated_at"), later.rfc3339)
        let again = try update(id(created), "{\"city\":\"Munich\"}")
        XCTAssertEqual(again.int64("version"), 3)
    }

    func testUpdateMergesAttributesKeyByKey() throws {
        let created = try create("{\"type\":\"person\",\"name\":\"Ann\",\"attributes\":{\"a\":1,\"b\":\"two\",\"c\":true}}")
        let updated = try update(id(created), "{\"attributes\":{\"b\":\"zwei\",\"c\":null,\"d\":4}}")
        XCTAssertEqual(json(updated.string("attributes")), ["a": 1, "b": "zwei", "d": 4])
        let cleared = try update(id(created), "{\"attributes\":null}")
        XCTAssertEqual(json(cleared.string("attributes")), [:])
    }

    func testUpdateReplacesTagsAndTheirIndexRows() throws {
        let created = try create("{\"type\":\"person\",\"name\":\"Ann\",\"tags\":[\"vip\",\"trial\"]}")
        try update(id(created), "{\"tags\":[\"partner\"]}")
        XCTAssertEqual(
            try query("SELECT tag FROM customer_tags WHERE customer_id = ?", [.integer(id(created))]).compactMap { $0.string(0) },
            ["partner"])
        try update(id(created), "{\"tags\":null}")
        XCTAssertEqual(try count("customer_tags"), 0)
        XCTAssertEqual(try get(id(created))?.string("tags"), "[]")
    }

    func testUpdateOfMissingCustomerIsNotFound() throws {
        guard let error = crmError({ try self.update(42, "{\"name\":\"x\"}") }) else { return }
        guard case .notFound = error else { return XCTFail("\(error)") }
    }

    func testDeleteIsSoftAndHidesTheCustomer() throws {
        let created = try create("{\"type\":\"person\",\"name\":\"张伟\",\"tags\":[\"vip\"]}")
        try delete(id(created))
        XCTAssertNil(try get(id(created)))
        let raw = try XCTUnwrap(try rawRow(id(created)))
        XCTAssertEqual(raw.string("deleted_at"), t0.adding(seconds: 120).rfc3339)
        XCTAssertEqual(raw.string("updated_at"), t0.adding(seconds: 120).rfc3339)
        XCTAssertEqual(raw.int64("version"), 2)
        XCTAssertEqual(raw.string("name"), "张伟", "the row is kept")
        XCTAssertEqual(try count("customer_tags"), 0)
        XCTAssertEqual(try count("customers_fts"), 0)
        let actions: [() throws -> Void] = [
            { try self.delete(self.id(created)) }, { _ = try self.update(self.id(created), "{\"name\":\"x\"}") },
        ]
        for action in actions {
            guard let error = crmError(action) else { continue }
            guard case .notFound = error else { XCTFail("\(error)"); continue }
        }
    }

    // MARK: Unique keys

    func testEmailIsUniqueCaseInsensitivelyAndTheIssueNamesTheHolder() throws {
        let first = try create("{\"type\":\"person\",\"name\":\"A\",\"email\":\"li.lei@example.cn\"}")
        let error = crmError { try self.create("{\"type\":\"person\",\"name\":\"B\",\"email\":\"  LI.Lei@EXAMPLE.cn \"}") }
        guard case .conflict(_, let issues)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(issues.map(\.field), ["email"])
        XCTAssertEqual(issues.first?.code, "taken")
        XCTAssertEqual(issues.first?.holderID, id(first))
        XCTAssertEqual(try count("customers"), 1)

        let second = try create("{\"type\":\"person\",\"name\":\"B\",\"email\":\"b@example.cn\"}")
        let updateError = crmError { try self.update(self.id(second), "{\"email\":\"Li.Lei@Example.CN\"}") }
        guard case .conflict(_, let updateIssues)? = updateError else { return XCTFail("\(String(describing: updateError))") }
        XCTAssertEqual(updateIssues.first?.holderID, id(first))
        XCTAssertEqual(try get(id(second))?.string("email"), "b@example.cn")
    }

    func testACustomerMayRewriteItsOwnEmailInAnotherCase() throws {
        let row = try create("{\"type\":\"person\",\"name\":\"A\",\"email\":\"li.lei@example.cn\"}")
        let updated = try update(id(row), "{\"email\":\"Li.Lei@Example.CN\"}")
        XCTAssertEqual(updated.string("email"), "Li.Lei@Example.CN")
    }

    func testEmailOfADeletedCustomerIsReusable() throws {
        let first = try create("{\"type\":\"person\",\"name\":\"A\",\"email\":\"a@example.com\"}")
        try delete(id(first))
        let second = try create("{\"type\":\"person\",\"name\":\"B\",\"email\":\"A@example.com\"}")
        XCTAssertNotEqual(id(second), id(first))
        XCTAssertEqual(try get(id(second))?.string("email"), "A@example.com")
    }

    func testExternalIDIsUniqueAmongLiveCustomers() throws {
        let first = try create("{\"type\":\"person\",\"name\":\"A\",\"external_id\":\"ERP-1\"}")
        let error = crmError { try self.create("{\"type\":\"person\",\"name\":\"B\",\"external_id\":\"ERP-1\"}") }
        guard case .conflict(_, let issues)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(issues, [FieldIssue("external_id", "taken", issues.first?.message ?? "", holderID: id(first))])
        try delete(id(first))
        XCTAssertNoThrow(try create("{\"type\":\"person\",\"name\":\"B\",\"external_id\":\"ERP-1\"}"))
    }

    func testBothTakenKeysAreReportedAtOnce() throws {
        let first = try create("{\"type\":\"person\",\"name\":\"A\",\"email\":\"a@example.com\",\"external_id\":\"X\"}")
        let error = crmError { try self.create("{\"type\":\"person\",\"name\":\"B\",\"email\":\"a@example.com\",\"external_id\":\"X\"}") }
        guard case .conflict(_, let issues)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(issues.map(\.field), ["email", "external_id"])
        XCTAssertEqual(issues.map(\.holderID), [id(first), id(first)])
    }

    // MARK: If-Match

    func testIfMatchWithTheCurrentVersionSucceeds() throws {
        let row = try create("{\"type\":\"person\",\"name\":\"A\"}")
        let updated = try update(id(row), "{\"name\":\"B\"}", ifMatch: 1)
        XCTAssertEqual(updated.int64("version"), 2)
        XCTAssertNoThrow(try delete(id(row), ifMatch: 2))
    }

    func testIfMatchMismatchIsVersionMismatchAndChangesNothing() throws {
        let row = try create("{\"type\":\"person\",\"name\":\"A\"}")
        try update(id(row), "{\"name\":\"B\"}")
        let before = try rawRow(id(row))
        let feed = try count("changes")
        let audit = try count("audit_log")

        XCTAssertEqual(crmError { try self.update(self.id(row), "{\"name\":\"C\"}", ifMatch: 1) }, .versionMismatch(current: 2))
        XCTAssertEqual(crmError { try self.delete(self.id(row), ifMatch: 3) }, .versionMismatch(current: 2))

        XCTAssertEqual(try rawRow(id(row)), before)
        XCTAssertEqual(try count("changes"), feed)
        XCTAssertEqual(try count("audit_log"), audit)
    }

    // MARK: Upsert

    func testUpsertByExternalIDCreatesThenUpdates() throws {
        let first = try upsert(.externalID("ERP-7"), "{\"type\":\"company\",\"name\":\"Acme\",\"external_id\":\"ERP-7\"}")
        XCTAssertTrue(first.created)
        XCTAssertEqual(first.row.int64("version"), 1)
        let second = try upsert(.externalID("ERP-7"), "{\"name\":\"Acme Ltd\",\"city\":\"London\"}")
        XCTAssertFalse(second.created)
        XCTAssertEqual(id(second.row), id(first.row))
        XCTAssertEqual(second.row.string("name"), "Acme Ltd")
        XCTAssertEqual(second.row.string("type"), "company", "fields not given are kept")
        XCTAssertEqual(second.row.int64("version"), 2)
        XCTAssertEqual(try count("customers"), 1)
    }

    func testUpsertByEmailMatchesCaseInsensitively() throws {
        let existing = try create("{\"type\":\"person\",\"name\":\"Li Lei\",\"email\":\"li.lei@example.cn\"}")
        let result = try upsert(.email("LI.LEI@example.CN"), "{\"city\":\"上海\"}")
        XCTAssertFalse(result.created)
        XCTAssertEqual(id(result.row), id(existing))
        XCTAssertEqual(result.row.string("city"), "上海")
        let created = try upsert(.email("new@example.cn"), "{\"type\":\"person\",\"name\":\"New\",\"email\":\"new@example.cn\"}")
        XCTAssertTrue(created.created)
        XCTAssertEqual(try count("customers"), 2)
    }

    func testUpsertByIDUpdatesALiveCustomerAndNeverCreates() throws {
        let existing = try create("{\"type\":\"person\",\"name\":\"Wang Fang\",\"city\":\"上海\"}")
        let result = try upsert(.id(id(existing)), "{\"city\":\"杭州\"}")
        XCTAssertFalse(result.created)
        XCTAssertEqual(id(result.row), id(existing))
        XCTAssertEqual(result.row.string("city"), "杭州")
        XCTAssertEqual(result.row.string("name"), "Wang Fang", "fields not given are kept")
        let gone = try create("{\"type\":\"person\",\"name\":\"Gone\"}")
        try delete(id(gone))
        for missing in [id(gone), 999] {
            XCTAssertThrowsError(try upsert(.id(missing), "{\"type\":\"person\",\"name\":\"Back\"}")) { error in
                guard case .validation(let issues)? = error as? CRMError else { return XCTFail("\(error)") }
                XCTAssertEqual(issues.map(\.field), ["id"])
            }
        }
        XCTAssertEqual(try count("customers"), 2)
    }

    func testUpsertDoesNotMatchDeletedCustomers() throws {
        let old = try create("{\"type\":\"person\",\"name\":\"Old\",\"external_id\":\"E\"}")
        try delete(id(old))
        let result = try upsert(.externalID("E"), "{\"type\":\"person\",\"name\":\"New\",\"external_id\":\"E\"}")
        XCTAssertTrue(result.created)
        XCTAssertNotEqual(id(result.row), id(old))
    }

    func testUpsertCreateStillRequiresRequiredFields() throws {
        let error = crmError { _ = try self.upsert(.externalID("none"), "{\"city\":\"Paris\"}") }
        guard case .validation(let issues)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(issues.map(\.field), ["type", "name"])
        XCTAssertEqual(try count("customers"), 0)
    }

    // MARK: Change feed and audit log

    func testEveryWriteAppendsOneChangeInOrder() throws {
        let row = try create("{\"type\":\"person\",\"name\":\"A\"}", now: t0)
        try update(id(row), "{\"name\":\"B\"}", now: t0.adding(seconds: 1))
        try delete(id(row), now: t0.adding(seconds: 2))

        let feed = try query("SELECT seq, type, record_type, record_id, occurred_at, data FROM changes ORDER BY seq")
        XCTAssertEqual(feed.map { $0.string("type") }, ["customer.created", "customer.updated", "customer.deleted"])
        let seqs = feed.compactMap { $0.int64("seq") }
        XCTAssertEqual(seqs.count, 3)
        XCTAssertEqual(seqs, seqs.sorted())
        XCTAssertEqual(Set(seqs).count, 3, "seq strictly increases")
        XCTAssertTrue(feed.allSatisfy { $0.string("record_type") == "customer" && $0.int64("record_id") == self.id(row) })
        XCTAssertEqual(feed.map { $0.string("occurred_at") }, [t0, t0.adding(seconds: 1), t0.adding(seconds: 2)].map(\.rfc3339))

        let created = json(feed[0].string("data"))?.objectValue
        XCTAssertEqual(created?["id"], .int(id(row)))
        XCTAssertEqual(created?["name"], "A")
        XCTAssertEqual(created?["version"], 1)
        let updated = json(feed[1].string("data"))?.objectValue
        XCTAssertEqual(updated?["name"], "B")
        XCTAssertEqual(updated?["version"], 2)
        XCTAssertEqual(feed[2]["data"], .null, "a delete carries no data")
    }

    func testAuditHoldsBeforeAndAfterOfChangedFieldsOnly() throws {
        let row = try create("{\"type\":\"person\",\"name\":\"A\",\"city\":\"Berlin\",\"tags\":[\"vip\"]}", actor: 5)
        try update(id(row), "{\"name\":\"B\",\"city\":\"Berlin\",\"tags\":[\"vip\"],\"country\":\"de\"}")

        let audit = try query("SELECT key_id, action, record_type, record_id, changes, occurred_at FROM audit_log ORDER BY id")
        XCTAssertEqual(audit.map { $0.string("action") }, ["create", "update"])
        XCTAssertEqual(audit[0].int64("key_id"), 5)
        XCTAssertEqual(audit[1].int64("key_id"), 9)
        XCTAssertEqual(audit[0].string("record_type"), "customer")
        XCTAssertEqual(audit[0].int64("record_id"), id(row))

        let createDiff = json(audit[0].string("changes"))?.objectValue
        XCTAssertEqual(createDiff?["name"], ["before": nil, "after": "A"])
        XCTAssertEqual(createDiff?["tags"], ["before": nil, "after": ["vip"]])
        XCTAssertNil(createDiff?["email"], "fields left unset did not change")

        let updateDiff = json(audit[1].string("changes"))
        XCTAssertEqual(
            updateDiff,
            ["name": ["before": "A", "after": "B"], "country": ["before": nil, "after": "DE"]],
            "unchanged fields (city, tags) are left out even when sent")
    }

    func testAFailedWriteLeavesNoChangeOrAuditRow() throws {
        let first = try create("{\"type\":\"person\",\"name\":\"A\",\"email\":\"a@example.com\"}")
        let feed = try count("changes")
        let audit = try count("audit_log")
        _ = crmError { try self.create("{\"type\":\"person\",\"name\":\"B\",\"email\":\"A@example.com\"}") }
        _ = crmError { try self.update(self.id(first), "{\"name\":\"C\"}", ifMatch: 7) }
        XCTAssertEqual(try count("changes"), feed)
        XCTAssertEqual(try count("audit_log"), audit)
        XCTAssertEqual(try count("customers"), 1)
    }

    func testAJobThatFailsAfterTheServiceWroteRollsBackRowFeedAndAuditTogether() throws {
        struct Abort: Error {}
        let changes = try parseChanges("{\"type\":\"person\",\"name\":\"Rolled Back\",\"tags\":[\"x\"]}", mode: .create)
        XCTAssertThrowsError(
            try database.writeAndWait { connection in
                _ = try service.create(connection, changes, actor: nil, now: t0)
                throw Abort()
            })
        for table in ["customers", "changes", "audit_log", "customer_tags", "customers_fts"] {
            XCTAssertEqual(try count(table), 0, table)
        }
    }

    // MARK: Lists

    private func seedForLists() throws -> [Int64] {
        let names = ["Zoe", "adam", "Émile", "张伟", "Bob", "Adam", "Bob", "李娜", "Carl", "Bob"]
        var ids: [Int64] = []
        for (index, name) in names.enumerated() {
            let country = index % 3 == 0 ? "\"CN\"" : index % 3 == 1 ? "\"DE\"" : "null"
            let row = try create(
                "{\"type\":\"\(index % 2 == 0 ? "person" : "company")\",\"name\":\"\(name)\",\"country\":\(country),\"tags\":[\"t\(index % 4)\"]}",
                now: t0.adding(seconds: Int64([5, 3, 5, 1, 9, 3, 0, 5, 2, 7][index])))
            ids.append(id(row))
        }
        // Metrics are server-owned: set them directly, with ties and NULLs.
        let spent: [Int64] = [500, 0, 1200, 500, 0, 99, 1200, 500, 0, 30]
        let lastOrder: [String?] = [
            "2026-03-01T00:00:00.000Z", nil, "2026-01-01T00:00:00.000Z", nil, "2026-03-01T00:00:00.000Z", "2025-12-31T23:59:59.999Z", nil,
            "2026-03-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", nil,
        ]
        let pairs = Array(zip(ids, zip(spent, lastOrder)))
        try database.writeAndWait { connection in
            for (id, (total, last)) in pairs {
                try connection.run(
                    "UPDATE customers SET total_spent = ?, last_order_at = ?, updated_at = created_at WHERE id = ?",
                    [.integer(total), last.map(SQLValue.text) ?? .null, .integer(id)])
            }
        }
        return ids
    }

    /// The ids in the order `sort` must give: the sort key, then id, both in one direction.
    private func expectedOrder(sort: String, descending: Bool) throws -> [Int64] {
        let rows = try query("SELECT * FROM customers WHERE deleted_at IS NULL")
        func key(_ row: Row) -> [UInt8] {
            switch sort {
            case "id": return []
            case "name": return Array((row.string("name") ?? "").utf8)
            case "created_at": return Array((row.string("created_at") ?? "").utf8)
            case "updated_at": return Array((row.string("updated_at") ?? "").utf8)
            case "metrics.total_spent": return Array(String(format: "%020lld", row.int64("total_spent") ?? 0).utf8)
            case "metrics.last_order_at": return Array((row.string("last_order_at") ?? "").utf8)
            default: preconditionFailure(sort)
            }
        }
        let ascending = rows.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            if ka != kb { return ka.lexicographicallyPrecedes(kb) }
            return id(a) < id(b)
        }.map(id)
        return descending ? ascending.reversed() : ascending
    }

    func testEverySortOrderWalksEveryRowOnceInOrder() throws {
        let all = try seedForLists()
        let sorts = ["id", "name", "created_at", "updated_at", "metrics.total_spent", "metrics.last_order_at"]
        XCTAssertEqual(
            Set(sorts), Set(CustomerSchema.listFields.filter { $0.sortExpression != nil }.map(\.name)), "every sortable field is tested")
        for sort in sorts {
            for descending in [false, true] {
                let expected = try expectedOrder(sort: sort, descending: descending)
                XCTAssertEqual(Set(expected), Set(all))
                XCTAssertEqual(
                    try ids(listRequest(sort: sort, descending: descending, limit: 200)), expected,
                    "one page, sort=\(descending ? "-" : "")\(sort)")
                for limit in [1, 2, 3, 4, 7] {
                    let walked = try walk(listRequest(sort: sort, descending: descending, limit: limit))
                    XCTAssertEqual(walked, expected, "pages of \(limit), sort=\(descending ? "-" : "")\(sort)")
                }
            }
        }
    }

    func testLastPageHasNoNextAndFullPagesDo() throws {
        _ = try seedForLists()
        let page = try list(listRequest(limit: 10))
        XCTAssertEqual(page.items.count, 10)
        XCTAssertNil(page.next, "exactly the remaining rows: no next page")
        let partial = try list(listRequest(limit: 9))
        XCTAssertEqual(partial.next?.id, 9)
    }

    func testContinuationIsStableWhenRowsAreInsertedAndDeletedBetweenPages() throws {
        _ = try seedForLists()
        var request = listRequest(sort: "name", limit: 4)
        let first = try list(request)
        let seen = first.items.compactMap { $0.string("name") }
        // A row sorting before the cursor and one after it; and a deletion ahead.
        try create("{\"type\":\"person\",\"name\":\"AAA first\"}")
        try create("{\"type\":\"person\",\"name\":\"ZZZ last\"}")
        request.after = first.next
        let rest = try walk(request)
        let restNames = try rest.map { try XCTUnwrap(try rawRow($0)?.string("name")) }
        XCTAssertFalse(restNames.contains("AAA first"), "rows before the cursor are not revisited")
        XCTAssertTrue(restNames.contains("ZZZ last"))
        XCTAssertTrue(Set(first.items.map(id)).isDisjoint(with: rest), "no duplicates")
        XCTAssertEqual(first.items.count + rest.count, 11)
        XCTAssertEqual(seen, ["Adam", "Bob", "Bob", "Bob"])
    }

    func testFiltersNarrowTheList() throws {
        let ids = try seedForLists()
        var cn = listRequest()
        cn.filters = [filter("country", .eq, "CN")]
        XCTAssertEqual(try self.ids(cn), [ids[0], ids[3], ids[6], ids[9]])

        var any = listRequest()
        any.filters = [filter("country", .eq, "CN", "DE")]
        XCTAssertEqual(try self.ids(any).count, 7)

        var notCN = listRequest()
        notCN.filters = [filter("country", .ne, "CN")]
        XCTAssertEqual(try self.ids(notCN).count, 6, "ne keeps rows without a country")

        var combined = listRequest()
        combined.filters = [filter("country", .eq, "CN"), filter("type", .eq, "person")]
        XCTAssertEqual(try self.ids(combined), [ids[0], ids[6]])

        var spent = listRequest()
        spent.filters = [filter("metrics.total_spent", .gte, 500), filter("metrics.total_spent", .lt, 1200)]
        XCTAssertEqual(try self.ids(spent), [ids[0], ids[3], ids[7]])

        var created = listRequest()
        created.filters = [filter("created_at", .gt, .text(t0.adding(seconds: 5).rfc3339))]
        XCTAssertEqual(try self.ids(created), [ids[4], ids[9]])

        var byID = listRequest()
        byID.filters = [filter("id", .lte, 3)]
        XCTAssertEqual(try self.ids(byID), [1, 2, 3])
    }

    func testFiltersAndPagingCombine() throws {
        let ids = try seedForLists()
        var request = listRequest(sort: "name", descending: true, limit: 2)
        request.filters = [filter("country", .ne, "CN")]
        let walked = try walk(request)
        XCTAssertEqual(walked.count, 6)
        XCTAssertEqual(Set(walked), Set(ids).subtracting([ids[0], ids[3], ids[6], ids[9]]))
    }

    func testEmailAndPhoneFiltersUseTheNormalisedForms() throws {
        let row = try create("{\"type\":\"person\",\"name\":\"A\",\"email\":\"Li.Lei@Example.CN\",\"phone\":\"+86 138-0013-8000\"}")
        try create("{\"type\":\"person\",\"name\":\"B\",\"email\":\"b@example.cn\"}")
        let email = try XCTUnwrap(CustomerSchema.listField("email"))
        let phone = try XCTUnwrap(CustomerSchema.listField("phone"))
        var byEmail = listRequest()
        byEmail.filters = [ListFilter(field: email, op: .eq, values: [.text(email.normalize?("LI.LEI@example.cn") ?? "")])]
        XCTAssertEqual(try ids(byEmail), [id(row)])
        var byPhone = listRequest()
        byPhone.filters = [ListFilter(field: phone, op: .eq, values: [.text(phone.normalize?("+86 (138) 0013 8000") ?? "")])]
        XCTAssertEqual(try ids(byPhone), [id(row)])
    }

    func testTagFilterMatchesAnyOfTheGivenTagsAndFollowsUpdates() throws {
        let a = try create("{\"type\":\"person\",\"name\":\"A\",\"tags\":[\"vip\",\"重点客户\"]}")
        let b = try create("{\"type\":\"person\",\"name\":\"B\",\"tags\":[\"trial\"]}")
        let c = try create("{\"type\":\"person\",\"name\":\"C\"}")
        var vip = listRequest()
        vip.filters = [filter("tag", .eq, "vip")]
        XCTAssertEqual(try ids(vip), [id(a)])
        var chinese = listRequest()
        chinese.filters = [filter("tag", .eq, "重点客户")]
        XCTAssertEqual(try ids(chinese), [id(a)])
        var either = listRequest()
        either.filters = [filter("tag", .eq, "vip", "trial")]
        XCTAssertEqual(try ids(either), [id(a), id(b)])
        var without = listRequest()
        without.filters = [filter("tag", .ne, "vip")]
        XCTAssertEqual(try ids(without), [id(b), id(c)])

        try update(id(b), "{\"tags\":[\"vip\"]}")
        try update(id(a), "{\"tags\":[]}")
        XCTAssertEqual(try ids(vip), [id(b)])
        try delete(id(b))
        XCTAssertEqual(try ids(vip), [])
    }

    func testDeletedCustomersAreListedOnlyOnRequest() throws {
        let a = try create("{\"type\":\"person\",\"name\":\"A\"}")
        let b = try create("{\"type\":\"person\",\"name\":\"B\"}")
        try delete(id(a))
        XCTAssertEqual(try ids(listRequest()), [id(b)])
        var all = listRequest()
        all.includeDeleted = true
        XCTAssertEqual(try ids(all), [id(a), id(b)])
    }

    func testSearchFindsByNameEmailCompanyAndFollowsWrites() throws {
        let zhang = try create("{\"type\":\"person\",\"name\":\"张伟\",\"email\":\"zw@example.cn\",\"company\":\"华信科技有限公司\"}")
        let acme = try create("{\"type\":\"company\",\"name\":\"Acme Ltd\",\"phone\":\"+44 20 7946 0958\"}")
        func search(_ q: String) throws -> [Int64] {
            var request = self.listRequest()
            request.search = q
            return try ids(request)
        }
        XCTAssertEqual(try search("张伟"), [id(zhang)])
        XCTAssertEqual(try search("华信"), [id(zhang)])
        XCTAssertEqual(try search("zw@example.cn"), [id(zhang)])
        XCTAssertEqual(try search("acme"), [id(acme)])
        XCTAssertEqual(try search("442079460958"), [id(acme)])
        XCTAssertEqual(try search("\"*"), [], "nothing searchable finds nothing")

        try update(id(acme), "{\"name\":\"Globex\"}")
        XCTAssertEqual(try search("acme"), [])
        XCTAssertEqual(try search("globex"), [id(acme)])
        try delete(id(zhang))
        XCTAssertEqual(try search("张伟"), [])
    }

    func testSearchCombinesWithFiltersAndPaging() throws {
        for index in 0..<7 {
            try create("{\"type\":\"person\",\"name\":\"Acme \(index)\",\"country\":\"\(index % 2 == 0 ? "CN" : "DE")\"}")
        }
        try create("{\"type\":\"person\",\"name\":\"Other\",\"country\":\"CN\"}")
        var request = listRequest(sort: "name", limit: 2)
        request.search = "acme"
        request.filters = [filter("country", .eq, "CN")]
        XCTAssertEqual(try walk(request), [1, 3, 5, 7])
    }

    // MARK: Seeder

    func testSeedingIsDeterministic() throws {
        let other = try openDatabase("other.sqlite")
        defer { other.close() }
        XCTAssertEqual(try CustomerSeeder().seed(database.writer!, count: 200), 200)
        XCTAssertEqual(try CustomerSeeder().seed(other.writer!, count: 200), 200)
        let sql = "SELECT * FROM customers ORDER BY id"
        let mine = try database.read { try $0.query(sql) }
        let theirs = try other.read { try $0.query(sql) }
        XCTAssertEqual(mine.count, 200)
        XCTAssertEqual(mine, theirs)
        let tagsSQL = "SELECT customer_id, tag FROM customer_tags ORDER BY customer_id, tag"
        XCTAssertEqual(try database.read { try $0.query(tagsSQL) }, try other.read { try $0.query(tagsSQL) })
        XCTAssertEqual(try count("changes"), 0, "seeded rows are demo data without feed entries")
    }

    func testSeededCustomersLookReal() throws {
        try CustomerSeeder().seed(database.writer!, count: 2000)
        let rows = try query("SELECT * FROM customers")
        XCTAssertEqual(rows.count, 2000)
        let names = rows.compactMap { $0.string("name") }
        let chinese = names.filter { $0.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }
        let english = names.filter { $0.unicodeScalars.allSatisfy { $0.isASCII } && $0.contains(" ") }
        XCTAssertGreaterThan(chinese.count, 200, "Chinese names")
        XCTAssertGreaterThan(english.count, 200, "English names")
        XCTAssertGreaterThanOrEqual(Set(rows.compactMap { $0.string("industry") }).count, 12)
        let emails = rows.compactMap { $0.string("email_normalized") }
        XCTAssertEqual(emails.count, 2000)
        XCTAssertEqual(Set(emails).count, 2000, "emails are unique")
        XCTAssertTrue(rows.allSatisfy { EmailAddress.isValid($0.string("email") ?? "") })
        XCTAssertTrue(rows.allSatisfy { PhoneNumber.isValid($0.string("phone") ?? "") })
        XCTAssertTrue(rows.allSatisfy { ["person", "company"].contains($0.string("type") ?? "") })
        XCTAssertEqual(Set(rows.compactMap { $0.string("type") }), ["person", "company"])
        XCTAssertEqual(Set(rows.compactMap { $0.string("external_id") }).count, 2000)
        XCTAssertEqual(try count("customers_fts"), 2000, "seeded customers are searchable")
        // Seeded rows are valid under the same rules as API input.
        for row in rows.prefix(50) {
            for field in CustomerSchema.schema.writableFields {
                let value = RecordRenderer.jsonValue(field, row[field.column])
                if value.isNull { continue }
                if case .failure(let issue) = FieldValue.convert(value, kind: field.kind, field: field.name) {
                    XCTFail("seeded \(field.name) \(value) is invalid: \(issue)")
                }
            }
        }
    }

    func testSearchDocumentsReachTheIndexAtTheEndOfTheirBatchAndFailedJobsLeaveNone() throws {
        func matches(_ word: String) throws -> [Int64] {
            try query("SELECT rowid FROM customers_fts WHERE customers_fts MATCH ? ORDER BY rowid", [.text(word)]).compactMap {
                $0.int64(0)
            }
        }
        // One job: a create, an update that renames, a second create deleted again.
        let changes = try parseChanges(#"{"type":"person","name":"Zebulon Quill"}"#, mode: .create)
        let rename = try parseChanges(#"{"name":"Yara Quill"}"#, mode: .patch)
        let other = try parseChanges(#"{"type":"person","name":"Xavier Quill"}"#, mode: .create)
        let (kept, dropped) = try database.writeAndWait { connection in
            let kept = try service.create(connection, changes, actor: nil, now: t0)
            _ = try service.update(connection, id: kept.int64("id") ?? 0, rename, ifMatch: nil, actor: nil, now: t0)
            let dropped = try service.create(connection, other, actor: nil, now: t0)
            try service.delete(connection, id: dropped.int64("id") ?? 0, ifMatch: nil, actor: nil, now: t0)
            return (kept.int64("id") ?? 0, dropped.int64("id") ?? 0)
        }
        XCTAssertNotEqual(kept, dropped)
        XCTAssertEqual(try matches("yara"), [kept])
        XCTAssertEqual(try matches("zebulon"), [])
        XCTAssertEqual(try matches("xavier"), [])
        XCTAssertEqual(try count("customer_search_pending"), 0)
        // A job that fails after staging a document leaves nothing behind.
        XCTAssertThrowsError(
            try database.writeAndWait { connection in
                _ = try service.create(connection, other, actor: nil, now: t0)
                throw CRMError.notFound("on purpose")
            })
        XCTAssertEqual(try matches("xavier"), [])
        XCTAssertEqual(try count("customer_search_pending"), 0)
    }

    func testSeededDerivedFieldsAgreeWithTheLiveRules() throws {
        let now = Timestamp.now()
        let settings = CRMSettings()
        try CustomerSeeder().seed(database.writer!, count: 600, settings: settings, now: now)
        // The seed sums metrics and lifecycle while generating; recomputing them from the stored
        // rows changes nothing (a change would bump the version).
        try database.writer!.perform { connection in
            for id in 1...600 {
                try CustomerMetrics.refresh(
                    StoreConnection(connection), customerID: Int64(id), settings: settings, service: service, now: now)
            }
        }
        XCTAssertEqual(try query("SELECT count(*) FROM customers WHERE version != 1").first?.int(0), 0)
        XCTAssertGreaterThan(try query("SELECT count(*) FROM customers WHERE order_count > 0").first?.int(0) ?? 0, 100)
        // Companies have contacts (whose rollups the refresh above found already right), each
        // a person naming a company seeded before it.
        XCTAssertGreaterThan(try query("SELECT count(*) FROM customers WHERE account_contacts > 1").first?.int(0) ?? 0, 10)
        XCTAssertEqual(
            try query(
                """
                SELECT count(*) FROM customers p JOIN customers c ON c.id = p.account_id
                WHERE p.type != 'person' OR c.type != 'company' OR p.company != c.name OR c.id > p.id
                """
            ).first?.int(0), 0)
        XCTAssertGreaterThan(try query("SELECT count(DISTINCT lifecycle_stage) FROM customers").first?.int(0) ?? 0, 3)
        XCTAssertEqual(try database.read { try CustomerScoring.changes($0, settings: settings, now: now) }.count, 0, "scores are current")
    }

    func testSeedBuildsTheSearchIndexAsideIntactAndRemovesItsScratchFile() throws {
        try CustomerSeeder().seed(database.writer!, count: 300)
        try database.writer!.perform { try $0.execute("INSERT INTO customers_fts (customers_fts) VALUES ('integrity-check')") }
        let path = directory.appendingPathComponent("crm.sqlite").path + "-seed-search"
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        for id: Int64 in [1, 150, 300] {
            let name = try XCTUnwrap(rawRow(id)?.string("name"))
            let match = try XCTUnwrap(SearchDocument.query(name))
            let found = try query("SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?", [.text(match)]).compactMap { $0.int64(0) }
            XCTAssertTrue(found.contains(id), "\(name) is found")
        }
        // The index keeps working for customers written afterwards.
        let id = try XCTUnwrap(create("{\"type\":\"person\",\"name\":\"Zebulon Quartz\"}").int64("id"))
        let found = try query("SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?", [.text(SearchDocument.query("zebulon") ?? "")])
        XCTAssertEqual(found.compactMap { $0.int64(0) }, [id])
    }

    func testSeedingAppendsAfterExistingCustomers() throws {
        try create("{\"type\":\"person\",\"name\":\"Existing\"}")
        try CustomerSeeder().seed(database.writer!, count: 10)
        XCTAssertEqual(try count("customers"), 11)
        XCTAssertEqual(try rawRow(1)?.string("name"), "Existing")
        XCTAssertEqual(Set(try query("SELECT email_normalized FROM customers WHERE id > 1").compactMap { $0.string(0) }).count, 10)
    }
}
