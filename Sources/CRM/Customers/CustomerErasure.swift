import JSON
import SQLite

/// `POST /v1/customers/{id}/erase` (API.md §2, "data-subject requests"; admin only): in one writer
/// transaction, clears the customer's personal fields and those of its interactions, ticket
/// comments, feedback and loyalty entries (``ErasedForm``), takes it out of search and duplicates,
/// rewrites every earlier change-feed entry, audit entry, idempotent answer and webhook outbox
/// copy of them, and records one `customer.erased` feed entry. Amounts, dates, tags and the
/// lifecycle, tier and source the reports count stay. An erased customer takes no further write
/// (``refusal(_:)``, a `409`).
///
///     let reason = try CustomerErasure.parse(body)  // the 422s, before the writer
///     let erased = try erasure.erase(connection, id: 7, reason: reason, actor: keyID, now: now)
///
/// What leaves the file only after the commit — old page images in the write-ahead log — is
/// handled by the caller checkpointing afterwards (docs/architecture.md, "Erasure").
public struct CustomerErasure: Sendable {
    public static let maximumReasonLength = 500
    /// The feed type of an erase: one entry per erased customer.
    public static let eventType = "customer.erased"

    let customers: CustomerService

    public init(customers: CustomerService) {
        self.customers = customers
    }

    /// Checks a `POST` body: `reason` is required text of at most ``maximumReasonLength``
    /// characters after trimming, without control characters; nothing else is accepted.
    public static func parse(_ object: JSONObject) throws(CRMError) -> String {
        var issues: [FieldIssue] = []
        for key in object.keys where key != "reason" {
            issues.append(
                FieldIssue(key, RecordSchema.serverOwned.contains(key) ? "read_only" : "unknown_field", "the body takes only reason"))
        }
        let reason = FieldValue.requiredText(
            object["reason"], field: "reason", maxLength: maximumReasonLength,
            required: "why the customer is erased: non-empty, at most \(maximumReasonLength) characters", issues: &issues)
        if !issues.isEmpty { throw .validation(issues) }
        return reason
    }

    /// Erases the customer `id`, live or deleted (a deleted customer's row, shown with
    /// `include_deleted=true` and in the feed, still holds the person's data); returns it as it
    /// now is.
    ///
    /// - Throws: ``CRMError/notFound(_:)`` for an unknown customer, ``CRMError/conflict(_:_:)``
    ///   (`erased`) for one already erased. Either way nothing is written.
    public func erase(_ connection: StoreConnection, id: Int64, reason: String, actor: Int64?, now: Timestamp) throws -> StoredRecord {
        guard let row = try CustomerStore.find(connection, id: id, includeDeleted: true) else {
            throw CRMError.notFound("no customer \(id)")
        }
        if let refused = Self.refusal(row) { throw refused }
        // The customers merged into it were the same person: their rows (deleted, with
        // `merged_into`) and their history hold the same kind of data, so they are erased with it.
        for customer in try [id] + CustomerErasureStore.mergedInto(connection, id: id) {
            // History first, while the related rows still say which records are the customer's.
            try CustomerErasureStore.rewriteHistory(connection, customerID: customer)
            try CustomerErasureStore.rewriteOutbox(connection, customerID: customer)
            try CustomerErasureStore.rewriteAnswers(connection, customerID: customer)
            try CustomerErasureStore.rewriteListAnswers(connection, customerID: customer)
            try CustomerErasureStore.eraseRelated(connection, customerID: customer, now: now)
            try CustomerErasureStore.eraseCustomer(connection, id: customer, reason: reason, now: now)
        }
        try CustomerErasureStore.markPurgePending(connection, customerID: id)
        guard let record = try customers.recordIncludingDeleted(connection, id: id) else {
            throw CRMError.notFound("no customer \(id)")
        }
        try ChangeLog.recordEvent(
            connection, type: Self.eventType, recordType: CustomerSchema.schema.recordType, id: id, data: record.json, now: now)
        // Who erased, when and why; the erased values themselves are in no entry.
        try ChangeLog.audit(
            connection, action: .update, recordType: CustomerSchema.schema.recordType, id: id,
            fields: [("erased_at", before: .null, after: .string(now.rfc3339)), ("erase_reason", before: .null, after: .string(reason))],
            actor: actor, now: now)
        return record
    }

    /// Whether the customer `id` has been erased (a live or deleted one).
    public static func isErased(_ connection: StoreConnection, id: Int64) throws -> Bool {
        try CustomerErasureStore.isErased(connection, id: id)
    }

    /// The `409` every write to an erased customer gets (patch, delete, upsert, a batch or import
    /// row, points, merge, a second erase), or nil when `row` may be written.
    static func refusal(_ row: Row, field: String = "id") -> CRMError? {
        guard row["erased_at"] != .null else { return nil }
        let id = row.int64("id") ?? 0
        return .conflict(
            "customer \(id) was erased: an erased customer is final",
            [FieldIssue(field, "erased", "customer \(id) was erased on \(row.string("erased_at") ?? "")")])
    }

    /// `erased_at` and `erase_reason` on an erased customer's JSON (absent on others, like
    /// `merged_into`).
    private static let markColumns = ["erased_at", "erase_reason"]

    static func writeMarks<R: ColumnReader>(_ row: R, into writer: inout JSONWriter) {
        let at = row.positions(of: markColumns, key: "customers.erasure")
        guard let erasedAt = at[0], !row.isNull(at: erasedAt) else { return }
        writer.key("erased_at")
        _ = row.withUTF8(at: erasedAt) { writer.string(utf8: $0) }
        writer.key("erase_reason")
        if let reason = at[1], row.withUTF8(at: reason, { writer.string(utf8: $0) }) != nil { return }
        writer.null()
    }
}
