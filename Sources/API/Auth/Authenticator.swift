import CRM
import HTTP
import Synchronization

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
        let headers = request.headers.values("Authorization")
        guard let header = headers.first else {
            throw APIError.unauthorized("missing Authorization: Bearer <api key>")
        }
        // Two credentials are ambiguous: which one a layer reads must never be a question.
        guard headers.count == 1 else { throw APIError.badRequest("more than one Authorization header", field: "Authorization") }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <api key>'")
        }
        let secret = String(parts[1]).trimmingSpaces()
        let key = try database.read { connection -> APIKey? in
            let epoch = try connection.withFirstRow("SELECT epoch FROM api_key_epoch") { $0.int64(at: 0) } ?? nil
            if let epoch, let cached = cache.lookup(secret, epoch: epoch) { return cached }
            guard let verified = try keys.verify(connection, secret: secret) else { return nil }
            if let epoch { cache.store(secret, key: verified, epoch: epoch) }
            return verified
        }
        guard let key else { throw APIError.unauthorized("unknown or revoked API key") }
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

/// Keys verified at a given `api_key_epoch`; any other epoch empties it. Bounded: past 4096
/// secrets it starts over, so a flood of distinct keys cannot grow it.
final class VerifiedKeyCache: Sendable {
    private struct State {
        var epoch: Int64 = -1
        var keys: [String: APIKey] = [:]
    }

    private let state = Mutex(State())

    func lookup(_ secret: String, epoch: Int64) -> APIKey? {
        state.withLock { state in
            guard state.epoch == epoch else {
                state.epoch = epoch
                state.keys.removeAll()
                return nil
            }
            return state.keys[secret]
        }
    }

    func store(_ secret: String, key: APIKey, epoch: Int64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.keys.count >= 4096 { state.keys.removeAll() }
            state.keys[secret] = key
        }
    }
}
