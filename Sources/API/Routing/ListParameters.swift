import CRM
import HTTP
import JSON

/// Parses a list's query string into a ``ListRequest`` (API.md §1, "Lists"): `limit`, `cursor`,
/// `sort=field|-field`, `field=a,b` (any-of), `field[gt|gte|lt|lte|ne]=v`, `include_deleted`,
/// and `q` where the resource has search. Every name is checked against the resource's fields.
struct ListParameters {
    let request: ListRequest
    /// What the cursor is bound to: the resource, the sort and every filter with its value.
    let scope: String

    static let reserved: Set<String> = ["limit", "cursor", "sort", "include_deleted", "q"]

    init(
        _ http: Request, resource: String, fields: [ListField], defaultSort: String = "id", newestFirst: Bool = false,
        searchable: Bool = false, extra: Set<String> = [], dynamicField: (String) throws -> ListField? = { _ in nil },
        cursors: CursorCodec
    ) throws {
        guard let defaultField = fields.first(where: { $0.name == defaultSort }) else { preconditionFailure("no \(defaultSort) field") }
        var request = ListRequest(sortField: defaultField)
        request.descending = newestFirst
        var seen: Set<String> = []
        var scopeParts: [String] = []
        var cursor: String?
        for (name, value, encoded) in http.queryPairs {
            guard seen.insert(name).inserted else {
                throw APIError.badRequest("query parameter '\(name)' is given more than once", field: name, code: "duplicate_parameter")
            }
            switch name {
            case "limit":
                guard let limit = Int(value), (1...200).contains(limit) else {
                    throw APIError.badRequest("limit must be an integer from 1 to 200", field: "limit")
                }
                request.limit = limit
                continue
            case "cursor":
                cursor = value
                continue
            case "sort":
                let descending = value.hasPrefix("-")
                let fieldName = descending ? String(value.dropFirst()) : value
                guard let field = fields.first(where: { $0.name == fieldName && $0.sortExpression != nil }) else {
                    let sortable = fields.filter { $0.sortExpression != nil }.map(\.name).joined(separator: ", ")
                    throw APIError.badRequest("cannot sort by '\(fieldName)'; sortable: \(sortable)", field: "sort")
                }
                request.sortField = field
                request.descending = descending
                continue
            case "include_deleted":
                guard value == "true" || value == "false" else {
                    throw APIError.badRequest("include_deleted must be true or false", field: "include_deleted")
                }
                request.includeDeleted = value == "true"
                continue
            case "q" where searchable:
                let text = value.trimmingSpaces()
                guard !text.isEmpty, text.count <= 200 else { throw APIError.badRequest("q must have 1-200 characters", field: "q") }
                request.search = text
            case _ where extra.contains(name):
                break
            default:
                let filter = try Self.filter(name: name, value: value, encoded: encoded, fields: fields, dynamicField: dynamicField)
                request.filters.append(filter.filter)
                // An item holding a comma (sent as %2C) is told from two items in the cursor's scope.
                if filter.items.contains(where: { $0.contains(",") }) {
                    scopeParts.append("\(name)=\(JSONValue.array(filter.items.map(JSONValue.string)).jsonString)")
                    continue
                }
            }
            scopeParts.append("\(name)=\(value)")
        }
        // The sort and include_deleted as they take effect, named or not: a cursor stays good
        // when a client spells out the default (`sort=id`, `include_deleted=false`).
        scopeParts.append("sort=\(request.descending ? "-" : "")\(request.sortField.name)")
        scopeParts.append("include_deleted=\(request.includeDeleted)")
        scope = resource + "?" + scopeParts.sorted().joined(separator: "&")
        if let cursor {
            let position = try cursors.decode(cursor, scope: scope)
            guard case .array(let parts) = position, parts.count == 2, case .int(let id) = parts[1] else {
                throw APIError.badRequest("the cursor is invalid", field: "cursor")
            }
            switch parts[0] {
            case .int, .string, .double, .null: request.after = (parts[0], id)
            default: throw APIError.badRequest("the cursor is invalid", field: "cursor")
            }
        }
        self.request = request
    }

    /// The opaque cursor for the page after `page`, or nil at the end.
    func nextCursor<Item>(_ page: ListPage<Item>, cursors: CursorCodec) -> String? {
        nextCursor(after: page.next, cursors: cursors)
    }

    /// The opaque cursor for the page after the position `next`, or nil at the end.
    func nextCursor(after next: (key: JSONValue, id: Int64)?, cursors: CursorCodec) -> String? {
        guard let next else { return nil }
        return cursors.encode(.array([next.key, .int(next.id)]), scope: scope)
    }

    /// - Parameters: value, encoded: the parameter's value decoded, and as sent; `eq` and `ne`
    ///   split the one as sent on its commas, then decode each item (`%2C` stays in its item).
    private static func filter(
        name: String, value: String, encoded: Substring, fields: [ListField], dynamicField: (String) throws -> ListField?
    ) throws -> (filter: ListFilter, items: [String]) {
        var fieldName = name
        var op = ListFilter.Operator.eq
        if name.hasSuffix("]"), let open = name.firstIndex(of: "[") {
            fieldName = String(name[..<open])
            let opName = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            guard let parsed = ListFilter.Operator(rawValue: opName), parsed != .eq else {
                throw APIError.badRequest(
                    "unknown filter operator '\(opName)' (use gt, gte, lt, lte or ne)", field: name, code: "unknown_parameter")
            }
            op = parsed
        }
        guard let field = try fields.first(where: { $0.name == fieldName }) ?? dynamicField(fieldName) else {
            throw APIError.badRequest("unknown query parameter '\(name)'", field: name, code: "unknown_parameter")
        }
        if case .none = field.filtering {
            throw APIError.badRequest("'\(fieldName)' cannot be filtered", field: name, code: "unknown_parameter")
        }
        let texts =
            (op == .eq || op == .ne)
            ? encoded.split(separator: ",", omittingEmptySubsequences: false).map {
                PercentDecoding.decode($0, plusAsSpace: true) ?? String($0)
            } : [value]
        let values = try texts.map { try filterValue($0, field: field, parameter: name) }
        return (ListFilter(field: field, op: op, values: values), texts)
    }

    private static func filterValue(_ raw: String, field: ListField, parameter: String) throws -> JSONValue {
        let text = field.normalize?(raw) ?? raw
        func bad(_ expected: String) -> APIError {
            APIError.badRequest(
                "'\(raw)' is not a valid value for \(parameter): expected \(expected)", field: parameter, code: "invalid_value")
        }
        if let parse = field.parseValue {
            switch parse(text) {
            case .success(let value): return value
            case .failure(let error): throw bad(error.expected)
            }
        }
        switch field.kind {
        case .integer(let minimum, let maximum):
            guard let number = Int64(text), number >= minimum, number <= maximum else {
                throw bad("an integer from \(minimum) to \(maximum)")
            }
            return .int(number)
        case .reference:
            guard let number = Int64(text) else { throw bad("an integer") }
            return .int(number)
        case .boolean:
            guard text == "true" || text == "false" else { throw bad("true or false") }
            return .bool(text == "true")
        case .timestamp:
            if let time = Timestamp(rfc3339: text) { return .string(time.rfc3339) }
            if let date = CalendarDate(text) { return .string(date.startTimestamp.rfc3339) }
            throw bad("an RFC 3339 timestamp or a date")
        case .date:
            guard let date = CalendarDate(text) else { throw bad("a date YYYY-MM-DD") }
            return .string(date.description)
        case .enumeration(let allowed):
            guard allowed.contains(text) else { throw bad("one of \(allowed.joined(separator: ", "))") }
            return .string(text)
        case .country:
            guard CountryCode.isValid(text.uppercased()) else { throw bad("an ISO 3166-1 alpha-2 code") }
            return .string(text.uppercased())
        case .currency:
            guard CurrencyCode.isValid(text.uppercased()) else { throw bad("an ISO 4217 code") }
            return .string(text.uppercased())
        case .text, .email, .phone, .tags, .attributes, .lineItems, .ruleTree, .document:
            guard !text.isEmpty else { throw bad("a non-empty value") }
            return .string(text)
        }
    }
}
