import Synchronization

/// One result row, copied out of SQLite when it is stepped to.
///
/// Copying costs a little per row but makes a `Row` an ordinary value: it stays valid
/// after the statement moves on, is `Sendable`, and can be kept, returned or compared
/// freely. Columns are read by position or by name:
///
///     let row = try connection.queryOne("SELECT id, name FROM customers WHERE id = ?", [7])
///     let name = row?.string("name")
public struct Row: Sendable {
    let columns: RowColumns
    /// Invariant: `values.count == columns.names.count`.
    public let values: [SQLValue]

    init(columns: RowColumns, values: [SQLValue]) {
        precondition(columns.names.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// Builds a row by hand, for tests and for layers that fake a query.
    public init(columnNames: [String], values: [SQLValue]) {
        self.init(columns: RowColumns(names: columnNames), values: values)
    }

    /// Rows built by hand that share one list of column names, as a statement's rows do: for a
    /// layer that hands another engine's results on as rows of this shape.
    public static func rows(columnNames: [String], values: [[SQLValue]]) -> [Row] {
        let columns = RowColumns(names: columnNames)
        return values.map { Row(columns: columns, values: $0) }
    }

    public var count: Int { values.count }
    public var columnNames: [String] { columns.names }

    /// The value at `index`; an index out of range is a bug and traps.
    public subscript(_ index: Int) -> SQLValue { values[index] }

    /// The value of the first column so named (exact match first, then ASCII
    /// case-insensitive as SQL identifiers are); `.null` when there is no such column.
    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.index(of: name) else { return .null }
        return values[index]
    }

    /// Whether the result has a column so named (to tell a NULL from an absent column).
    public func hasColumn(_ name: String) -> Bool { columns.index(of: name) != nil }
}

// MARK: - Typed access
//
// Each accessor returns nil for NULL and for a value it cannot represent without loss,
// rather than guessing (a REAL 1.5 is not an Int; text is not a number).
extension Row {
    public func int64(_ index: Int) -> Int64? { Row.int64(self[index]) }
    public func int(_ index: Int) -> Int? { Row.int64(self[index]).flatMap { Int(exactly: $0) } }
    public func double(_ index: Int) -> Double? { Row.double(self[index]) }
    public func string(_ index: Int) -> String? { Row.string(self[index]) }
    public func bool(_ index: Int) -> Bool? { Row.int64(self[index]).map { $0 != 0 } }
    public func blob(_ index: Int) -> [UInt8]? { Row.blob(self[index]) }

    public func int64(_ name: String) -> Int64? { Row.int64(self[name]) }
    public func int(_ name: String) -> Int? { Row.int64(self[name]).flatMap { Int(exactly: $0) } }
    public func double(_ name: String) -> Double? { Row.double(self[name]) }
    public func string(_ name: String) -> String? { Row.string(self[name]) }
    public func bool(_ name: String) -> Bool? { Row.int64(self[name]).map { $0 != 0 } }
    public func blob(_ name: String) -> [UInt8]? { Row.blob(self[name]) }

    private static func int64(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let integer): return integer
        case .real(let real): return Int64(exactly: real)
        default: return nil
        }
    }

    private static func double(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let real): return real
        case .integer(let integer): return Double(integer)
        default: return nil
        }
    }

    private static func string(_ value: SQLValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }

    private static func blob(_ value: SQLValue) -> [UInt8]? {
        switch value {
        case .blob(let bytes): return bytes
        case .text(let text): return Array(text.utf8)
        default: return nil
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

/// The column names of a statement's result, shared by all rows it produces so that a
/// row costs one array of values, and name lookup is a dictionary hit.
///
/// Immutable after init, hence `Sendable`.
final class RowColumns: Sendable {
    let names: [String]
    /// Positions of a caller's list of names, memoised per caller key (see ``ColumnReader/positions(of:key:)``).
    /// A short list searched in order, not a dictionary: a statement's rows are rendered by a
    /// handful of callers, and comparing their keys (string literals, equal by identity at once)
    /// costs less than hashing one, which every rendered row paid several times.
    private let memo = Mutex<[(key: String, positions: [Int?])]>([])

    func positions(of wanted: [String], key: String) -> [Int?] {
        // Lengths first: names of different lengths differ, and comparing two long names that
        // differ took Swift's slow string comparison, three times for every row rendered.
        let length = key.utf8.count
        let known = memo.withLock { memo in memo.first { $0.key.utf8.count == length && $0.key == key }?.positions }
        if let known { return known }
        let computed = wanted.map { index(of: $0) }
        memo.withLock { memo in
            if !memo.contains(where: { $0.key == key }) { memo.append((key, computed)) }
        }
        return computed
    }
    /// First occurrence wins, as in SQLite's own `sqlite3_column_name` order.
    private let exact: [String: Int]
    private let folded: [String: Int]

    init(names: [String]) {
        self.names = names
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

    /// SQL identifiers are case-insensitive for ASCII letters only.
    private static func fold(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
