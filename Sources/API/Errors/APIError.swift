import CRM

/// The one error type of the API edge: handlers throw it, ``ProblemRenderer`` turns it into an
/// RFC 9457 `application/problem+json` response.
///
///     throw APIError.validation([FieldError("email", "invalid_format", "not an email address")])
public struct APIError: Error, Sendable {
    public let status: Int
    /// The last segment of the problem type URI, e.g. `validation`.
    public let type: String
    public let title: String
    public let detail: String
    public var errors: [FieldError]
    public var headers: [(name: String, value: String)]

    public init(
        status: Int, type: String, title: String, detail: String, errors: [FieldError] = [], headers: [(name: String, value: String)] = []
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public static func badRequest(_ detail: String, field: String? = nil, code: String = "invalid") -> APIError {
        APIError(
            status: 400, type: "bad-request", title: "Bad request", detail: detail,
            errors: field.map { [FieldError($0, code, detail)] } ?? [])
    }

    public static func unauthorized(_ detail: String) -> APIError {
        APIError(status: 401, type: "unauthorized", title: "Unauthorized", detail: detail, headers: [("WWW-Authenticate", "Bearer")])
    }

    public static func forbidden(_ detail: String) -> APIError {
        APIError(status: 403, type: "forbidden", title: "Forbidden", detail: detail)
    }

    public static func notFound(_ detail: String = "no such resource") -> APIError {
        APIError(status: 404, type: "not-found", title: "Not found", detail: detail)
    }

    public static func methodNotAllowed(_ allowed: [String]) -> APIError {
        APIError(
            status: 405, type: "method-not-allowed", title: "Method not allowed",
            detail: "allowed: \(allowed.joined(separator: ", "))", headers: [("Allow", allowed.joined(separator: ", "))])
    }

    public static func conflict(_ detail: String, errors: [FieldError] = []) -> APIError {
        APIError(status: 409, type: "conflict", title: "Conflict", detail: detail, errors: errors)
    }

    public static func preconditionFailed(_ detail: String) -> APIError {
        APIError(status: 412, type: "precondition-failed", title: "Precondition failed", detail: detail)
    }

    public static func unsupportedMediaType(_ detail: String) -> APIError {
        APIError(status: 415, type: "unsupported-media-type", title: "Unsupported media type", detail: detail)
    }

    public static func validation(_ errors: [FieldError]) -> APIError {
        let detail = errors.count == 1 ? "1 field is invalid" : "\(errors.count) fields are invalid"
        return APIError(status: 422, type: "validation", title: "Validation failed", detail: detail, errors: errors)
    }

    public static func tooManyRequests(retryAfter: Int, headers: [(name: String, value: String)]) -> APIError {
        APIError(
            status: 429, type: "rate-limited", title: "Too many requests",
            detail: "rate limit exceeded; retry in \(retryAfter) s", headers: [("Retry-After", String(retryAfter))] + headers)
    }

    public static func internalError() -> APIError {
        APIError(
            status: 500, type: "internal", title: "Internal server error", detail: "the server failed to answer; see its log by request id")
    }

    public static func unavailable(_ detail: String) -> APIError {
        APIError(status: 503, type: "unavailable", title: "Service unavailable", detail: detail, headers: [("Retry-After", "1")])
    }

    /// Any status the HTTP layer produces on its own (parse errors, timeouts, shutdown).
    public static func protocolError(status: Int, detail: String) -> APIError {
        let (type, title): (String, String) =
            switch status {
            case 400: ("bad-request", "Bad request")
            case 408: ("request-timeout", "Request timeout")
            case 413: ("payload-too-large", "Content too large")
            case 414: ("uri-too-long", "URI too long")
            case 431: ("headers-too-large", "Request header fields too large")
            case 501: ("not-implemented", "Not implemented")
            case 503: ("unavailable", "Service unavailable")
            case 505: ("version-not-supported", "HTTP version not supported")
            default: ("error", "Error")
            }
        return APIError(status: status, type: type, title: title, detail: detail)
    }
}
