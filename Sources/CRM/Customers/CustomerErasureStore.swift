import JSON
import SQLite

/// All SQL of an erase (``CustomerErasure``): the customer's row and search document, its related
/// rows, and every stored copy of their personal fields, each rewritten to its ``ErasedForm``.
/// Runs in the writer's transaction with `secure_delete` on, so what the rewritten rows and index
/// entries held is zeroed in the pages that held it.
enum CustomerErasureStore {
    /// Whether the customer `id` (live or not) has been erased.
    static func isErased(_ connection: StoreConnection, id: Int64) throws -> Bool {
        try connection.queryOne("SELECT 1 FROM customers WHERE id = ? AND erased_at IS NOT NULL", [.integer(id)]) != nil
    }

    /// The customers merged into `id`, directly or through others merged into those.
    static func mergedInto(_ connection: StoreConnection, id: Int64) throws -> [Int64] {
        try connection.query(
            """
            WITH RECURSIVE merged(id) AS (
                SELECT id FROM customers WHERE merged_into = ?
                UNION SELECT c.id FROM customers c JOIN merged m ON c.merged_into = m.id)
            SELECT id FROM merged ORDER BY id
            """, [.integer(id)]
        ).compactMap { $0.int64(0) }
    }

    /// Clears the customer's personal columns (and the columns derived from them), marks it erased
    /// and takes its search document away. Its tags and amounts stay.
    static func eraseCustomer(_ connection: StoreConnection, id: Int64, reason: String, now: Timestamp) throws {
        try connection.run(eraseCustomerSQL, [.text(now.rfc3339), .text(reason), .text(now.rfc3339), .integer(id)])
        try connection.run("DELETE FROM customers_fts WHERE rowid = ?", [.integer(id)])
        // A document an earlier job of the batch staged must not reach the index at its end.
        try connection.run(
            """
            INSERT INTO customer_search_pending (customer_id, document) VALUES (?, NULL)
            ON CONFLICT (customer_id) DO UPDATE SET document = NULL
            """, [.integer(id)])
    }

    private static let eraseCustomerSQL: String = {
        let assignments =
            [ErasedForm.customer.clearing] + [
                "email_normalized = NULL", "phone_digits = NULL", "erased_at = ?", "erase_reason = ?", "updated_at = ?",
                "version = version + 1",
            ]
        return "UPDATE customers SET \(assignments.joined(separator: ", ")) WHERE id = ?"
    }()

    /// Clears the personal fields of every interaction and feedback of the customer (deleted ones
    /// too: a soft-deleted row still holds its text), the bodies of the comments on its tickets
    /// (and the author of those the customer wrote) and the reasons of its loyalty entries. A
    /// record that changes gets a new version and `updated_at`.
    static func eraseRelated(_ connection: StoreConnection, customerID: Int64, now: Timestamp) throws {
        let customer = SQLValue.integer(customerID)
        for (kind, table) in [(ErasedForm.interaction, "interactions"), (.feedback, "feedback")] {
            let held = kind.fields.map { "\($0.name) IS NOT NULL" }.joined(separator: " OR ")
            try connection.run(
                "UPDATE \(table) SET \(kind.clearing), updated_at = ?, version = version + 1 WHERE customer_id = ? AND (\(held))",
                [.text(now.rfc3339), customer])
        }
        try connection.run(
            """
            UPDATE ticket_comments SET \(ErasedForm.comment.clearing),
                author = CASE author_type WHEN 'customer' THEN '\(ErasedForm.placeholder)' ELSE author END
            WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?)
            """, [customer])
        try connection.run("UPDATE loyalty_ledger SET \(ErasedForm.loyaltyEntry.clearing) WHERE customer_id = ?", [customer])
    }

    /// The records of `kind` whose feed entries, audit entries and outbox copies an erase of the
    /// customer rewrites: the customer itself, or its interactions or feedback.
    private static func ids(_ kind: ErasedForm) -> String {
        switch kind {
        case .interaction: "SELECT id FROM interactions WHERE customer_id = ?"
        case .feedback: "SELECT id FROM feedback WHERE customer_id = ?"
        default: "SELECT CAST(? AS BIGINT)"
        }
    }

    /// Rewrites the change-feed entries and the audit entries of the customer, its interactions and
    /// its feedback (`changes_by_record`, `audit_log_by_record`).
    static func rewriteHistory(_ connection: StoreConnection, customerID: Int64) throws {
        for kind in ErasedForm.allCases {
            guard let recordType = kind.recordType else { continue }
            try connection.run(
                "UPDATE changes SET data = \(kind.replacing("data")) WHERE record_type = ? AND record_id IN (\(ids(kind))) AND data IS NOT NULL",
                [.text(recordType), .integer(customerID)])
            try connection.run(
                "UPDATE audit_log SET changes = \(kind.replacingAudit("changes")) WHERE record_type = ? AND record_id IN (\(ids(kind)))",
                [.text(recordType), .integer(customerID)])
        }
    }

    /// Rewrites the webhook deliveries that carry a copy of the customer or of its feedback
    /// (`automation.fired`, whose `record` is the record the run acted on). Deliveries of feed
    /// events carry no copy: their body is the (rewritten) feed entry, read when sent.
    static func rewriteOutbox(_ connection: StoreConnection, customerID: Int64) throws {
        for kind in [ErasedForm.customer, .feedback] {
            guard let recordType = kind.recordType else { continue }
            try connection.run(
                """
                UPDATE webhook_deliveries SET data = \(kind.replacing("data", prefix: "$.record"))
                WHERE data IS NOT NULL AND json_extract(data, '$.record_type') = ? AND CAST(json_extract(data, '$.record_id') AS BIGINT) IN (\(ids(kind)))
                """, [.text(recordType), .integer(customerID)])
        }
    }

    /// Rewrites the stored idempotent answers about the customer (``IdempotencyStore`` links each
    /// to the customer it shows): each is given the erased form of the kind of record it shows.
    static func rewriteAnswers(_ connection: StoreConnection, customerID: Int64) throws {
        let rows = try connection.query(
            "SELECT key_id, idempotency_key, body FROM idempotency_keys WHERE customer_id = ?", [.integer(customerID)])
        for row in rows {
            guard let body = row.blob("body"), case .object(let answer)? = try? JSONParser.parse(body),
                let kind = ErasedForm.kind(of: answer)
            else { continue }
            try connection.run(
                """
                UPDATE idempotency_keys SET body = \(connection.dialect.textAsBlob(kind.replacing(connection.dialect.blobAsText("body"))))
                WHERE key_id = ? AND idempotency_key = ?
                """,
                [row["key_id"], row["idempotency_key"]])
        }
    }

    /// Rewrites the stored answers of searches (`POST /v1/customers/search`: a page of customers,
    /// linked to no one customer) that show the customer: its element of `data` takes the erased
    /// form. Found by the opening every rendered customer has, `{"id":<id>,"type":`, then parsed.
    static func rewriteListAnswers(_ connection: StoreConnection, customerID: Int64) throws {
        let opening = Array("{\"id\":\(customerID),\"type\":".utf8)
        let rows = try connection.query(
            """
            SELECT key_id, idempotency_key, body FROM idempotency_keys
            WHERE customer_id IS NULL AND \(connection.dialect.blobContains("body"))
            """, [.blob(opening)])
        for row in rows {
            guard let body = row.blob("body"), case .object(var answer)? = try? JSONParser.parse(body),
                case .array(var page)? = answer["data"]
            else { continue }
            var changed = false
            for (index, element) in page.enumerated() {
                guard case .object(var customer) = element, customer["id"]?.intValue == customerID,
                    ErasedForm.kind(of: customer) == .customer
                else { continue }
                for (name, value) in ErasedForm.customer.fields where customer[name] != nil {
                    customer[name] = value.json
                }
                page[index] = .object(customer)
                changed = true
            }
            guard changed else { continue }
            answer["data"] = .array(page)
            try connection.run(
                "UPDATE idempotency_keys SET body = ? WHERE key_id = ? AND idempotency_key = ?",
                [.blob(Array(JSONValue.object(answer).jsonString.utf8)), row["key_id"], row["idempotency_key"]])
        }
    }

    /// While the search index may still hold terms of an erased customer, `pending_rebuilds`
    /// (migration 0016) names it `customers_fts:<id>`: set by the erase, removed by the purge that
    /// read it before merging and has truncated the log (so a crash in between purges it again).
    static func markPurgePending(_ connection: StoreConnection, customerID: Int64) throws {
        try connection.run("INSERT INTO pending_rebuilds (name) VALUES (?) ON CONFLICT DO NOTHING", [.text("customers_fts:\(customerID)")])
    }

    /// The pending purges' names.
    static func pendingPurges(_ connection: StoreConnection) throws -> [String] {
        try connection.query("SELECT name FROM pending_rebuilds WHERE name LIKE 'customers\\_fts:%' ESCAPE '\\'").compactMap {
            $0.string(0)
        }
    }

    static func clearPurges(_ connection: StoreConnection, _ names: [String]) throws {
        for name in names { try connection.run("DELETE FROM pending_rebuilds WHERE name = ?", [.text(name)]) }
    }

    /// One step of merging the full-text index into a single segment, writing about `pages` FTS
    /// pages; returns whether it did any work (when not, the index is merged).
    ///
    /// FTS5 keeps an index as segments; deleting a document adds a delete marker to a new segment
    /// and leaves the document's terms in the older ones until a merge reaches the oldest segment.
    /// SQLite 3.40 has no `secure-delete` option for FTS5 (3.42 added it), so only a full merge
    /// leaves no term of an erased customer. A `merge` with a negative size first puts every
    /// segment on one level and starts merging them all (then positive sizes carry that merge on
    /// even as writes add segments), which ends where `optimize` does, in steps
    /// (https://sqlite.org/fts5.html#the_merge_command); with `secure_delete` on, the pages of the
    /// old segments are zeroed as they are freed.
    static func mergeSearchIndex(_ connection: SQLite.Connection, pages: Int, first: Bool) throws -> Bool {
        let before = connection.totalChanges
        try connection.run(
            "INSERT INTO customers_fts (customers_fts, rank) VALUES ('merge', ?)", [.integer(Int64(first ? -pages : pages))])
        return connection.totalChanges - before >= 2
    }
}

/// The SQL that applies an ``ErasedForm``: to a row's columns and to the JSON copies of a record.
extension ErasedForm.Value {
    /// The value for `json_replace` (a JSON object must keep its JSON subtype).
    var jsonSQL: String {
        switch self {
        case .null: "NULL"
        case .placeholder: "'\(ErasedForm.placeholder)'"
        case .emptyObject: "json_object()"
        }
    }

    /// The value for a column.
    var columnSQL: String {
        switch self {
        case .null: "NULL"
        case .placeholder: "'\(ErasedForm.placeholder)'"
        case .emptyObject: "'{}'"
        }
    }
}

extension ErasedForm {
    /// `column = value, …`: the assignments that clear a row of this kind.
    var clearing: String {
        fields.map { "\($0.name) = \($0.value.columnSQL)" }.joined(separator: ", ")
    }

    /// `json_replace(<json>, …)` giving a stored rendering of this kind (at `prefix`, `$` for the
    /// document itself) its erased form. Paths absent from the document are left absent.
    func replacing(_ json: String, prefix: String = "$") -> String {
        var arguments = fields.map { "'\(prefix).\($0.name)', \($0.value.jsonSQL)" }
        if self == .comment {
            arguments.append(
                "'\(prefix).author', CASE WHEN json_extract(\(json), '\(prefix).author_type') = 'customer' THEN '\(Self.placeholder)' "
                    + "ELSE json_extract(\(json), '\(prefix).author') END")
        }
        return "json_replace(\(json), \(arguments.joined(separator: ", ")))"
    }

    /// `json_replace(<changes>, …)` giving an audit entry's `{"field":{"before","after"}}` its
    /// erased form: a value that was there becomes the erased value, a null stays null.
    func replacingAudit(_ json: String) -> String {
        let arguments = fields.flatMap { field in
            ["before", "after"].map { side in
                let path = "$.\(field.name).\(side)"
                let erased =
                    field.value == .null
                    ? "NULL" : "CASE WHEN json_type(\(json), '\(path)') = 'null' THEN NULL ELSE \(field.value.jsonSQL) END"
                return "'\(path)', \(erased)"
            }
        }
        return "json_replace(\(json), \(arguments.joined(separator: ", ")))"
    }
}
