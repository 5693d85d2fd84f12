import JSON
import SQLite

/// Builds the SQL of a keyset-paginated list (never OFFSET): rows after the cursor's
/// `(sort key, id)`, in sort order with ties broken by id, one more than the page to learn
/// whether more follow.
///
///     SELECT …, <sort> AS list_sort_key FROM customers c
///     WHERE <filters> AND c.deleted_at IS NULL AND (<sort>, c.id) > (?, ?)
///     ORDER BY <sort>, c.id LIMIT 51
///
/// The filters come before `deleted_at`: SQLite tests a row's conditions in the order written,
/// and `deleted_at` is near the end of a wide row, so testing it first decoded nearly the whole
/// row for every row a walk rejects (a rule-tree page walking 6,600 customers: 2.7 → 1.6 ms).
public struct ListQuery {
    public let sql: String
    public let bindings: [SQLValue]

    public static let sortKeyColumn = "list_sort_key"

    /// - Parameters:
    ///   - select: the column list, e.g. `c.*`.
    ///   - from: the table with its alias, e.g. `customers c`.
    ///   - alias: the alias that owns `id` and `deleted_at`.
    ///   - search: a condition (with its bindings) for `request.search`, from the resource's store.
    ///   - idOrder: when sorting by id, an expression equal to the id that the query should walk
    ///     and compare instead (a full-text table's `rowid`, so the index hands out matches in
    ///     id order and the page stops after `limit` of them instead of collecting every match).
    public init(
        select: String, from: String, alias: String, request: ListRequest, search: (sql: String, bindings: [SQLValue])? = nil,
        idOrder: String? = nil, dialect: SQLDialect
    ) {
        var conditions: [String] = []
        var bindings: [SQLValue] = []
        var sort = request.sortField.sortExpression ?? "\(alias).id"
        let byID = sort == "\(alias).id"
        if byID, let idOrder { sort = idOrder }
        for filter in request.filters {
            let (sql, values) = Self.condition(filter, idOrder: byID, dialect: dialect)
            conditions.append(sql)
            bindings += values
        }
        if let search {
            conditions.append(search.sql)
            bindings += search.bindings
        }
        if !request.includeDeleted { conditions.append("\(alias).deleted_at IS NULL") }
        let direction = request.descending ? "DESC" : "ASC"
        if let after = request.after {
            let comparison = request.descending ? "<" : ">"
            if byID {
                conditions.append("\(sort) \(comparison) ?")
                bindings.append(.integer(after.id))
            } else {
                conditions.append("(\(sort), \(alias).id) \(comparison) (?, ?)")
                bindings += [after.key.sqlValue, .integer(after.id)]
            }
        }
        var sql = "SELECT \(select), \(sort) AS \(Self.sortKeyColumn) FROM \(from)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \(sort) \(direction)"
        if !byID { sql += ", \(alias).id \(direction)" }
        sql += " LIMIT ?"
        bindings.append(.integer(Int64(request.limit + 1)))
        self.sql = sql
        self.bindings = bindings
    }

    /// Runs the query and hands each row of the page to `body` in place (no copies); returns
    /// the position after the page, or nil at the end.
    public func render(_ connection: StoreConnection, limit: Int, _ body: (StoreRow) throws -> Void) throws -> (key: JSONValue, id: Int64)?
    {
        var count = 0
        var last: (key: JSONValue, id: Int64)?
        var more = false
        try connection.forEachRowView(sql, bindings) { row in
            guard count < limit else {
                more = true
                return false
            }
            count += 1
            try body(row)
            if let index = row.columnIndex(Self.sortKeyColumn), let id = row.int64("id") {
                let key: SQLValue =
                    if let number = row.int64(at: index) {
                        .integer(number)
                    } else if let text = row.withUTF8(at: index, { String(decoding: $0, as: UTF8.self) }) {
                        .text(text)
                    } else if let number = row.double(at: index) { .real(number) } else { .null }
                last = (JSONValue(sortKey: key), id)
            }
            return true
        }
        return more ? last : nil
    }

    /// Runs the query and cuts the extra row off into the position of the next page.
    public func page(_ connection: StoreConnection, limit: Int) throws -> ListPage<Row> {
        var rows = try connection.query(sql, bindings)
        var next: (key: JSONValue, id: Int64)?
        if rows.count > limit {
            rows.removeLast(rows.count - limit)
            if let last = rows.last, let id = last.int64("id") { next = (JSONValue(sortKey: last[Self.sortKeyColumn]), id) }
        }
        return ListPage(items: rows, next: next)
    }

    private static func condition(_ filter: ListFilter, idOrder: Bool, dialect: SQLDialect) -> (String, [SQLValue]) {
        let placeholders = Array(repeating: "?", count: filter.values.count).joined(separator: ", ")
        let values = filter.values.map(\.sqlValue)
        switch filter.field.filtering {
        case .expression(let expression), .indexedForEquality(let expression):
            let expression: String =
                if case .indexedForEquality = filter.field.filtering, !(idOrder && filter.op == .eq) { dialect.unindexed(expression) } else
                {
                    expression
                }
            switch filter.op {
            case .eq:
                return filter.values.count == 1
                    ? ("\(expression) = ?", values) : ("\(expression) IN (\(placeholders))", values)
            case .ne:
                // "not equal" keeps rows where the field is unset: NULL is not the value asked about.
                return ("(\(expression) IS NULL OR \(expression) NOT IN (\(placeholders)))", values)
            case .gt: return ("\(expression) > ?", values)
            case .gte: return ("\(expression) >= ?", values)
            case .lt: return ("\(expression) < ?", values)
            case .lte: return ("\(expression) <= ?", values)
            }
        case .membership(let template):
            let subquery = template.replacingPlaceholder(with: placeholders).replacingUnindexed(dialect)
            return filter.op == .ne ? ("NOT \(subquery)", values) : (subquery, values)
        case .none:
            preconditionFailure("\(filter.field.name) is not filterable")
        }
    }
}

extension String {
    fileprivate func replacingPlaceholder(with replacement: String) -> String {
        split(separator: "%@", omittingEmptySubsequences: false).joined(separator: replacement)
    }

    /// `%unindexed(` … `)` in a membership template: the dialect's ``SQLDialect/unindexed(_:)`` of
    /// the column between them (templates are written once, for both engines).
    fileprivate func replacingUnindexed(_ dialect: SQLDialect) -> String {
        guard let start = range(of: "%unindexed("), let end = self[start.upperBound...].firstIndex(of: ")") else { return self }
        let column = String(self[start.upperBound..<end])
        return String(self[..<start.lowerBound]) + dialect.unindexed(column) + String(self[index(after: end)...])
    }
}
