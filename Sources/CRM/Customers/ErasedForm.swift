import JSON

/// What an erase leaves of each kind of record that holds a customer's personal data (API.md §2,
/// "data-subject requests"): the fields it clears and what they become. The customer's row, its
/// related rows and every stored JSON copy of them (feed entries, audit changes, idempotent
/// answers, webhook outbox data) are rewritten by this one table, so they all agree (the SQL that
/// applies it is ``CustomerErasureStore``'s).
///
///     ErasedForm.customer.fields  // name → "erased", email → null, attributes → {}, …
enum ErasedForm: String, CaseIterable, Sendable {
    case customer, interaction, feedback, comment, loyaltyEntry

    /// The text a required field becomes (a customer's `name`, a comment's `body`).
    static let placeholder = "erased"

    enum Value: Sendable, Equatable {
        case null, placeholder, emptyObject

        /// The value in a JSON document rewritten in Swift rather than in SQL.
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
        // Also: a customer-written comment's `author` is the customer's name, so it becomes the
        // placeholder too (``CustomerErasureStore`` tests `author_type`).
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
