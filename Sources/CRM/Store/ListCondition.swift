import SQLite

/// A condition on a resource's list beyond its field filters: full-text `q`, or a parameter
/// of the resource's own (tickets' `sla_breached`). Built by the resource's store; above CRM
/// it is only a name and a value.
public struct ListCondition: Sendable {
    let sql: String
    let bindings: [SQLValue]

    init(sql: String, bindings: [SQLValue]) {
        self.sql = sql
        self.bindings = bindings
    }

    /// All of `conditions` at once, or nil for none.
    static func all(_ conditions: [ListCondition]) -> ListCondition? {
        guard !conditions.isEmpty else { return nil }
        return ListCondition(sql: conditions.map(\.sql).joined(separator: " AND "), bindings: conditions.flatMap(\.bindings))
    }

    /// `q` over one text column (alias `r`) with `LIKE`, wildcards in the query escaped
    /// (``containsPattern(_:)``).
    static func like(column: String, _ text: String) -> ListCondition {
        ListCondition(sql: "lower(r.\(column)) LIKE ? ESCAPE '\\'", bindings: [.text(containsPattern(text))])
    }

    /// The `LIKE` pattern (escape `\`) of text containing `text`, ignoring the case of ASCII
    /// letters only, for `lower(column) LIKE ?` on both engines: SQLite's `LIKE` and `lower()` fold
    /// exactly those, and PostgreSQL's `lower()` of a column does too (text is `COLLATE "C"`
    /// there). The pattern is lower-cased here, not with `lower(?)`: a parameter has the
    /// database's collation on PostgreSQL, whose `lower()` then folds `Å` and `İ` as well.
    static func containsPattern(_ text: String) -> String {
        var pattern = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            if let ascii = character.asciiValue, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(ascii) {
                pattern.append(Character(Unicode.Scalar(ascii + 32)))
            } else {
                pattern.append(character)
            }
        }
        return pattern + "%"
    }
}

/// A list parameter of a resource's own: turns the request's value, at the request's time, into
/// a condition, or refuses the value (`400` naming the parameter).
public struct ListParameter: Sendable {
    let condition: @Sendable (_ value: String, _ now: Timestamp) throws(CRMError) -> ListCondition

    init(_ condition: @escaping @Sendable (String, Timestamp) throws(CRMError) -> ListCondition) {
        self.condition = condition
    }
}
