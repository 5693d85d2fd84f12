import JSON

/// What an erase leaves of each kind of record that holds a customer's personal data (API.md §2,
/// "data-subject requests"): the fields it clears and what they become. The customer's row, its
/// related rows and every stored JSON copy of them (feed entries, audit changes, idempotent
/// answers, webhook outbox data) are rewritten by this one table, so they all agree.
///
///     ErasedForm.customer.fields  // name → "erased", email → null, attributes → {}, …
enum ErasedForm: String, CaseIterable, Sendable {
    case customer, interaction, feedback, comment, loyaltyEntry

    /// The text a required field becomes (a customer's `name`, a comment's `body`).
    static let placeholder = "erased"

    enum Value: Sendable, Equatable {
        case null, placeholder, emptyObject

        /// The value as SQL, for `json_replace` (a JSON object must keep its JSON subtype) and for
        /// a column.
        var jsonSQL: String {
            switch self {
            case .null: "NULL"
            case .placeholder: "'\(ErasedForm.placeholder)'"
            case .emptyObject: "json_object()"
            }
        }

        var columnSQL: String {
            switch self {
            case .null: "NULL"
            case .placeholder: "'\(ErasedForm.placeholder)'"
            case .emptyObject: "'{}'"
            }
        }

        var json: JSONValue {
            switch self {
            case .null: .null
            case .placeholder: .string(ErasedForm.placeholder)
            case .emptyObject: .object(JSONObject())
            }
        }
    }

    /// The cleared fields (their API names, which are also their columns) and their erased values.
    var fields: [(name: String, value: Value)] {
        switch self {
        case .customer:
            [
                ("name", .placeholder), ("email", .null), ("phone", .null), ("title", .null), ("city", .null), ("birthday", .null),
                ("attributes", .emptyObject), ("external_id", .null),
            ]
        case .interaction: [("subject", .null), ("body", .null)]
        case .feedback: [("comment", .null)]
        // A customer-written comment's author is the customer's name (``authorOfCustomerComment``).
        case .comment: [("body", .placeholder)]
        case .loyaltyEntry: [("reason", .placeholder)]
        }
    }

    /// The record type of its change-feed and audit entries, for the kinds that have them.
    var recordType: String? {
        switch self {
        case .customer: "customer"
        case .interaction: "interaction"
        case .feedback: "feedback"
        case .comment, .loyaltyEntry: nil
        }
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

    /// The kind of record a stored JSON answer shows, judged by the members only that kind's
    /// rendering has; nil for answers that hold no erasable field (an order, a batch's results).
    static func kind(of answer: JSONObject) -> ErasedForm? {
        if answer["lifecycle_stage"] != nil { return .customer }
        if answer["duration_seconds"] != nil { return .interaction }
        if answer["kind"] != nil, answer["score"] != nil, answer["comment"] != nil { return .feedback }
        if answer["author_type"] != nil { return .comment }
        if answer["balance_after"] != nil { return .loyaltyEntry }
        return nil
    }
}
