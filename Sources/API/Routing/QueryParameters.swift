import HTTP

/// The query string checked against what an endpoint accepts: an unknown or repeated parameter
/// is a `400` naming it (API.md §1, "Lists").
struct QueryParameters: Sendable {
    private let values: [String: String]

    /// `allowed` is a short list, searched in order: call sites pass literals, and a literal
    /// `Set` would be built (every name hashed) on every request. `borrowing`: an initializer
    /// would otherwise take (retain and release) the whole request.
    init(_ request: borrowing Request, allowed: [String]) throws {
        var values: [String: String] = [:]
        for (name, value) in request.query {
            guard allowed.contains(name) else {
                throw APIError.badRequest("unknown query parameter '\(name)'", field: name, code: "unknown_parameter")
            }
            guard values[name] == nil else {
                throw APIError.badRequest("query parameter '\(name)' is given more than once", field: name, code: "duplicate_parameter")
            }
            values[name] = value
        }
        self.values = values
    }

    subscript(_ name: String) -> String? { values[name] }

    /// `limit`: 1…200, default 50.
    func limit(default fallback: Int = 50, maximum: Int = 200) throws -> Int {
        guard let text = values["limit"] else { return fallback }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw APIError.badRequest("limit must be an integer from 1 to \(maximum)", field: "limit")
        }
        return limit
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = values[name] else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("\(name) must be true or false", field: name)
        }
    }
}
