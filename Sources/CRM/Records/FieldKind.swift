/// What values a field takes, how they are checked, stored and rendered.
public enum FieldKind: Sendable {
    /// Text, trimmed; at most `maxLength` characters. An optional field given `""` is cleared.
    case text(maxLength: Int)
    /// One of a fixed set of strings.
    case enumeration([String])
    /// An email address, stored as given (trimmed); compared case-insensitively.
    case email
    /// A phone number under ``PhoneNumber``'s lenient rule.
    case phone
    /// ISO 3166-1 alpha-2, upper case.
    case country
    /// ISO 4217, upper case.
    case currency
    /// `YYYY-MM-DD`.
    case date
    /// RFC 3339, any offset; stored and rendered as UTC with milliseconds.
    case timestamp
    case boolean
    /// A whole number within bounds (money in minor units, quantities, scores).
    case integer(minimum: Int64, maximum: Int64)
    /// An array of distinct non-empty strings, order kept; stored as JSON text.
    case tags
    /// An object of custom fields (string, number, bool or null values); stored as JSON text.
    case attributes
    /// Order lines: an array of `{sku, name, quantity, unit_amount}`; stored as JSON text.
    case lineItems
    /// A rule tree (segments' `rules`), checked by ``RuleTree`` against customers; stored as
    /// JSON text.
    case ruleTree
    /// A JSON object or array whose shape the resource's own rules check (an automation's
    /// `schedule` and `actions`); stored as JSON text.
    case document
    /// The id of a live record in `table` (a missing or deleted one is a 422 naming the field).
    case reference(table: String)
}
