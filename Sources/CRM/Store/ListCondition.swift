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

    /// `q` over one text column (alias `r`) with `LIKE`, wildcards in the query escaped. Both
    /// sides lower-cased: SQLite's `LIKE` ignores the case of ASCII letters, PostgreSQL's does
    /// not, and `lower()` folds exactly those on both (text is `COLLATE "C"` there).
    static func like(column: String, _ text: String) -> ListCondition {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return ListCondition(sql: "lower(r.\(column)) LIKE lower(?) ESCAPE '\\'", bindings: [.text("%\(escaped)%")])
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
