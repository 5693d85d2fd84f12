/// One result row, copied out of the `PGresult` it came in.
///
/// Copying makes a `Row` an ordinary value: it outlives the result, is `Sendable`, and can be
/// kept, returned or compared freely. Columns are read by position or by name:
///
///     let row = try connection.queryOne("SELECT id, name FROM customers WHERE id = $1", [7])
///     let name = row?.string("name")
public struct Row: Sendable {
    let columns: RowColumns
    /// Invariant: `values.count == columns.names.count`.
    public let values: [PostgresValue]

    init(columns: RowColumns, values: [PostgresValue]) {
        precondition(columns.names.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// Builds a row by hand, for tests and for layers that fake a query.
    public init(columnNames: [String], values: [PostgresValue]) {
        self.init(columns: RowColumns(names: columnNames), values: values)
    }

    public var count: Int { values.count }
    public var columnNames: [String] { columns.names }

    /// The value at `index`; an index out of range is a bug and traps.
    public subscript(_ index: Int) -> PostgresValue { values[index] }

    /// The value of the first column so named (exact match first, then ASCII case-insensitive);
    /// `.null` when there is no such column.
    public subscript(_ name: String) -> PostgresValue {
        guard let index = columns.index(of: name) else { return .null }
        return values[index]
    }

    /// Whether the result has a column so named (to tell a NULL from an absent column).
    public func hasColumn(_ name: String) -> Bool { columns.index(of: name) != nil }

    /// Whether the column at `index` is of type `numeric`, which arrives as exact text (a layer
    /// that wants numbers, whatever the precision, reads it as one).
    public func isNumeric(at index: Int) -> Bool { columns.types[index] == TypeOID.numeric }
}

// MARK: - Typed access
//
// Each accessor returns nil for NULL and for a value it cannot represent without loss, rather
// than guessing (1.5 is not an Int). One leniency: text that spells a number reads as that number,
// because `numeric` — what `sum(bigint)` returns, and any decimal column — arrives as exact text.
extension Row {
    public func int64(_ index: Int) -> Int64? { Row.int64(self[index]) }
    public func int(_ index: Int) -> Int? { Row.int64(self[index]).flatMap { Int(exactly: $0) } }
    public func double(_ index: Int) -> Double? { Row.double(self[index]) }
    public func string(_ index: Int) -> String? { Row.string(self[index]) }
    public func bool(_ index: Int) -> Bool? { Row.bool(self[index]) }
    public func bytes(_ index: Int) -> [UInt8]? { Row.bytes(self[index]) }

    public func int64(_ name: String) -> Int64? { Row.int64(self[name]) }
    public func int(_ name: String) -> Int? { Row.int64(self[name]).flatMap { Int(exactly: $0) } }
    public func double(_ name: String) -> Double? { Row.double(self[name]) }
    public func string(_ name: String) -> String? { Row.string(self[name]) }
    public func bool(_ name: String) -> Bool? { Row.bool(self[name]) }
    public func bytes(_ name: String) -> [UInt8]? { Row.bytes(self[name]) }

    private static func int64(_ value: PostgresValue) -> Int64? {
        switch value {
        case .integer(let integer): integer
        case .double(let double): Int64(exactly: double)
        case .text(let text): Int64(text)
        default: nil
        }
    }

    private static func double(_ value: PostgresValue) -> Double? {
        switch value {
        case .double(let double): double
        case .integer(let integer): Double(exactly: integer)
        case .text(let text): Double(text)
        default: nil
        }
    }

    private static func string(_ value: PostgresValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }

    private static func bool(_ value: PostgresValue) -> Bool? {
        switch value {
        case .bool(let bool): bool
        case .integer(let integer): integer != 0
        default: nil
        }
    }

    private static func bytes(_ value: PostgresValue) -> [UInt8]? {
        switch value {
        case .bytes(let bytes): bytes
        case .text(let text): Array(text.utf8)
        default: nil
        }
    }
}

extension Row: Equatable {
    public static func == (lhs: Row, rhs: Row) -> Bool {
        lhs.values == rhs.values && lhs.columns.names == rhs.columns.names
    }
}

extension Row: CustomStringConvertible {
    public var description: String {
        let pairs = zip(columns.names, values).map { "\($0): \($1)" }
        return "[" + pairs.joined(separator: ", ") + "]"
    }
}

/// The column names of one result, shared by all its rows, so that a row costs one array of
/// values and name lookup is a dictionary hit.
///
/// Immutable after init, hence `Sendable`.
final class RowColumns: Sendable {
    let names: [String]
    /// Each column's type OID (`pg_type.oid`); 0 when the row was built by hand.
    let types: [UInt32]
    /// First occurrence wins, as a query's column order does.
    private let exact: [String: Int]
    private let folded: [String: Int]

    init(names: [String], types: [UInt32]? = nil) {
        self.names = names
        self.types = types ?? Array(repeating: 0, count: names.count)
        var exact: [String: Int] = [:]
        var folded: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if exact[name] == nil { exact[name] = index }
            let key = RowColumns.fold(name)
            if folded[key] == nil { folded[key] = index }
        }
        self.exact = exact
        self.folded = folded
    }

    func index(of name: String) -> Int? {
        exact[name] ?? folded[RowColumns.fold(name)]
    }

    /// Unquoted SQL identifiers fold ASCII letters only.
    private static func fold(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
