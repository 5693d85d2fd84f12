import JSON

/// A rule tree (API.md §2, "segments"): `{"all":[…]}`, `{"any":[…]}`, `{"not":…}` over leaves
/// `{"field","op","value"}`. Segments, `POST /v1/customers/search` and automation conditions
/// all use this one type; ``RuleCompiler`` turns it into one SQL condition with bound values.
///
///     let tree = try RuleTree.parse(body["rules"], catalog: .customers)
///     // {"all":[{"field":"industry","op":"eq","value":"retail"},{"field":"tags","op":"eq","value":"vip"}]}
public indirect enum RuleTree: Sendable {
    case all([RuleTree])
    case any([RuleTree])
    case not(RuleTree)
    case leaf(RuleLeaf)

    /// The deepest nesting and the most leaves a tree may have: enough for any hand-made
    /// segment, and a bound on the SQL one request can make the server build and run.
    public static let maximumDepth = 10
    public static let maximumLeaves = 100

    /// Checks `value` against `catalog` and returns the tree, or a `422` naming every bad part by
    /// its path (`rules.all[1].value`).
    public static func parse(_ value: JSONValue?, catalog: RuleCatalog, path: String = "rules") throws(CRMError) -> RuleTree {
        var parser = Parser(catalog: catalog)
        guard let value else { throw CRMError.validation([FieldIssue(path, "required", "a rule tree is required")]) }
        let tree = parser.node(value, path: path, depth: 1)
        guard parser.issues.isEmpty, let tree else { throw CRMError.validation(parser.issues) }
        return tree
    }

    /// Whether the tree holds for every record: `{"all":[]}`.
    public var isAlwaysTrue: Bool {
        if case .all(let children) = self { return children.isEmpty }
        return false
    }

    private struct Parser {
        let catalog: RuleCatalog
        var issues: [FieldIssue] = []
        var leaves = 0

        mutating func node(_ value: JSONValue, path: String, depth: Int) -> RuleTree? {
            guard issues.count < 20 else { return nil }
            guard depth <= RuleTree.maximumDepth else {
                issues.append(FieldIssue(path, "too_deep", "a rule tree nests at most \(RuleTree.maximumDepth) levels"))
                return nil
            }
            guard let object = value.objectValue else {
                issues.append(FieldIssue(path, "invalid_type", "a rule is an object: {\"all\":[…]}, {\"any\":[…]}, {\"not\":…} or a leaf"))
                return nil
            }
            if object.count == 1, let key = object.keys.first, let inner = object[key], ["all", "any", "not"].contains(key) {
                if key == "not" { return node(inner, path: "\(path).not", depth: depth + 1).map(RuleTree.not) }
                guard let items = inner.arrayValue else {
                    issues.append(FieldIssue("\(path).\(key)", "invalid_type", "must be an array of rules"))
                    return nil
                }
                var children: [RuleTree] = []
                for (index, item) in items.enumerated() {
                    guard let child = node(item, path: "\(path).\(key)[\(index)]", depth: depth + 1) else { continue }
                    children.append(child)
                }
                return key == "all" ? .all(children) : .any(children)
            }
            leaves += 1
            guard leaves <= RuleTree.maximumLeaves else {
                if leaves == RuleTree.maximumLeaves + 1 {
                    issues.append(FieldIssue(path, "too_many_rules", "a rule tree has at most \(RuleTree.maximumLeaves) leaves"))
                }
                return nil
            }
            return leaf(object, path: path)
        }

        mutating func leaf(_ object: JSONObject, path: String) -> RuleTree? {
            for key in object.keys where !["field", "op", "value"].contains(key) {
                issues.append(FieldIssue("\(path).\(key)", "unknown_field", "a leaf has field, op and value"))
            }
            // The operator is named whatever the field: a leaf with both wrong has both named.
            let op = object["op"]?.stringValue.flatMap(RuleOperator.init(rawValue:))
            if op == nil {
                let allowed = RuleOperator.allCases.map(\.rawValue).joined(separator: ", ")
                issues.append(FieldIssue("\(path).op", object["op"] == nil ? "required" : "unknown_operator", "one of \(allowed)"))
            }
            guard let name = object["field"]?.stringValue else {
                issues.append(FieldIssue("\(path).field", "required", "name the field the rule tests"))
                return nil
            }
            guard let field = catalog.field(named: name) else {
                issues.append(FieldIssue("\(path).field", "unknown_field", "'\(name)' is not a field rules can test"))
                return nil
            }
            guard let op else { return nil }
            guard field.kind.allows(op) else {
                issues.append(FieldIssue("\(path).op", "unsupported_operator", "'\(op.rawValue)' does not apply to \(name)"))
                return nil
            }
            switch field.kind.operand(op, object["value"] ?? .null) {
            case .success(let operand):
                return .leaf(RuleLeaf(field: field, op: op, operand: operand))
            case .failure(let message):
                issues.append(FieldIssue("\(path).value", "invalid_value", message.message))
                return nil
            }
        }
    }
}

/// `eq|ne|in|gt|gte|lt|lte|contains|exists`.
public enum RuleOperator: String, Sendable, CaseIterable {
    case eq, ne, `in`, gt, gte, lt, lte, contains, exists
}

/// One checked leaf: the field, the operator and the value(s) to bind.
public struct RuleLeaf: Sendable {
    public let field: RuleField
    public let op: RuleOperator
    /// One value; several for `in`; for `exists`, whether the field must be present.
    let operand: RuleOperand
}

enum RuleOperand: Sendable {
    case value(RuleValue)
    case values([RuleValue])
    case exists(Bool)
}

/// A value as bound into SQL.
enum RuleValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case real(Double)
    /// An attribute's `true` or `false` (a boolean field's is `integer` 1 or 0, as its column).
    case boolean(Bool)
}
