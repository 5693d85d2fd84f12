import SQLite

/// Compiles a ``RuleTree`` into one SQL condition over a record table aliased `c`, every value
/// bound (never written into the SQL text). Field expressions come from the ``RuleCatalog``.
///
///     {"all":[{"field":"industry","op":"eq","value":"retail"},{"field":"tags","op":"eq","value":"vip"}]}
///     → (c.industry = ? AND EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?))
enum RuleConditionStore {
    /// - Parameter attributeIndex: which comparisons of defined attributes read their index.
    static func condition(_ tree: RuleTree, attributeIndex: AttributeIndexUse = .none, dialect: SQLDialect) -> ListCondition {
        var bindings: [SQLValue] = []
        let sql = compile(tree, attributeIndex, dialect, &bindings)
        return ListCondition(sql: sql, bindings: bindings)
    }

    private static func compile(_ tree: RuleTree, _ index: AttributeIndexUse, _ dialect: SQLDialect, _ bindings: inout [SQLValue]) -> String
    {
        // The children of an `all` are conjuncts as it is; those of `any` and `not` are not.
        let nested: AttributeIndexUse = index == .all ? .all : .none
        switch tree {
        case .all(let children):
            guard !children.isEmpty else { return "TRUE" }
            return "(" + children.map { compile($0, index, dialect, &bindings) }.joined(separator: " AND ") + ")"
        case .any(let children):
            guard !children.isEmpty else { return "FALSE" }
            return "(" + children.map { compile($0, nested, dialect, &bindings) }.joined(separator: " OR ") + ")"
        case .not(let child):
            // A NULL inside must count as "does not hold", so NOT of it holds: coalesce first.
            return "NOT coalesce(\(compile(child, nested, dialect, &bindings)), FALSE)"
        case .leaf(let leaf):
            return compile(leaf, index, dialect, &bindings)
        }
    }

    private static func compile(_ leaf: RuleLeaf, _ index: AttributeIndexUse, _ dialect: SQLDialect, _ bindings: inout [SQLValue]) -> String
    {
        switch leaf.field.target {
        case .tags: return tags(leaf, dialect, &bindings)
        case .column(let expression): return compare(expression, [], leaf, dialect, &bindings)
        case .attribute(let key):
            let path = SQLValue.text("$.\"\(key)\"")
            // A snake_case key (every defined field's) is read through the expression of its
            // index (AttributeIndexStore), path and all, where the index is to serve it; any other
            // key through a bound path.
            let indexed = index == .all || (index == .conjunctEqualities && [.eq, .in].contains(leaf.op))
            var (value, own): (String, [SQLValue]) =
                CustomField.isValidKey(key)
                ? (AttributeIndexStore.expression(key, indexed: indexed, dialect: dialect), []) : ("json_extract(c.attributes, ?)", [path])
            if leaf.comparesNumber, let number = dialect.jsonNumber("c.attributes") {
                // PostgreSQL's json_extract answers text, which orders "10" before "9".
                (value, own) = (number, [path])
            }
            if let values = leaf.equalityValues {
                return attributeEquality(value, own, path: path, leaf.op, values, dialect, &bindings)
            }
            guard let types = comparableTypes(leaf) else { return compare(value, own, leaf, dialect, &bindings) }
            bindings.append(path)
            return "(json_type(c.attributes, ?) IN (\(types)) AND \(compare(value, own, leaf, dialect, &bindings)))"
        }
    }

    /// For `gt|gte|lt|lte` over an attribute, the JSON types its value must have: attributes
    /// hold values of any type, and SQLite orders every number below every string, so without
    /// this `attributes.score gt 3` would hold for a score of `"high"`.
    private static func comparableTypes(_ leaf: RuleLeaf) -> String? {
        guard [.gt, .gte, .lt, .lte].contains(leaf.op), case .value(let value) = leaf.operand else { return nil }
        if case .text = value { return "'text'" }
        return "'integer', 'real'"
    }

    /// `eq`, `ne` or `in` over an attribute, each value compared only with values of its own JSON
    /// type: a string with strings, a number with numbers (by value: `3` and `3.0` are equal), a
    /// boolean with that boolean. Without the types SQLite's `json_extract`, which reads `true` as
    /// 1, made `eq 1` hold for `true` and `eq true` for 1, and PostgreSQL's, which answers text,
    /// made `eq "1"` hold for the number 1 and `eq 3` miss a stored `3` written `3.0` or the other
    /// way round (found by a differential audit of the two engines).
    private static func attributeEquality(
        _ value: String, _ own: [SQLValue], path: SQLValue, _ op: RuleOperator, _ values: [RuleValue], _ dialect: SQLDialect,
        _ bindings: inout [SQLValue]
    ) -> String {
        // On PostgreSQL, whose json_extract answers every value as text, a number compares as
        // json_number's double precision and a string needs its type checked; SQLite's answers
        // text for a string only (which equals no number) and an integer exactly.
        let number = dialect.jsonNumber("c.attributes")
        var texts: [String] = []
        var numbers: [SQLValue] = []
        var flags: Set<Bool> = []
        for item in values {
            switch item {
            case .text(let text): texts.append(text)
            case .integer(let integer): numbers.append(number == nil ? .integer(integer) : .real(Double(integer)))
            case .real(let real): numbers.append(.real(real))
            case .boolean(let flag): flags.insert(flag)
            }
        }
        var matches: [String] = []
        // The comparison first: a count's plan reads the attribute's index for each side of an OR.
        func typed(_ types: String?, _ expression: String, _ own: [SQLValue], _ compared: [SQLValue]) {
            bindings += own
            bindings += compared
            let placeholders = Array(repeating: "?", count: compared.count).joined(separator: ", ")
            let comparison = compared.count == 1 ? "\(expression) = ?" : "\(expression) IN (\(placeholders))"
            guard let types else { return matches.append(comparison) }
            bindings.append(path)
            matches.append("(\(comparison) AND json_type(c.attributes, ?) IN (\(types)))")
        }
        if !texts.isEmpty { typed(number == nil ? nil : "'text'", value, own, texts.map(SQLValue.text)) }
        if !numbers.isEmpty { typed("'integer', 'real'", number ?? value, number == nil ? own : [path], numbers) }
        for flag in [false, true] where flags.contains(flag) {
            bindings.append(path)
            matches.append("json_type(c.attributes, ?) = '\(flag ? "true" : "false")'")
        }
        let any = matches.count == 1 ? matches[0] : "(" + matches.joined(separator: " OR ") + ")"
        return op == .ne ? "NOT coalesce(\(any), FALSE)" : any
    }

    /// `expression <op> ?`; a missing value (NULL) never matches except `ne` and `exists:false`.
    /// `own` are the expression's own bindings, bound again wherever it appears.
    private static func compare(
        _ column: String, _ own: [SQLValue], _ leaf: RuleLeaf, _ dialect: SQLDialect, _ bindings: inout [SQLValue]
    ) -> String {
        let normalize = leaf.field.normalize
        var expression: String {
            bindings += own
            return column
        }
        func bind(_ value: RuleValue) {
            switch value {
            case .text(let text): bindings.append(.text(normalize?(text) ?? text))
            case .integer(let number): bindings.append(.integer(number))
            case .real(let number): bindings.append(.real(number))
            case .boolean(let flag): bindings.append(.integer(flag ? 1 : 0))
            }
        }
        switch leaf.operand {
        case .exists(let present):
            let first = expression
            let second = dialect.text(expression)
            return present ? "(\(first) IS NOT NULL AND \(second) != '')" : "(\(first) IS NULL OR \(second) = '')"
        case .values(let values):
            let left = expression
            values.forEach(bind)
            return "\(left) IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))"
        case .value(let value):
            let left = expression
            if leaf.op == .contains {
                bindings.append(.text(ListCondition.containsPattern(normalize?(textOf(value)) ?? textOf(value))))
                return "\(dialect.asciiLower(left)) LIKE ? ESCAPE '\\'"
            }
            bind(value)
            switch leaf.op {
            case .ne: return "\(left) IS DISTINCT FROM ?"
            case .gt: return "\(left) > ?"
            case .gte: return "\(left) >= ?"
            case .lt: return "\(left) < ?"
            case .lte: return "\(left) <= ?"
            default: return "\(left) = ?"
            }
        }
    }

    private static func tags(_ leaf: RuleLeaf, _ dialect: SQLDialect, _ bindings: inout [SQLValue]) -> String {
        let has = "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag"
        switch leaf.operand {
        case .exists(let present):
            return present ? "c.tags != '[]'" : "c.tags = '[]'"
        case .values(let values):
            values.forEach { bindings.append(.text(textOf($0))) }
            // Through the customer's own few tags, the tag unindexed: by the primary key each
            // value was a seek on every row tested (a tree of 100 such leaves of 10 values held
            // the writer 15 s on 20,000 customers).
            let list = Array(repeating: "?", count: values.count).joined(separator: ", ")
            return "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND \(dialect.unindexed("t.tag")) IN (\(list)))"
        case .value(let value):
            if leaf.op == .contains {
                bindings.append(.text(ListCondition.containsPattern(textOf(value))))
                return "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND lower(t.tag) LIKE ? ESCAPE '\\')"
            }
            bindings.append(.text(textOf(value)))
            return leaf.op == .ne ? "NOT \(has) = ?)" : "\(has) = ?)"
        }
    }

    private static func textOf(_ value: RuleValue) -> String {
        switch value {
        case .text(let text): text
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .boolean(let flag): String(flag)
        }
    }
}

extension RuleLeaf {
    /// The values of an `eq`, `ne` or `in`, or nil for another operator.
    fileprivate var equalityValues: [RuleValue]? {
        switch (op, operand) {
        case (.eq, .value(let value)), (.ne, .value(let value)): [value]
        case (.in, .values(let values)): values
        default: nil
        }
    }

    /// Whether the leaf orders by one number (`gt`, `gte`, `lt`, `lte` a number): equality holds
    /// between the texts PostgreSQL's json_extract answers as between SQLite's numbers (a
    /// boolean included, which both read as 1 or 0).
    fileprivate var comparesNumber: Bool {
        guard [.gt, .gte, .lt, .lte].contains(op), case .value(let value) = operand else { return false }
        if case .text = value { return false }
        return true
    }
}
