/// A value bound to a `$n` parameter or read from a result column.
///
/// Bindings and results share the type, so a value read back can be bound again unchanged.
/// Literals keep bindings short:
///
///     try connection.run("INSERT INTO t(id, name, score, vip) VALUES ($1, $2, $3, $4)", [1, "张伟", 9.5, true])
///
/// The parameter's type is the server's to decide from the SQL (a column, a cast), as it is for a
/// quoted literal; write a cast where the SQL gives it nothing to go on (`SELECT $1::bigint`).
/// Columns of types without a case of their own (numeric, timestamptz, jsonb, uuid, …) are read as
/// their text form (see ``PostgresValue/decode(_:type:)``).
public enum PostgresValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    /// `bytea`.
    case bytes([UInt8])
    case bool(Bool)
}

extension PostgresValue {
    /// `nil` becomes NULL, so optional model fields bind without ceremony.
    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: Double?) { self = value.map { .double($0) } ?? .null }
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Substring?) { self = value.map { .text(String($0)) } ?? .null }
    public init(_ value: [UInt8]?) { self = value.map { .bytes($0) } ?? .null }
    public init(_ value: Bool?) { self = value.map { .bool($0) } ?? .null }

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension PostgresValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension PostgresValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension PostgresValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension PostgresValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension PostgresValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension PostgresValue: CustomStringConvertible {
    /// A short rendering for logs and test failures; not SQL (never build SQL from it).
    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .double(let value): String(value)
        case .text(let value): "'\(value)'"
        case .bytes(let bytes): "bytea(\(bytes.count) bytes)"
        case .bool(let value): value ? "true" : "false"
        }
    }
}
