import CRM
import HTTP

/// Turns `Authorization: Bearer <secret>` into the live key it names, or a `401`.
struct Authenticator: Sendable {
    let database: Database
    let keys = APIKeyService()

    func authenticate(_ request: Request) throws -> APIKey {
        guard let header = request.headers["Authorization"] else {
            throw APIError.unauthorized("missing Authorization: Bearer <api key>")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <api key>'")
        }
        let secret = String(parts[1]).trimmingSpaces()
        guard let key = try database.read({ try keys.verify($0, secret: secret) }) else {
            throw APIError.unauthorized("unknown or revoked API key")
        }
        return key
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars = scalars.dropFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
