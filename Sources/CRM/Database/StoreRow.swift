import SQLite

/// One result row handed to a store's closure: SQLite's current row read in place (no copy), or a
/// row another engine's result was copied into. Renderers read both through ``ColumnReader``.
public enum StoreRow: ColumnReader {
    case view(RowView)
    case copy(Row)

    public func columnIndex(_ name: String) -> Int? {
        switch self {
        case .view(let row): row.columnIndex(name)
        case .copy(let row): row.columnIndex(name)
        }
    }

    public func positions(of names: [String], key: String) -> [Int?] {
        switch self {
        case .view(let row): row.positions(of: names, key: key)
        case .copy(let row): row.positions(of: names, key: key)
        }
    }

    public func isNull(at index: Int) -> Bool {
        switch self {
        case .view(let row): row.isNull(at: index)
        case .copy(let row): row.isNull(at: index)
        }
    }

    public func int64(at index: Int) -> Int64? {
        switch self {
        case .view(let row): row.int64(at: index)
        case .copy(let row): row.int64(at: index)
        }
    }

    public func double(at index: Int) -> Double? {
        switch self {
        case .view(let row): row.double(at: index)
        case .copy(let row): row.double(at: index)
        }
    }

    public func withUTF8<T>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        switch self {
        case .view(let row): try row.withUTF8(at: index, body)
        case .copy(let row): try row.withUTF8(at: index, body)
        }
    }

    /// A copy that outlives the closure.
    public func copy() -> Row {
        switch self {
        case .view(let row): row.copy()
        case .copy(let row): row
        }
    }
}
