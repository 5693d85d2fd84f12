import JSON
import SQLite

/// A field a list can be filtered or sorted by, with the SQL that reads it. The SQL comes from the
/// resource's store, never from the request (DESIGN.md, "Data rules").
public struct ListField: Sendable {
    public enum Filtering: Sendable {
        /// `expression = ?`, `expression IN (…)`, `expression > ?`, …
        case expression(String)
        /// Like `expression`, for an expression with an index of its own that pays only where it
        /// yields rows in the page's order: equality and any-of, in id order. Other comparisons
        /// and orders read `+expression`, which no index serves, so the list is planned as
        /// without it (a custom field's attribute: ``AttributeIndexUse``). `rangeGuard`, when
        /// given, must hold too for `gt`, `gte`, `lt` and `lte` (an attribute's JSON type: a range
        /// compares like with like, where SQLite orders every number below every string).
        case indexedForEquality(String, rangeGuard: String? = nil)
        /// Equality (any-of) through a membership sub-query: `template` holds `%@` where the
        /// `?, ?, …` list goes, e.g. tags in a side table.
        case membership(String)
        case none
    }

    public let name: String
    public let kind: FieldKind
    public let filtering: Filtering
    /// A never-NULL expression to sort by (keyset pagination compares it), or nil if unsortable.
    public let sortExpression: String?
    /// Applied to filter values before binding (e.g. lower-casing emails).
    public let normalize: (@Sendable (String) -> String)?
    /// The field's own reading of a filter value (a custom field's type), nil to read it by
    /// `kind`; returns nil with what it expected for a value it refuses.
    public let parseValue: (@Sendable (String) -> Result<JSONValue, ListValueError>)?

    public init(
        _ name: String, kind: FieldKind, filter: Filtering, sort: String? = nil, normalize: (@Sendable (String) -> String)? = nil,
        parseValue: (@Sendable (String) -> Result<JSONValue, ListValueError>)? = nil
    ) {
        self.name = name
        self.kind = kind
        self.filtering = filter
        self.sortExpression = sort
        self.normalize = normalize
        self.parseValue = parseValue
    }
}

/// A filter value a field refuses: what it expected instead.
public struct ListValueError: Error, Sendable {
    public let expected: String

    public init(expected: String) { self.expected = expected }
}

/// One condition of a list request.
public struct ListFilter: Sendable {
    public enum Operator: String, Sendable, CaseIterable {
        case eq, ne, gt, gte, lt, lte
    }

    public let field: ListField
    public let op: Operator
    /// One value, or several for `eq` (any-of) and `ne` (none-of).
    public let values: [JSONValue]

    public init(field: ListField, op: Operator, values: [JSONValue]) {
        self.field = field
        self.op = op
        self.values = values
    }

    /// A condition with values given as SQL values (the domain's own callers and tests).
    public init(field: ListField, op: Operator, values: [SQLValue]) {
        self.init(field: field, op: op, values: values.map(JSONValue.init(sortKey:)))
    }
}

/// A page request: filters, one sort, a keyset position and a size (API.md §1, "Lists").
public struct ListRequest: Sendable {
    public var filters: [ListFilter] = []
    public var sortField: ListField
    public var descending = false
    /// The last row of the previous page: its sort key and id.
    public var after: (key: JSONValue, id: Int64)?
    public var limit = 50
    public var includeDeleted = false
    /// Full-text query, for resources that have one.
    public var search: String?

    public init(sortField: ListField) {
        self.sortField = sortField
    }
}

/// One page: the rows and, when more follow, the position to continue from.
public struct ListPage<Item: Sendable>: Sendable {
    public let items: [Item]
    public let next: (key: JSONValue, id: Int64)?

    public init(items: [Item], next: (key: JSONValue, id: Int64)?) {
        self.items = items
        self.next = next
    }
}
