import JSON

/// A custom field of customers' `attributes`: its key, type, enum options and whether a new
/// customer must have it. Checks values the way every customer write path does.
public struct CustomField: Sendable, Equatable {
    public enum FieldType: String, CaseIterable, Sendable {
        case string, number, integer, bool, date
        case enumeration = "enum"
    }

    public let key: String
    public let type: FieldType
    public let options: [String]
    public let required: Bool

    /// Why `value` does not fit the field, or nil when it does. `null` fits (it is no value).
    public func problem(with value: JSONValue) -> String? {
        if value.isNull { return nil }
        switch type {
        case .string: return value.stringValue == nil ? "must be a string" : nil
        case .number: return value.doubleValue == nil ? "must be a number" : nil
        case .integer: return value.intValue == nil ? "must be an integer" : nil
        case .bool: return value.boolValue == nil ? "must be true or false" : nil
        case .date: return value.stringValue.flatMap(CalendarDate.init) == nil ? "must be a date YYYY-MM-DD" : nil
        case .enumeration:
            guard let text = value.stringValue, options.contains(text) else { return "must be one of \(options.joined(separator: ", "))" }
            return nil
        }
    }

    /// What a value of the field is, for messages.
    public var expected: String {
        switch type {
        case .string: "a non-empty string"
        case .number: "a number"
        case .integer: "an integer"
        case .bool: "true or false"
        case .date: "a date YYYY-MM-DD"
        case .enumeration: "one of \(options.joined(separator: ", "))"
        }
    }

    /// A key is snake_case: a lower-case letter, then lower-case letters, digits and `_`, at most 64.
    public static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first), key.unicodeScalars.count <= 64 else { return false }
        return key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The 422 issues of a customer's `attributes` as a write would store them: a defined key with
    /// a value that does not fit, and a required key missing or null (or, for a string, blank:
    /// required strings are non-empty after trimming). Applied on create and to
    /// every write that sends `attributes`, so a customer stored without a field defined as
    /// required later (one of its `violations`) is refused until it has one, and no write of
    /// `attributes` takes a required value away.
    static func issues(_ attributes: JSONObject, fields: [CustomField]) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        for field in fields {
            let value = attributes[field.key] ?? .null
            if let problem = field.problem(with: value) {
                issues.append(FieldIssue("attributes.\(field.key)", "invalid_type", problem))
            } else if field.required && (value.isNull || field.type == .string && value.stringValue?.trimmingWhitespace().isEmpty == true) {
                issues.append(FieldIssue("attributes.\(field.key)", "required", "attributes.\(field.key) is required"))
            }
        }
        return issues
    }
}
