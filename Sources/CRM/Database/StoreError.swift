/// A row that does not satisfy the schema's own invariants: a bug or a hand-edited file.
public enum StoreError: Error, CustomStringConvertible {
    case corruptRow(table: String)
    /// An `INSERT` that should always insert its row inserted none.
    case nothingInserted(sql: String)

    public var description: String {
        switch self {
        case .corruptRow(let table): "a row of \(table) does not match the schema"
        case .nothingInserted(let sql): "no row was inserted by \(sql)"
        }
    }
}
