import CRM
import HTTP

/// Turns `Authorization: Bearer <secret>` into the live key it names, or a `401`.
///
/// Verified keys are cached together with the `api_key_epoch` counter, which triggers bump on
/// every change to `api_keys` (also by the CLI in another process). Each request reads the
/// counter; when it moved, the cache is dropped and the key verified again, so a revocation is
/// honoured on the very next request and the cache never outlives it.
///
/// On SQLite the counter's read transaction stays open while the caller's `body` runs, and the
/// reads it makes on the same thread join it: an inline handler reads the snapshot its key was
/// checked in, and a request takes SQLite's read lock once instead of twice.
struct Authenticator: Sendable {
    let database: Database
    let keys = APIKeyService()
    private let cache = VerifiedKeyCache()

    func authenticate<T>(_ request: Request, _ body: (APIKey) throws -> T) throws -> T {
        let secret: String
        switch request.headers.singleField("Authorization") {
        case .absent:
            throw APIError.unauthorized("missing Authorization: Bearer <api key>")
        case .repeated:
            // Two credentials are ambiguous: which one a layer reads must never be a question.
            throw APIError.badRequest("more than one Authorization header", field: "Authorization")
        case .present(let value):
            guard let token = value.withUnsafeBufferPointer(Self.bearerToken) else {
                throw APIError.unauthorized("the Authorization header must be 'Bearer <api key>'")
            }
            secret = token
        }
        return try keys.authenticate(database, secret: secret, cache: cache) { key in
            guard let key else { throw APIError.unauthorized("unknown or revoked API key") }
            return try body(key)
        }
    }
}

extension Authenticator {
    /// The token of `Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1), without the
    /// spaces and tabs around it; nil for another scheme or no token. Read from the header's
    /// bytes in place: every authenticated request comes through here, and the token is the
    /// only `String` it makes.
    static func bearerToken(_ header: UnsafeBufferPointer<UInt8>) -> String? {
        var start = 0
        var end = header.count
        while start < end, header[start] == UInt8(ascii: " ") { start += 1 }
        for expected in "bearer".utf8 {
            guard start < end, header[start] | 0x20 == expected else { return nil }
            start += 1
        }
        guard start < end, header[start] == UInt8(ascii: " ") else { return nil }
        while start < end, header[start] == UInt8(ascii: " ") || header[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, header[end - 1] == UInt8(ascii: " ") || header[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        guard start < end else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: header[start..<end]), as: UTF8.self)
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
