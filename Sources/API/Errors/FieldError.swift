/// One invalid field of a request (API.md §1, "Errors"): `{"field","code","message"}`, plus the
/// id of the record holding a taken unique value.
public struct FieldError: Sendable, Equatable {
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
