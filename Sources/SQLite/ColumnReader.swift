/// Read access to the columns of one result row, by name: implemented by ``Row`` (a copy) and by
/// ``RowView`` (the statement's current row, no copy), so a renderer written once serves both.
public protocol ColumnReader {
    /// The index of the column so named, or nil.
    func columnIndex(_ name: String) -> Int?
    /// The indexes of `names`, computed once per result shape and `key` (a name for the list,
    /// e.g. the table): rendering a row then costs no lookup by name per column.
    func positions(of names: [String], key: String) -> [Int?]
    func isNull(at index: Int) -> Bool
    /// The integer value, or nil for NULL and non-integers.
    func int64(at index: Int) -> Int64?
    /// The numeric value as a double, or nil for NULL and text.
    func double(at index: Int) -> Double?
    /// Calls `body` with the UTF-8 bytes of a text value; nil for NULL or a non-text value.
    func withUTF8<T>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T?
}

extension ColumnReader {
    public func int64(_ name: String) -> Int64? {
        columnIndex(name).flatMap { int64(at: $0) }
    }

    public func double(_ name: String) -> Double? {
        columnIndex(name).flatMap { double(at: $0) }
    }

    public func isNull(_ name: String) -> Bool {
        columnIndex(name).map { isNull(at: $0) } ?? true
    }

    public func withUTF8<T>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        guard let index = columnIndex(name) else { return nil }
        return try withUTF8(at: index, body)
    }
}

extension Row: ColumnReader {
    public func columnIndex(_ name: String) -> Int? { columns.index(of: name) }

    public func positions(of names: [String], key: String) -> [Int?] { columns.positions(of: names, key: key) }

    public func isNull(at index: Int) -> Bool { values[index].isNull }

    public func int64(at index: Int) -> Int64? {
        if case .integer(let value) = values[index] { return value }
        return nil
    }

    public func double(at index: Int) -> Double? {
        switch values[index] {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    public func withUTF8<T>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        guard case .text(var text) = values[index] else { return nil }
        return try text.withUTF8(body)
    }
}
