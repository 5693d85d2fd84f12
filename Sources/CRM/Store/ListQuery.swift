import JSON
import SQLite

/// Builds the SQL of a keyset-paginated list (never OFFSET): rows after the cursor's
/// `(sort key, id)`, in sort order with ties broken by id, one more than the page to learn
/// whether more follow.
///
///     SELECT …, <sort> AS list_sort_key FROM customers c
///     WHERE <filters> AND c.deleted_at IS NULL AND c.id > ?
///     ORDER BY c.id LIMIT 51
///
/// Sorted by another key, the rows after a cursor's `(key, id)` are two statements run one after
/// the other: the rows that share the key, with ids past the cursor's, then the rows past the key
/// (``parts``).
///
/// The filters come before `deleted_at`: SQLite tests a row's conditions in the order written,
/// and `deleted_at` is near the end of a wide row, so testing it first decoded nearly the whole
/// row for every row a walk rejects (a rule-tree page walking 6,600 customers: 2.7 → 1.6 ms).
public struct ListQuery {
    /// A statement ending in `LIMIT ?`, with the bindings before that limit's.
    public struct Part: Sendable {
        public let sql: String
        public let bindings: [SQLValue]
    }

    /// The statements whose rows, in this order, are the page and the row after it; a later one
    /// runs only while the earlier ones found too few, for as many rows as are missing.
    ///
    /// Two after a cursor sorted by something other than id, each read through the sort's index
    /// from its first row: one comparison of `(sort, id)` as a row value seeks on the key at best
    /// (on an expression such as `coalesce(last_order_at, '')`, not at all) and walked every row
    /// sharing the cursor's key from the first of them, page after page: 85,000 customers without
    /// an order share `''`, so exporting 240,000 by `-metrics.last_order_at` took 174 s. Two
    /// statements rather than one `UNION ALL`: the union sorted each side again.
    public let parts: [Part]
    /// The page's size; one row more is read to learn whether another page follows.
    public let limit: Int

    public static let sortKeyColumn = "list_sort_key"

    /// - Parameters:
    ///   - select: the column list, e.g. `c.*`.
    ///   - from: the table with its alias, e.g. `customers c`.
    ///   - alias: the alias that owns `id` and `deleted_at`.
    ///   - search: a condition (with its bindings) for `request.search`, from the resource's store.
    ///   - idOrder: when sorting by id, an expression equal to the id that the query should walk
    ///     and compare instead (a full-text table's `rowid`, so the index hands out matches in
    ///     id order and the page stops after `limit` of them instead of collecting every match).
    ///   - walkingSort: every filter kept from serving as an index key, so the query walks the
    ///     sort's index and tests each row (``SQLDialect/unindexed(_:)``).
    public init(
        select: String, from: String, alias: String, request: ListRequest, search: (sql: String, bindings: [SQLValue])? = nil,
        idOrder: String? = nil, walkingSort: Bool = false, dialect: SQLDialect
    ) {
        var conditions: [String] = []
        var bindings: [SQLValue] = []
        var sort = request.sortField.sortExpression ?? "\(alias).id"
        let byID = sort == "\(alias).id"
        if byID, let idOrder { sort = idOrder }
        for filter in request.filters {
            let (sql, values) = Self.condition(filter, idOrder: byID, walkingSort: walkingSort, dialect: dialect)
            conditions.append(sql)
            bindings += values
        }
        if let search {
            conditions.append(search.sql)
            bindings += search.bindings
        }
        if !request.includeDeleted { conditions.append("\(alias).deleted_at IS NULL") }
        let direction = request.descending ? "DESC" : "ASC"
        let comparison = request.descending ? "<" : ">"
        func part(_ extra: [String], _ values: [SQLValue], orderedBy order: String) -> Part {
            let all = conditions + extra
            let sql =
                "SELECT \(select), \(sort) AS \(Self.sortKeyColumn) FROM \(from)"
                + (all.isEmpty ? "" : " WHERE " + all.joined(separator: " AND ")) + " ORDER BY \(order) LIMIT ?"
            return Part(sql: sql, bindings: bindings + values)
        }
        let order = byID ? "\(sort) \(direction)" : "\(sort) \(direction), \(alias).id \(direction)"
        limit = request.limit
        switch request.after {
        case nil:
            parts = [part([], [], orderedBy: order)]
        case let after? where byID:
            parts = [part(["\(sort) \(comparison) ?"], [.integer(after.id)], orderedBy: order)]
        case let after?:
            parts = [
                part(
                    ["\(sort) = ?", "\(alias).id \(comparison) ?"], [after.key.sqlValue, .integer(after.id)],
                    orderedBy: "\(alias).id \(direction)"),
                part(["\(sort) \(comparison) ?"], [after.key.sqlValue], orderedBy: order),
            ]
        }
    }

    /// Runs the statements and hands each row of the page to `body` in place (no copies); returns
    /// the position after the page, or nil at the end.
    public func render(_ connection: StoreConnection, _ body: (StoreRow) throws -> Void) throws -> (key: JSONValue, id: Int64)? {
        var count = 0
        var last: (key: JSONValue, id: Int64)?
        var more = false
        for part in parts where !more {
            try connection.forEachRowView(part.sql, part.bindings + [.integer(Int64(limit + 1 - count))]) { row in
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
        }
        return more ? last : nil
    }

    /// The page's rows and the one after it, copied.
    public func rows(_ connection: StoreConnection) throws -> [Row] {
        var rows: [Row] = []
        for part in parts where rows.count <= limit {
            rows += try connection.query(part.sql, part.bindings + [.integer(Int64(limit + 1 - rows.count))])
        }
        return rows
    }

    /// Runs the statements and cuts the extra row off into the position of the next page.
    public func page(_ connection: StoreConnection) throws -> ListPage<Row> {
        var rows = try rows(connection)
        var next: (key: JSONValue, id: Int64)?
        if rows.count > limit {
            rows.removeLast(rows.count - limit)
            if let last = rows.last, let id = last.int64("id") { next = (JSONValue(sortKey: last[Self.sortKeyColumn]), id) }
        }
        return ListPage(items: rows, next: next)
    }

    private static func condition(_ filter: ListFilter, idOrder: Bool, walkingSort: Bool, dialect: SQLDialect) -> (String, [SQLValue]) {
        let placeholders = Array(repeating: "?", count: filter.values.count).joined(separator: ", ")
        let values = filter.values.map(\.sqlValue)
        switch filter.field.filtering {
        case .expression(let expression), .indexedForEquality(let expression, _):
            var rangeGuard = ""
            if case .indexedForEquality(_, let check?) = filter.field.filtering { rangeGuard = "\(check) AND " }
            let expression: String =
                if walkingSort {
                    dialect.unindexed(expression)
                } else if case .indexedForEquality = filter.field.filtering, !(idOrder && filter.op == .eq) {
                    dialect.unindexed(expression)
                } else {
                    expression
                }
            switch filter.op {
            case .eq:
                return filter.values.count == 1
                    ? ("\(expression) = ?", values) : ("\(expression) IN (\(placeholders))", values)
            case .ne:
                // "not equal" keeps rows where the field is unset: NULL is not the value asked about.
                return ("(\(expression) IS NULL OR \(expression) NOT IN (\(placeholders)))", values)
            case .gt: return ("(\(rangeGuard)\(expression) > ?)", values)
            case .gte: return ("(\(rangeGuard)\(expression) >= ?)", values)
            case .lt: return ("(\(rangeGuard)\(expression) < ?)", values)
            case .lte: return ("(\(rangeGuard)\(expression) <= ?)", values)
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
