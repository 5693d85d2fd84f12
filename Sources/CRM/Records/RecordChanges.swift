import SQLite

/// Validated input for one record: the columns to set, in schema order.
public struct RecordChanges: Sendable {
    public enum Change: Sendable {
        case set(SQLValue)
        /// Merge into the stored object key by key; a `null` value removes the key (attributes on PATCH).
        case merge(JSONObject)
    }

    public var entries: [(field: FieldDefinition, change: Change)] = []
    /// Request flags for the resource's rules that are not stored fields (keys start with `__`,
    /// e.g. an opportunity's `reopen`).
    public var flags: [String: SQLValue] = [:]

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    public func change(for name: String) -> Change? {
        entries.first { $0.field.name == name }?.change
    }

    /// The value being set for `name`, if the input sets it (not merges).
    public func value(for name: String) -> SQLValue? {
        if case .set(let value) = change(for: name) { return value }
        return nil
    }

    public mutating func set(_ field: FieldDefinition, _ value: SQLValue) {
        entries.removeAll { $0.field.name == field.name }
        entries.append((field, .set(value)))
    }
}
