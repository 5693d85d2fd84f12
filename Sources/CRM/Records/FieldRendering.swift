import JSON

/// A schema's fields as the renderer walks them: each member name already encoded as `"name":`
/// (all of them in one buffer) and how its column becomes JSON, in field order. Built once per
/// schema. Rendering a record read each ``FieldDefinition``'s key array and ``FieldKind`` (an
/// enum with reference-counted payloads) for every field, two retains and two releases each, a
/// few thousand instructions per customer; these are plain values.
struct FieldRendering: Sendable {
    /// How a column's value is written.
    enum Style: UInt8, Sendable {
        /// An integer column as `true`/`false`.
        case boolean
        /// A whole number (or, should one be stored, a real).
        case number
        /// Stored JSON text copied as it is; a missing value is `[]`.
        case jsonArray
        /// Stored JSON text copied as it is; a missing value is `{}`.
        case jsonObject
        /// Stored JSON text copied as it is; a missing value is `null`.
        case json
        /// Text as a JSON string.
        case text

        init(_ kind: FieldKind) {
            switch kind {
            case .boolean: self = .boolean
            case .integer, .reference: self = .number
            case .tags, .lineItems: self = .jsonArray
            case .attributes: self = .jsonObject
            case .ruleTree, .document: self = .json
            default: self = .text
            }
        }
    }

    struct Step: Sendable {
        /// Where the field's encoded name lies in ``keys``.
        let keyStart: Int32
        let keyCount: Int32
        let style: Style
    }

    /// Every field's `"name":`, one after the other.
    let keys: [UInt8]
    let steps: [Step]

    init(_ fields: [FieldDefinition]) {
        var keys: [UInt8] = []
        steps = fields.map { field in
            defer { keys += field.encodedKey }
            return Step(keyStart: Int32(keys.count), keyCount: Int32(field.encodedKey.count), style: Style(field.kind))
        }
        self.keys = keys
    }
}
