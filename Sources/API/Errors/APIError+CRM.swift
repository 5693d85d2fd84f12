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
        case .noCurrentVersion:
            self = .preconditionFailed("If-Match names a version, but there is no such record")
        case .invalidParameter(let name, let message):
            self = .badRequest(message, field: name, code: "invalid_value")
        }
    }
}

extension APIError {
    /// A database fault (``Database/Fault``): always a `503` with `Retry-After`, as nothing was
    /// changed and the same request may succeed later (docs/operations.md, "Faults"). A full disk
    /// has a type of its own, `storage-full`, so clients and operators can tell it apart; `507`
    /// would be WebDAV's, undeclared by most clients and absent from this API's contract.
    static func databaseFault(_ fault: Database.Fault) -> APIError {
        switch fault {
        case .busy:
            .unavailable("the database is busy or closing; retry")
        case .storageFull:
            APIError(
                status: 503, type: "storage-full", title: "Insufficient storage",
                detail: "the database's disk is full: nothing was written; retry once space is freed", headers: [("Retry-After", "10")])
        case .storageUnavailable:
            APIError(
                status: 503, type: "unavailable", title: "Service unavailable",
                detail: "the database file cannot be used (read-only, removed or failing): nothing was changed; retry later",
                headers: [("Retry-After", "10")])
        }
    }
}
