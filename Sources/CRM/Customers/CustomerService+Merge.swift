import JSON
import SQLite

/// `POST /v1/customers/{id}/merge` (API.md §2): one transaction that moves every related record
/// of the `from` customers to the survivor, fills the survivor's empty fields from them (in the
/// order given), unions tags and attributes, moves their loyalty balances, soft-deletes them with
/// `merged_into`, and recomputes the survivor's metrics. Each moved record, the survivor and each
/// merged customer get their change-feed and audit entries, as any other write would.
extension CustomerService {
    /// The request flag a merge sets on the records it moves, so resource rules can tell a move
    /// from an edit (a closed ticket is final to edits, not to a merge).
    static let mergeFlag = "__merge"

    /// The most customers one merge takes.
    public static let maximumMerge = 100

    /// - Parameter related: the services of records that belong to a customer, in the order they
    ///   move: records others link to (opportunities, tickets) before the records linking them.
    /// `ifMatch`: the survivor's version the client expects (a merge is a write to it); another
    /// is a `412` and nothing moves.
    public func merge(
        _ connection: StoreConnection, into id: Int64, from sources: [Int64], related: [RecordService], settings: CRMSettings,
        ifMatch: VersionCondition? = nil, actor: Int64?, now: Timestamp
    ) throws -> StoredRecord {
        guard let survivor = try CustomerStore.find(connection, id: id) else { throw CRMError.notFound("no customer \(id)") }
        if let refused = CustomerErasure.refusal(survivor) { throw refused }
        if let ifMatch, let version = survivor.int64("version"), !ifMatch.admits(version) {
            throw CRMError.versionMismatch(current: version)
        }
        if sources.isEmpty || sources.count > Self.maximumMerge {
            throw CRMError.validation([FieldIssue("from", "invalid", "name 1 to \(Self.maximumMerge) customer ids to merge")])
        }
        if sources.contains(id) { throw CRMError.validation([FieldIssue("from", "self_merge", "a customer cannot be merged into itself")]) }
        if Set(sources).count != sources.count { throw CRMError.validation([FieldIssue("from", "duplicate", "an id is given twice")]) }
        var merged: [Row] = []
        for source in sources {
            guard let row = try CustomerStore.find(connection, id: source) else {
                throw CRMError.validation([FieldIssue("from", "not_found", "no live customer \(source)")])
            }
            if let refused = CustomerErasure.refusal(row, field: "from") { throw refused }
            merged.append(row)
        }
        // The union of tags and attributes keeps a customer's limits, or nothing moves: the
        // survivor could not otherwise be sent back as it is (a PATCH of its own tags a 422).
        let limits = Self.unionLimitIssues(Self.filled(survivor, from: merged))
        if !limits.isEmpty { throw CRMError.validation(limits) }

        // A total the moves would push past the largest kept (an account's, a survivor's) is the
        // merge's fault, named on `from`, not on the `amount` of the record that moved.
        return try Self.namingFrom {
            for service in related {
                var changes = try service.parse(["customer_id": .int(id)], mode: .patch)
                changes.flags[Self.mergeFlag] = .integer(1)
                for record in try service.store.liveIDs(connection, customerIDs: sources) {
                    _ = try service.updateRecord(connection, id: record, changes, ifMatch: nil, actor: actor, now: now)
                }
                try service.store.moveDeleted(connection, customerIDs: sources, to: id)
            }
            // A merged company's contacts move to the survivor when it is a company, else to no
            // account (API.md §2); the merged customers themselves are about to go.
            let survivorIsCompany = try CustomerStore.find(connection, id: id)?.string("type") == "company"
            for row in merged where row.string("type") == "company" {
                guard let company = row.int64("id") else { continue }
                try CustomerAccounts.repoint(
                    connection, contactsOf: company, to: survivorIsCompany ? id : nil, skipping: Set(sources), flow: flow, actor: actor,
                    now: now)
            }
            // The merged customers go first, so their unique email or external id can pass to the survivor.
            // Their points move, not copy: each one's ledger ends on a transfer to the survivor and a
            // balance of 0, so no sum over tombstones and survivor counts them twice.
            for (source, row) in zip(sources, merged) {
                try flow.delete(connection, id: source, ifMatch: nil, actor: actor, now: now) {
                    if let points = row.int64("loyalty_points"), points != 0 {
                        try CustomerStore.addLoyaltyPoints(connection, id: source, delta: -points)
                        _ = try LoyaltyLedgerStore.insert(
                            connection, customerID: source, delta: -points, reason: "merged into customer \(id)", balanceAfter: 0,
                            actor: actor,
                            now: now)
                    }
                    try CustomerStore.softDelete(connection, id: source, now: now, mergedInto: id)
                }
            }

            let before = try flow.current(connection, id: id, ifMatch: nil)
            var values = Self.filled(before, from: merged)
            if case .integer(let account)? = values["account_id"], survivorIsCompany || sources.contains(account) || account == id {
                // An account passes only to a person, and never one that this merge removes.
                values["account_id"] = nil
            }
            if case .text(let override)? = values["tier_override"] {
                // A manual tier that passes to the survivor shows at once, as on PATCH.
                values["__tier"] = .text(CustomerScoring.tier(score: before.int64("rfm_score"), override: override))
            }
            let points = merged.reduce(Int64(0)) { $0 + ($1.int64("loyalty_points") ?? 0) }
            _ = try flow.update(connection, before: before, actor: actor, now: now) {
                guard !values.isEmpty || points != 0 else { return false }
                try checkUnique(connection, values, except: id)
                // Always through update, which bumps version and updated_at: a balance that changes
                // alone changes the representation (and so the ETag) too.
                try CustomerStore.update(connection, id: id, values: values, now: now)
                if points != 0 {
                    try CustomerStore.addLoyaltyPoints(connection, id: id, delta: points)
                    // The ledger says where the points came from, so the balance stays its sum.
                    var balance = before.int64("loyalty_points") ?? 0
                    for row in merged {
                        guard let delta = row.int64("loyalty_points"), delta != 0, let source = row.int64("id") else { continue }
                        balance += delta
                        _ = try LoyaltyLedgerStore.insert(
                            connection, customerID: id, delta: delta, reason: "merged from customer \(source)", balanceAfter: balance,
                            actor: actor, now: now)
                    }
                }
                return true
            }
            // The accounts the merged customers left, and the one the survivor may have joined.
            let after = try CustomerStore.find(connection, id: id)
            for company in Set(merged.compactMap { $0.int64("account_id") } + [after?.int64("account_id")].compactMap { $0 }).sorted() {
                try CustomerAccounts.refresh(connection, companyID: company, renderer: renderer, now: now)
            }
            try CustomerMetrics.refresh(
                connection, customerID: id, settings: settings, service: self, now: now, recountingContacts: survivorIsCompany)
            guard let record = try record(connection, id: id) else { throw CRMError.notFound("no customer \(id)") }
            return record
        }
    }

    /// Runs the moves of a merge; a `total_too_large` they meet names `from`, what the client sent.
    private static func namingFrom<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch CRMError.validation(let issues) where issues.contains(where: { $0.code == "total_too_large" }) {
            throw CRMError.validation(issues.map { $0.code == "total_too_large" ? FieldIssue("from", $0.code, $0.message) : $0 })
        }
    }

    /// What the survivor takes from the merged customers: each empty writable field from the
    /// first that has it, every tag (survivor's first), every attribute it lacks.
    static func filled(_ survivor: Row, from merged: [Row]) -> [String: SQLValue] {
        var values: [String: SQLValue] = [:]
        for field in CustomerSchema.schema.writableFields {
            switch field.kind {
            case .tags:
                var tags = Self.strings(survivor.string(field.column))
                let before = tags.count
                for row in merged {
                    for tag in Self.strings(row.string(field.column)) where !tags.contains(tag) { tags.append(tag) }
                }
                if tags.count != before { values[field.name] = .text(JSONValue.array(tags.map(JSONValue.string)).jsonString) }
            case .attributes:
                var object = Self.object(survivor.string(field.column))
                let before = object.count
                for row in merged {
                    for (key, value) in Self.object(row.string(field.column)) where object[key] == nil { object[key] = value }
                }
                if object.count != before { values[field.name] = .text(JSONValue.object(object).jsonString) }
            default:
                let current = survivor[field.column]
                guard current == .null || current == .text("") else { continue }
                if let value = merged.lazy.map({ $0[field.column] }).first(where: { $0 != .null && $0 != .text("") }) {
                    values[field.name] = value
                }
            }
        }
        return values
    }

    /// The `too_many` issues of tags and attributes a merge would fill in (``filled(_:from:)``).
    static func unionLimitIssues(_ values: [String: SQLValue]) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if case .text(let json)? = values["tags"], case let count = Self.strings(json).count, count > FieldValue.maximumTags {
            issues.append(
                FieldIssue(
                    "tags", "too_many",
                    "merged, the customer would have \(count) tags, and a customer has at most \(FieldValue.maximumTags): remove some first"
                ))
        }
        if case .text(let json)? = values["attributes"], case let count = Self.object(json).count, count > FieldValue.maximumAttributes {
            issues.append(
                FieldIssue(
                    "attributes", "too_many",
                    "merged, the customer would have \(count) attributes, and a customer has at most \(FieldValue.maximumAttributes): "
                        + "remove some first"))
        }
        return issues
    }

    private static func strings(_ json: String?) -> [String] {
        (try? JSONParser.parse(json ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    private static func object(_ json: String?) -> JSONObject {
        (try? JSONParser.parse(json ?? "{}"))?.objectValue ?? JSONObject()
    }
}
