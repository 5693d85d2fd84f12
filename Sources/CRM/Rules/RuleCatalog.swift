import JSON
import SQLite

/// The fields rules may test on one kind of record, each with the SQL that reads it (an
/// allow-list: a rule's field name never reaches SQL, only the expression found here).
public struct RuleCatalog: Sendable {
    private let fields: [String: RuleField]
    /// Whether `attributes.<name>` leaves are allowed.
    private let hasAttributes: Bool
    /// The kinds of the attributes that have a custom field definition; any other attribute
    /// takes any scalar.
    private var attributeKinds: [String: RuleFieldKind] = [:]

    init(_ fields: [RuleField], hasAttributes: Bool) {
        var byName: [String: RuleField] = [:]
        for field in fields { byName[field.name] = field }
        self.fields = byName
        self.hasAttributes = hasAttributes
    }

    /// Customers, with `attributes.<key>` typed by the live custom field definitions, so a leaf's
    /// value is checked against the defined type (`attributes.score gte "high"` is a `422`).
    public static func customers(_ connection: StoreConnection) throws -> RuleCatalog {
        var catalog = customers
        for field in try CustomFieldStore.live(connection) {
            catalog.attributeKinds[field.key] =
                switch field.type {
                case .string: .text
                case .number: .number
                case .integer: .integer
                case .bool: .boolean
                case .date: .date
                case .enumeration: .enumeration(field.options)
                }
        }
        return catalog
    }

    /// The field a leaf names: a known name, or `attributes.<name>` (any custom field).
    public func field(named name: String) -> RuleField? {
        if let field = fields[name] { return field }
        guard hasAttributes, name.hasPrefix("attributes.") else { return nil }
        let key = String(name.dropFirst("attributes.".count))
        // The key is bound into a JSON path: quotes and backslashes could not be expressed there.
        guard (1...100).contains(key.count), !key.contains("\""), !key.contains("\\"), TextRules.problem(in: key) == nil else {
            return nil
        }
        return RuleField(name: name, kind: attributeKinds[key] ?? .attribute, target: .attribute(key))
    }

    /// Customers: their fields, `tags`, `attributes.<name>` and `metrics.*` (API.md §2, "segments").
    public static let customers: RuleCatalog = {
        var fields: [RuleField] = [
            RuleField(name: "id", kind: .integer, target: .column("c.id")),
            RuleField(name: "tags", kind: .tags, target: .tags),
            RuleField(name: "created_at", kind: .timestamp, target: .column("c.created_at")),
            RuleField(name: "updated_at", kind: .timestamp, target: .column("c.updated_at")),
            RuleField(name: "metrics.order_count", kind: .integer, target: .column("c.order_count")),
            RuleField(name: "metrics.total_spent", kind: .integer, target: .column("c.total_spent")),
            RuleField(name: "metrics.first_order_at", kind: .timestamp, target: .column("c.first_order_at")),
            RuleField(name: "metrics.last_order_at", kind: .timestamp, target: .column("c.last_order_at")),
            RuleField(name: "metrics.last_interaction_at", kind: .timestamp, target: .column("c.last_interaction_at")),
            RuleField(name: "metrics.open_tickets", kind: .integer, target: .column("c.open_tickets")),
            RuleField(name: "metrics.nps_last", kind: .integer, target: .column("c.nps_last")),
            RuleField(name: "metrics.csat_avg", kind: .number, target: .column("c.csat_avg")),
            RuleField(name: "metrics.rfm.r", kind: .integer, target: .column("c.rfm_r")),
            RuleField(name: "metrics.rfm.f", kind: .integer, target: .column("c.rfm_f")),
            RuleField(name: "metrics.rfm.m", kind: .integer, target: .column("c.rfm_m")),
            RuleField(name: "metrics.rfm.score", kind: .integer, target: .column("c.rfm_score")),
            RuleField(name: "metrics.churn_risk", kind: .integer, target: .column("c.churn_score")),
            RuleField(name: "metrics.churn_risk.score", kind: .integer, target: .column("c.churn_score")),
        ]
        // A company's rollup; a person has none, so these are null (no comparison holds) on persons.
        for (name, column) in [
            ("contacts", "account_contacts"), ("order_count", "account_order_count"), ("total_spent", "account_total_spent"),
            ("open_tickets", "account_open_tickets"),
        ] {
            fields.append(
                RuleField(
                    name: "metrics.account.\(name)", kind: .integer, target: .column("(CASE WHEN c.type = 'company' THEN c.\(column) END)"))
            )
        }
        for definition in CustomerSchema.schema.fields {
            switch definition.name {
            case "tags", "attributes": continue
            case "email":
                fields.append(
                    RuleField(name: "email", kind: .text, target: .column("c.email_normalized"), normalize: EmailAddress.normalized))
            case "phone":
                fields.append(RuleField(name: "phone", kind: .text, target: .column("c.phone_digits"), normalize: PhoneNumber.digits))
            case "country":
                // Stored upper-cased (`cn` is written as `CN`), so compared that way, as `?country=` is.
                fields.append(RuleField(name: "country", kind: .text, target: .column("c.country"), normalize: { $0.uppercased() }))
            default:
                guard let kind = RuleFieldKind(definition.kind) else { continue }
                fields.append(RuleField(name: definition.name, kind: kind, target: .column("c.\(definition.column)")))
            }
        }
        return RuleCatalog(fields, hasAttributes: true)
    }()
}

extension RuleCatalog {
    /// Another kind of record (the order, ticket, feedback or opportunity an automation runs
    /// on): its id, timestamps and every field rules can test, read from the row aliased `c`.
    /// Their tags are not testable: they live in the row as JSON, not in an indexed side table.
    public static func records(_ schema: RecordSchema) -> RuleCatalog {
        var fields: [RuleField] = [
            RuleField(name: "id", kind: .integer, target: .column("c.id")),
            RuleField(name: "created_at", kind: .timestamp, target: .column("c.created_at")),
            RuleField(name: "updated_at", kind: .timestamp, target: .column("c.updated_at")),
        ]
        for definition in schema.fields {
            guard let kind = RuleFieldKind(definition.kind) else { continue }
            if case .tags = kind { continue }
            fields.append(RuleField(name: definition.name, kind: kind, target: .column("c.\(definition.column)")))
        }
        return RuleCatalog(fields, hasAttributes: false)
    }
}

/// One testable field: its name in rules, what values it takes, and where SQL reads it.
public struct RuleField: Sendable {
    public let name: String
    let kind: RuleFieldKind
    let target: Target
    /// Applied to text operands before binding (emails lower-cased, phones to digits).
    let normalize: (@Sendable (String) -> String)?

    enum Target: Sendable {
        /// A column expression of the record's table.
        case column(String)
        /// The record's tags (a side table).
        case tags
        /// A key of the record's `attributes` JSON.
        case attribute(String)
    }

    init(name: String, kind: RuleFieldKind, target: Target, normalize: (@Sendable (String) -> String)? = nil) {
        self.name = name
        self.kind = kind
        self.target = target
        self.normalize = normalize
    }
}

/// What a rule field holds, so an operator and a value can be checked against it.
enum RuleFieldKind: Sendable {
    case text, integer, number, timestamp, date, boolean, tags, attribute
    case enumeration([String])

    /// The field kinds of stored records, mapped; nil for kinds rules do not test.
    init?(_ kind: FieldKind) {
        switch kind {
        case .text, .email, .phone, .country, .currency: self = .text
        case .enumeration(let values): self = .enumeration(values)
        case .date: self = .date
        case .timestamp: self = .timestamp
        case .boolean: self = .boolean
        case .integer, .reference: self = .integer
        case .tags: self = .tags
        case .attributes, .lineItems, .ruleTree, .document: return nil
        }
    }

    func allows(_ op: RuleOperator) -> Bool {
        switch (self, op) {
        case (_, .exists), (_, .eq), (_, .ne): true
        case (.boolean, _): false
        case (.enumeration, .in), (.tags, .in): true
        case (.enumeration, _): false
        case (.tags, .contains): true
        case (.tags, _): false
        case (.text, _), (.attribute, _): true
        case (_, .contains): false
        default: true
        }
    }

    /// The checked operand of `op` for `value`, or why it does not fit.
    func operand(_ op: RuleOperator, _ value: JSONValue) -> Result<RuleOperand, RuleValueError> {
        switch op {
        case .exists:
            guard let flag = value.boolValue else { return .failure("exists takes true or false") }
            return .success(.exists(flag))
        case .in:
            guard let items = value.arrayValue, (1...100).contains(items.count) else {
                return .failure("in takes an array of 1 to 100 values")
            }
            var values: [RuleValue] = []
            for item in items {
                switch scalar(item, op: op) {
                case .success(let value): values.append(value)
                case .failure(let error): return .failure(error)
                }
            }
            return .success(.values(values))
        default:
            return scalar(value, op: op).map(RuleOperand.value)
        }
    }

    private func scalar(_ value: JSONValue, op: RuleOperator) -> Result<RuleValue, RuleValueError> {
        if op == .contains {
            guard let text = value.stringValue, !text.isEmpty, text.count <= 200 else {
                return .failure("contains takes a string of 1 to 200 characters")
            }
            return .success(.text(text))
        }
        switch self {
        case .text, .tags:
            guard let text = value.stringValue, text.count <= 1000 else { return .failure("expected a string") }
            return .success(.text(text))
        case .enumeration(let allowed):
            guard let text = value.stringValue, allowed.contains(text) else {
                return .failure("expected one of \(allowed.joined(separator: ", "))")
            }
            return .success(.text(text))
        case .integer:
            guard let number = value.intValue else { return .failure("expected an integer") }
            return .success(.integer(number))
        case .number:
            guard let number = value.doubleValue else { return .failure("expected a number") }
            return .success(.real(number))
        case .timestamp:
            guard let text = value.stringValue else { return .failure("expected an RFC 3339 timestamp or a date") }
            if let time = Timestamp(rfc3339: text) { return .success(.text(time.rfc3339)) }
            if let date = CalendarDate(text) { return .success(.text(date.startTimestamp.rfc3339)) }
            return .failure("expected an RFC 3339 timestamp or a date")
        case .date:
            guard let text = value.stringValue, let date = CalendarDate(text) else { return .failure("expected a date YYYY-MM-DD") }
            return .success(.text(date.description))
        case .boolean:
            // A boolean stays one: a column binds it as 1 or 0, an attribute (a custom field of type
            // `bool`) compares it with JSON's true or false, never with the numbers 1 and 0.
            guard let flag = value.boolValue else { return .failure("expected true or false") }
            return .success(.boolean(flag))
        case .attribute:
            switch value {
            case .string(let text) where text.count <= 1000: return .success(.text(text))
            case .int(let number): return .success(.integer(number))
            case .double(let number): return .success(.real(number))
            case .bool(let flag): return .success(.boolean(flag))
            default: return .failure("expected a string, number or boolean")
            }
        }
    }
}

/// Why a rule's value does not fit its field and operator: the message of the `422`.
struct RuleValueError: Error, ExpressibleByStringInterpolation {
    let message: String
    init(stringLiteral message: String) { self.message = message }
    init(_ message: String) { self.message = message }
}
