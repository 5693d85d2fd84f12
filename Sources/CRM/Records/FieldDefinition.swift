import JSON

/// One field of a resource: its JSON name, its column, its kind and what clients may do with it.
public struct FieldDefinition: Sendable {
    public let name: String
    public let column: String
    public let kind: FieldKind
    /// Must be present and non-null on create.
    public let required: Bool
    /// Clients may set it (otherwise it is server-owned and sending it is a 422).
    public let writable: Bool
    /// Usable as a list filter (`field=…`, `field[gte]=…`).
    public let filterable: Bool
    /// Usable as `sort=field` / `sort=-field`.
    public let sortable: Bool
    /// `"name":`, encoded once for rendering.
    public let encodedKey: [UInt8]

    public init(
        _ name: String, column: String? = nil, _ kind: FieldKind, required: Bool = false, writable: Bool = true,
        filterable: Bool = true, sortable: Bool = false
    ) {
        self.name = name
        self.column = column ?? name
        self.kind = kind
        self.required = required
        self.writable = writable
        self.filterable = filterable
        self.sortable = sortable
        self.encodedKey = JSONWriter.encodedKey(name)
    }
}
