import JSON
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

    /// The text the changes set `name` to, if they set it to text (an upsert key).
    public func text(for name: String) -> String? {
        if case .text(let text)? = value(for: name) { return text }
        return nil
    }

    /// Throws a 422 naming every required field of `schema` that these changes leave unset or
    /// null: the check before a create (also one an upsert turns into).
    public func requireFields(of schema: RecordSchema) throws {
        let missing = missingRequired(of: schema)
        if !missing.isEmpty { throw CRMError.validation(missing) }
    }

    /// The issues ``requireFields(of:)`` throws: one per required field left unset or null.
    public func missingRequired(of schema: RecordSchema) -> [FieldIssue] {
        schema.fields.filter { field in
            guard field.required else { return false }
            if case .set(let value)? = change(for: field.name) { return value.isNull }
            return true
        }.map { FieldIssue($0.name, "required", "\($0.name) is required") }
    }

    public mutating func set(_ field: FieldDefinition, _ value: SQLValue) {
        entries.removeAll { $0.field.name == field.name }
        entries.append((field, .set(value)))
    }
}
