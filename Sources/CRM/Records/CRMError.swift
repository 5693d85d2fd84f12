/// The one error type of the domain: services throw it, the API edge maps it to a status.
public enum CRMError: Error, Sendable, Equatable {
    /// Input that breaks a rule; every invalid field at once (→ 422).
    case validation([FieldIssue])
    /// No live record with that id (→ 404).
    case notFound(String)
    /// A unique key is taken or a state does not allow the change (→ 409).
    case conflict(String, [FieldIssue])
    /// `If-Match` named another version (→ 412).
    case versionMismatch(current: Int64)
    /// `If-Match` named a version of a record that does not exist (→ 412, RFC 9110 §13.1.1).
    case noCurrentVersion
    /// A query parameter's value is not one the parameter takes (`400` naming it).
    case invalidParameter(name: String, message: String)
}

/// One invalid field: `{"field","code","message"}`, plus the holder of a taken unique value.
public struct FieldIssue: Error, Sendable, Equatable {
    public let field: String
    public let code: String
    public let message: String
    public let holderID: Int64?

    public init(_ field: String, _ code: String, _ message: String, holderID: Int64? = nil) {
        self.field = field
        self.code = code
        self.message = message
        self.holderID = holderID
    }
}
