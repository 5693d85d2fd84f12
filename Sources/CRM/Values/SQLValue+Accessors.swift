import SQLite

/// A value a write carries, read as the one type a rule expects (nil for any other).
extension SQLValue {
    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
}
