import JSON
import SQLite

/// Converts one JSON value to its stored form under a ``FieldKind``, or names what is wrong.
public enum FieldValue {
    public static let maximumTags = 100
    public static let maximumTagLength = 100
    public static let maximumAttributes = 100

    /// What a bad entry of a ``FieldKind/tags`` list is called, by the field that holds it: a
    /// customer's or ticket's `tags`, a webhook's `events` (an entry that is not a string can be
    /// no event type, so it is the `unknown_event` an unknown name is) or an enum field's `options`.
    static func listItem(_ field: String) -> (code: String, noun: String) {
        switch field {
        case "events": ("unknown_event", "event")
        case "options": ("invalid_option", "option")
        default: ("invalid_tag", "tag")
        }
    }

    public static func convert(_ value: JSONValue, kind: FieldKind, field: String) -> Result<SQLValue, FieldIssue> {
        func invalid(_ code: String, _ message: String) -> Result<SQLValue, FieldIssue> {
            .failure(FieldIssue(field, code, message))
        }
        switch kind {
        case .text(let maxLength):
            guard let text = value.stringValue else { return invalid("invalid_type", "must be a string") }
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { return .success(.null) }
            // A character is at least one byte: only text longer in bytes is counted (grapheme
            // breaking is the dearest step of a create's validation).
            if trimmed.utf8.count > maxLength, trimmed.count > maxLength {
                return invalid("too_long", "at most \(maxLength) characters")
            }
            if let problem = TextRules.problem(in: trimmed) { return invalid("invalid_characters", problem) }
            return .success(.text(trimmed))
        case .enumeration(let allowed):
            guard let text = value.stringValue, allowed.contains(text) else {
                return invalid("invalid_enum", "one of \(allowed.joined(separator: ", "))")
            }
            return .success(.text(text))
        case .email:
            guard let text = value.stringValue else { return invalid("invalid_type", "must be a string") }
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { return .success(.null) }
            guard EmailAddress.isValid(trimmed) else { return invalid("invalid_format", "not an email address") }
            return .success(.text(trimmed))
        case .phone:
            guard let text = value.stringValue else { return invalid("invalid_type", "must be a string") }
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { return .success(.null) }
            guard PhoneNumber.isValid(trimmed) else {
                return invalid("invalid_format", "a phone number: optional +, then 6-15 digits with spaces, dots, hyphens or parentheses")
            }
            return .success(.text(trimmed))
        case .country:
            // Surrounding white space is dropped as from any text, and the case normalised.
            guard let code = value.stringValue?.trimmingWhitespace().uppercased(), CountryCode.isValid(code) else {
                return invalid("invalid_country", "an ISO 3166-1 alpha-2 country code")
            }
            return .success(.text(code))
        case .currency:
            guard let code = value.stringValue?.trimmingWhitespace().uppercased(), CurrencyCode.isValid(code) else {
                return invalid("invalid_currency", "an ISO 4217 currency code")
            }
            return .success(.text(code))
        case .date:
            guard let text = value.stringValue, let date = CalendarDate(text) else {
                return invalid("invalid_date", "a date as YYYY-MM-DD")
            }
            return .success(.text(date.description))
        case .timestamp:
            guard let text = value.stringValue, let time = Timestamp(rfc3339: text) else {
                return invalid("invalid_timestamp", "an RFC 3339 timestamp")
            }
            return .success(.text(time.rfc3339))
        case .boolean:
            guard let flag = value.boolValue else { return invalid("invalid_type", "must be true or false") }
            return .success(.integer(flag ? 1 : 0))
        case .integer(let minimum, let maximum):
            guard let number = value.intValue else { return invalid("invalid_type", "must be an integer") }
            guard number >= minimum && number <= maximum else {
                return invalid("out_of_range", "must be from \(minimum) to \(maximum)")
            }
            return .success(.integer(number))
        case .reference:
            guard let id = value.intValue, id > 0 else { return invalid("invalid_reference", "must be a record id") }
            return .success(.integer(id))
        case .tags:
            guard let array = value.arrayValue else { return invalid("invalid_type", "must be an array of strings") }
            // Linear, and stops at the first tag past the limit: a body of 100,000 tags costs no
            // more than one of 101 distinct ones.
            let (code, noun) = listItem(field)
            var tags: [String] = []
            var seen: Set<String> = []
            for element in array {
                guard let text = element.stringValue?.trimmingWhitespace(), !text.isEmpty else {
                    return invalid(code, "\(noun)s are non-empty strings")
                }
                guard text.utf8.count <= maximumTagLength || text.count <= maximumTagLength else {
                    return invalid(code, "each \(noun) has at most \(maximumTagLength) characters")
                }
                if let problem = TextRules.problem(in: text) { return invalid(code, "each \(noun) \(problem)") }
                guard seen.insert(text).inserted else { continue }
                tags.append(text)
                guard tags.count <= maximumTags else { return invalid("too_many", "at most \(maximumTags) \(noun)s") }
            }
            return .success(.text(JSONValue.array(tags.map(JSONValue.string)).jsonString))
        case .lineItems:
            return lineItems(value, field: field)
        case .attributes:
            guard let object = value.objectValue else { return invalid("invalid_type", "must be an object") }
            guard object.count <= maximumAttributes else { return invalid("too_many", "at most \(maximumAttributes) attributes") }
            // Every nested value is named in the one issue, not only the first (a 422 lists
            // every invalid field at once).
            var nested: [String] = []
            for (key, member) in object {
                if key.isEmpty || key.count > 100 { return invalid("invalid_attribute", "attribute names have 1-100 characters") }
                if TextRules.problem(in: key) != nil {
                    return invalid("invalid_attribute", "attribute names must not contain control characters")
                }
                switch member {
                case .array, .object: nested.append("'\(key)'")
                case .string(let text):
                    if let problem = TextRules.problem(in: text) {
                        return .failure(FieldIssue("\(field).\(key)", "invalid_characters", problem))
                    }
                default: continue
                }
            }
            if !nested.isEmpty {
                let names = nested.count == 1 ? "attribute \(nested[0])" : "attributes \(nested.joined(separator: ", "))"
                return invalid("invalid_attribute", "\(names) must be a string, number, bool or null")
            }
            return .success(.text(JSONValue.object(object).jsonString))
        case .ruleTree:
            // Only the shape here (one issue per field); the resource's own rules check the
            // whole tree and name every bad part (SegmentSchema).
            guard value.objectValue != nil else { return invalid("invalid_type", "must be a rule tree object") }
            return .success(.text(value.jsonString))
        case .document:
            guard value.objectValue != nil || value.arrayValue != nil else {
                return invalid("invalid_type", "must be an object or an array")
            }
            return .success(.text(value.jsonString))
        }
    }
}

extension FieldValue {
    public static let maximumLineItems = 500

    /// A required text field of a body that is no record (a loyalty entry's or an erase's
    /// `reason`): trimmed, non-empty, at most `maxLength` characters, no control characters. What
    /// is wrong goes to `issues` (`required`, with that message, when it is missing, null or
    /// blank), and the text is then empty.
    static func requiredText(_ value: JSONValue?, field: String, maxLength: Int, required: String, issues: inout [FieldIssue]) -> String {
        if let value, !value.isNull {
            switch convert(value, kind: .text(maxLength: maxLength), field: field) {
            case .success(.text(let text)): return text
            case .success: break
            case .failure(let issue):
                issues.append(issue)
                return ""
            }
        }
        issues.append(FieldIssue(field, "required", required))
        return ""
    }

    /// `[{sku, name, quantity, unit_amount}]`: `name` required, `quantity` ≥ 0 integer,
    /// `unit_amount` ≥ 0 integer minor units, `sku` optional text; nothing else.
    static func lineItems(_ value: JSONValue, field: String) -> Result<SQLValue, FieldIssue> {
        let (stored, issues) = checkedLineItems(value, field: field)
        if let stored, issues.isEmpty { return .success(stored) }
        return .failure(issues.first ?? FieldIssue(field, "invalid_type", "must be an array of line items"))
    }

    /// ``lineItems(_:field:)`` with every invalid member of every item (a 422 lists every
    /// invalid field at once): the stored text when there is none.
    public static func checkedLineItems(_ value: JSONValue, field: String) -> (SQLValue?, [FieldIssue]) {
        guard let array = value.arrayValue else { return (nil, [FieldIssue(field, "invalid_type", "must be an array of line items")]) }
        guard array.count <= maximumLineItems else { return (nil, [FieldIssue(field, "too_many", "at most \(maximumLineItems) items")]) }
        var items: [JSONValue] = []
        var issues: [FieldIssue] = []
        for (index, element) in array.enumerated() {
            let path = "\(field)[\(index)]"
            guard let item = element.objectValue else {
                issues.append(FieldIssue(path, "invalid_type", "a line item is an object"))
                continue
            }
            for key in item.keys where !["sku", "name", "quantity", "unit_amount"].contains(key) {
                issues.append(FieldIssue("\(path).\(key)", "unknown_field", "no such field"))
            }
            var normalized: JSONObject = [:]
            if let name = item["name"]?.stringValue?.trimmingWhitespace(), !name.isEmpty, name.count <= 200 {
                if let problem = TextRules.problem(in: name) {
                    issues.append(FieldIssue("\(path).name", "invalid_characters", problem))
                }
                normalized["name"] = .string(name)
            } else {
                issues.append(FieldIssue("\(path).name", "required", "a non-empty name of at most 200 characters"))
            }
            if let quantity = item["quantity"]?.intValue, quantity >= 0, quantity <= 1_000_000_000 {
                normalized["quantity"] = .int(quantity)
            } else {
                issues.append(FieldIssue("\(path).quantity", "out_of_range", "an integer ≥ 0"))
            }
            if let unitAmount = item["unit_amount"]?.intValue, unitAmount >= 0 {
                normalized["unit_amount"] = .int(unitAmount)
            } else {
                issues.append(FieldIssue("\(path).unit_amount", "out_of_range", "an integer ≥ 0 in minor units"))
            }
            if let sku = item["sku"], !sku.isNull {
                if let text = sku.stringValue, text.count <= 100 {
                    if let problem = TextRules.problem(in: text) {
                        issues.append(FieldIssue("\(path).sku", "invalid_characters", problem))
                    }
                    normalized["sku"] = .string(text)
                } else {
                    issues.append(FieldIssue("\(path).sku", "invalid_type", "a string of at most 100 characters"))
                }
            } else {
                normalized["sku"] = .null
            }
            // The stored order of members: sku, name, quantity, unit_amount.
            items.append(
                .object([
                    "sku": normalized["sku"] ?? .null, "name": normalized["name"] ?? .null, "quantity": normalized["quantity"] ?? .null,
                    "unit_amount": normalized["unit_amount"] ?? .null,
                ]))
        }
        guard issues.isEmpty else { return (nil, issues) }
        return (.text(JSONValue.array(items).jsonString), [])
    }
}

extension String {
    /// Without surrounding white space (including full-width spaces and newlines).
    public func trimmingWhitespace() -> String {
        // Fast path: text that starts and ends with a visible ASCII byte needs no trimming.
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return self
        }
        if let first = unicodeScalars.first, let last = unicodeScalars.last, !first.properties.isWhitespace,
            !last.properties.isWhitespace
        {
            return self
        }
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
