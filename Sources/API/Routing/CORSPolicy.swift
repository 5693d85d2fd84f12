import HTTP

/// Cross-origin rules (API.md §1, "CORS"): nothing is allowed unless configured.
struct CORSPolicy: Sendable {
    let allowedOrigins: Set<String>

    static let allowedHeaders = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id"
    static let exposedHeaders =
        "ETag, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id, Idempotent-Replayed"
    static let maxAgeSeconds = 600

    /// The request's origin if it is allowed.
    func allowedOrigin(of request: Request) -> String? {
        // Without configured origins (the default) no header needs reading.
        guard !allowedOrigins.isEmpty, let origin = request.headers["Origin"], allowedOrigins.contains(origin) else { return nil }
        return origin
    }

    /// Headers for an actual (non-preflight) response.
    func responseHeaders(for request: Request) -> [(name: String, value: String)] {
        guard let origin = allowedOrigin(of: request) else { return [] }
        return [("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", Self.exposedHeaders)]
    }

    /// The answer to a preflight `OPTIONS` on a path serving `methods`.
    func preflight(_ request: Request, methods: [HTTPMethod]) -> Response? {
        guard let origin = allowedOrigin(of: request), request.headers["Access-Control-Request-Method"] != nil else { return nil }
        return Response(
            status: 204,
            headers: [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", methods.map(\.name).joined(separator: ", ")),
                ("Access-Control-Allow-Headers", Self.allowedHeaders),
                ("Access-Control-Max-Age", String(Self.maxAgeSeconds)),
                ("Vary", "Origin"),
            ])
    }
}
