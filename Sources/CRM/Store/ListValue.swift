import JSON
import SQLite

/// List filter values and keyset positions travel above the store as JSON values (the form a
/// cursor carries them in); only the store turns them into SQL bindings.
extension JSONValue {
    /// The binding for a filter value or a sort key: booleans bind as 0/1, as SQLite stores them.
    var sqlValue: SQLValue {
        switch self {
        case .int(let number): .integer(number)
        case .string(let text): .text(text)
        case .double(let number): .real(number)
        case .bool(let flag): .integer(flag ? 1 : 0)
        case .null, .array, .object: .null
        }
    }

    /// A sort key read back from a row.
    init(sortKey value: SQLValue) {
        switch value {
        case .integer(let number): self = .int(number)
        case .text(let text): self = .string(text)
        case .real(let number): self = .double(number)
        default: self = .null
        }
    }
}
