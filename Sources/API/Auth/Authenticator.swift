import CRM
import HTTP

/// Turns `Authorization: Bearer <secret>` into the live key it names, or a `401`.
///
/// Verified keys are cached together with the `api_key_epoch` counter, which triggers bump on
/// every change to `api_keys` (also by the CLI in another process). Each request reads the
/// counter; when it moved, the cache is dropped and the key verified again, so a revocation is
/// honoured on the very next request and the cache never outlives it.
struct Authenticator: Sendable {
    let database: Database
    let keys = APIKeyService()
    private let cache = VerifiedKeyCache()

    func authenticate(_ request: Request) throws -> APIKey {
        guard let header = request.headers["Authorization"] else {
            throw APIError.unauthorized("missing Authorization: Bearer <api key>")
        }
        // Two credentials are ambiguous: which one a layer reads must never be a question.
        guard request.headers.count(of: "Authorization") == 1 else {
            throw APIError.badRequest("more than one Authorization header", field: "Authorization")
        }
        guard let secret = Self.bearerToken(header) else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <api key>'")
        }
        let keys = self.keys
        let cache = self.cache
        // Its statements (the keys' change counter, then a key on a miss) need no common snapshot.
        let key = try database.readLatest { try keys.authenticate($0, secret: secret, cache: cache) }
        guard let key else { throw APIError.unauthorized("unknown or revoked API key") }
        return key
    }
}

extension Authenticator {
    /// The token of `Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1), without the
    /// spaces around it; nil for another scheme or no token. The scheme is matched in place,
    /// without splitting the header: every request comes through here.
    static func bearerToken(_ header: String) -> String? {
        let utf8 = header.utf8
        var start = utf8.startIndex
        while start != utf8.endIndex, utf8[start] == UInt8(ascii: " ") { start = utf8.index(after: start) }
        let scheme = "bearer".utf8
        for expected in scheme {
            guard start != utf8.endIndex, utf8[start] | 0x20 == expected else { return nil }
            start = utf8.index(after: start)
        }
        guard start != utf8.endIndex, utf8[start] == UInt8(ascii: " ") else { return nil }
        let token = String(header[start...]).trimmingSpaces()
        return token.isEmpty ? nil : token
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
