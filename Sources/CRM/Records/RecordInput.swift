import JSON
import SQLite

/// Turns a JSON body into ``RecordChanges`` under a ``RecordSchema``, reporting every invalid
/// field at once (API.md §1, "Validation everywhere").
///
///     let changes = try RecordInput.parse(body, schema: CustomerSchema.schema, mode: .create)
public enum RecordInput {
    public enum Mode: Sendable {
        /// Required fields must be present; absent optional fields stay null.
        case create
        /// A JSON merge patch (RFC 7396): present keys are set, `null` clears an optional field.
        case patch
    }

    public static func parse(_ body: JSONObject, schema: RecordSchema, mode: Mode, ignoring: Set<String> = []) throws(CRMError)
        -> RecordChanges
    {
        let (changes, issues) = collecting(body, schema: schema, mode: mode, ignoring: ignoring)
        if !issues.isEmpty { throw .validation(issues) }
        return changes
    }

    /// ``parse(_:schema:mode:ignoring:)`` without throwing: the fields that validated, and the
    /// issues of those that did not (for a caller that checks the valid ones further before
    /// answering one 422 with every invalid field).
    public static func collecting(_ body: JSONObject, schema: RecordSchema, mode: Mode, ignoring: Set<String> = [])
        -> (changes: RecordChanges, issues: [FieldIssue])
    {
        var issues: [FieldIssue] = []
        var changes = RecordChanges()
        for (key, _) in body where schema.field(key) == nil && !ignoring.contains(key) {
            if RecordSchema.serverOwned.contains(key) || schema.alsoServerOwned.contains(key) {
                issues.append(FieldIssue(key, "read_only", "\(key) is set by the server"))
            } else {
                issues.append(FieldIssue(key, "unknown_field", "no such field"))
            }
        }
        for field in schema.fields {
            guard let value = body[field.name] else {
                if mode == .create && field.required {
                    issues.append(FieldIssue(field.name, "required", "\(field.name) is required"))
                }
                continue
            }
            guard field.writable else {
                issues.append(FieldIssue(field.name, "read_only", "\(field.name) is set by the server"))
                continue
            }
            if value.isNull {
                if field.required {
                    issues.append(FieldIssue(field.name, "required", "\(field.name) cannot be null"))
                } else if case .attributes = field.kind {
                    changes.entries.append((field, .set(.text("{}"))))
                } else if case .tags = field.kind {
                    changes.entries.append((field, .set(.text("[]"))))
                } else if case .lineItems = field.kind {
                    changes.entries.append((field, .set(.text("[]"))))
                } else {
                    changes.entries.append((field, .set(.null)))
                }
                continue
            }
            switch FieldValue.convert(value, kind: field.kind, field: field.name) {
            case .success(.null) where field.required:
                issues.append(FieldIssue(field.name, "required", "\(field.name) must not be empty"))
            case .success(let converted):
                if case .attributes = field.kind, mode == .patch, let object = value.objectValue {
                    changes.entries.append((field, .merge(object)))
                } else {
                    changes.entries.append((field, .set(converted)))
                }
            case .failure(let issue):
                if case .lineItems = field.kind {
                    // Every invalid member of every item, not only the first.
                    issues += FieldValue.checkedLineItems(value, field: field.name).1
                } else {
                    issues.append(issue)
                }
            }
        }
        return (changes, issues)
    }
}
