/// A resource's table and fields: the allow-list from which every SQL name is taken (DESIGN.md:
/// sort and filter names never come from the request text).
public struct RecordSchema: Sendable {
    /// The record type in change-feed and audit entries, e.g. `customer`.
    public let recordType: String
    public let table: String
    /// Client-visible fields in rendering order (`id` first, `version` last are added by the store).
    public let fields: [FieldDefinition]
    /// Names that are always server-owned (a 422 when sent).
    public static let serverOwned: Set<String> = ["id", "created_at", "updated_at", "deleted_at", "version"]

    /// The fields' columns, in field order (for rendering by position).
    public let columns: [String]

    /// The fields as the renderer writes them.
    let rendering: FieldRendering

    /// Whether its changes go to the change feed (business data, every role reads it) or only
    /// to the audit log (administrative records such as webhooks).
    public let inFeed: Bool

    /// Members of the record's JSON the server sets that are no field (a webhook's `secret`): a
    /// `422` `read_only` when sent, as ``serverOwned``'s.
    public let alsoServerOwned: Set<String>

    public init(recordType: String, table: String, fields: [FieldDefinition], inFeed: Bool = true, alsoServerOwned: Set<String> = []) {
        self.recordType = recordType
        self.inFeed = inFeed
        self.alsoServerOwned = alsoServerOwned
        self.table = table
        self.fields = fields
        self.columns = fields.map(\.column)
        self.rendering = FieldRendering(fields)
    }

    public func field(_ name: String) -> FieldDefinition? {
        fields.first { $0.name == name }
    }

    public var writableFields: [FieldDefinition] { fields.filter(\.writable) }
}
