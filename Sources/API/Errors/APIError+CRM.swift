import CRM

extension APIError {
    /// The status a domain error answers with (API.md §1, "Errors").
    init(_ error: CRMError) {
        switch error {
        case .validation(let issues):
            self = .validation(issues)
        case .notFound(let detail):
            self = .notFound(detail)
        case .conflict(let detail, let issues):
            self = .conflict(detail, errors: issues)
        case .versionMismatch(let current):
            self = .preconditionFailed("If-Match does not name the current version (\(current))")
        case .invalidParameter(let name, let message):
            self = .badRequest(message, field: name, code: "invalid_value")
        }
    }
}
