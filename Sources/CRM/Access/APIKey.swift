/// An API key as the server knows it: never the secret, only its hash (API.md §1, "Auth").
public struct APIKey: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let role: Role
    public let createdAt: Timestamp
    public let revokedAt: Timestamp?
}

/// A key just created: the only value that ever holds the secret, shown once.
public struct IssuedAPIKey: Sendable {
    public let key: APIKey
    public let secret: String
}
