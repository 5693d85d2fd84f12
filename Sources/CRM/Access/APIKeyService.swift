import Crypto
import SQLite

/// Issues, lists, revokes and verifies API keys (API.md §1 "Auth", DESIGN.md "keys").
///
/// Verification reads the database on every request, so a key revoked by `crm-server keys
/// revoke` in another process is refused on the very next request: there is no cache to outlive it.
public struct APIKeyService: Sendable {
    /// The `record_type` of API keys' audit entries (keys are in the audit log only).
    static let auditRecordType = "api_key"

    public init() {}

    /// Creates a key and returns it with its secret, which is stored only as a SHA-256 hash.
    /// The audit log names the key's name and role, never its secret or hash; `actor` is the
    /// key that asked (nil from the command line).
    public func create(_ connection: StoreConnection, name: String, role: Role, actor: Int64? = nil, now: Timestamp = .now()) throws
        -> IssuedAPIKey
    {
        let randomPart = APIKeySecret.makeRandomPart()
        let id = try APIKeyStore.insert(connection, name: name, role: role, secretHash: APIKeySecret.hash(randomPart), at: now)
        try ChangeLog.audit(
            connection, action: .create, recordType: Self.auditRecordType, id: id,
            fields: [("name", .null, .string(name)), ("role", .null, .string(role.rawValue))], actor: actor, now: now)
        let key = APIKey(id: id, name: name, role: role, createdAt: now, revokedAt: nil)
        return IssuedAPIKey(key: key, secret: APIKeySecret.compose(id: id, randomPart: randomPart))
    }

    public func list(_ connection: StoreConnection, includeRevoked: Bool = false, afterID: Int64 = 0, limit: Int = 1000) throws -> [APIKey]
    {
        try APIKeyStore.list(connection, includeRevoked: includeRevoked, afterID: afterID, limit: limit)
    }

    public func count(_ connection: StoreConnection) throws -> Int {
        try APIKeyStore.count(connection)
    }

    /// A key never changes until it is revoked, so its one version is 1: what `If-Match` on a
    /// revocation is checked against, as on every record.
    public static let version: Int64 = 1

    /// Revokes a live key; `false` when there is none with that id. With `ifMatch`, a key whose
    /// version it does not admit is a `versionMismatch`, and a missing one `noCurrentVersion`.
    ///
    /// `keepingAnAdmin` (the API's `DELETE`): the last live admin key is not revoked, a `409`, since
    /// without one nobody could manage keys, webhooks or automations over the API again; the
    /// command line (`crm-server keys revoke`), which can also create keys, may revoke it.
    public func revoke(
        _ connection: StoreConnection, id: Int64, ifMatch: VersionCondition? = nil, keepingAnAdmin: Bool = false, actor: Int64? = nil,
        now: Timestamp = .now()
    ) throws -> Bool {
        let found = try APIKeyStore.find(connection, id: id)
        if let ifMatch {
            guard let found, found.key.revokedAt == nil else { throw CRMError.noCurrentVersion }
            if !ifMatch.admits(Self.version) { throw CRMError.versionMismatch(current: Self.version) }
        }
        if keepingAnAdmin, let key = found?.key, key.revokedAt == nil, key.role == .admin,
            try APIKeyStore.liveCount(connection, role: .admin) == 1
        {
            throw CRMError.conflict(
                "the last admin key cannot be revoked over the API",
                [FieldIssue("id", "last_admin", "create another admin key first, or revoke it with crm-server keys revoke")])
        }
        guard try APIKeyStore.revoke(connection, id: id, at: now) else { return false }
        try ChangeLog.audit(
            connection, action: .delete, recordType: Self.auditRecordType, id: id, fields: [("revoked_at", .null, .string(now.rfc3339))],
            actor: actor, now: now)
        return true
    }

    /// Runs `body` with the live key a presented secret belongs to, or `nil`. Hashes are compared
    /// in constant time. ``verify(_:secret:)`` through `cache`: a secret verified since the last
    /// change to any key is answered from memory; any change (a revocation too, also by another
    /// process) empties the cache before it could answer.
    ///
    /// On SQLite the reads `body` makes on this thread see the snapshot the key was checked in,
    /// at no cost of their own for it (``Database/holdingSnapshot(opening:_:then:)``): a
    /// request's handler reads exactly the data its key was valid for.
    public func authenticate<T>(
        _ database: Database, secret: String, cache: VerifiedKeyCache, _ body: (APIKey?) throws -> T
    ) throws -> T {
        try APIKeyStore.withEpoch(database) { epoch in
            if let epoch, let cached = cache.lookup(secret, epoch: epoch) { return try body(cached) }
            let verified = try database.readLatest { try verify($0, secret: secret) }
            if let epoch, let verified { cache.store(secret, key: verified, epoch: epoch) }
            return try body(verified)
        }
    }

    public func verify(_ connection: StoreConnection, secret: String) throws -> APIKey? {
        guard let (id, randomPart) = APIKeySecret.parse(secret), let found = try APIKeyStore.find(connection, id: id) else {
            return nil
        }
        guard constantTimeEquals(found.secretHash, APIKeySecret.hash(randomPart)), found.key.revokedAt == nil else { return nil }
        return found.key
    }
}
