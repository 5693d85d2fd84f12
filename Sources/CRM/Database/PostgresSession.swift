import Postgres
import SQLite
import Synchronization

/// A PostgreSQL connection as the stores use it: their SQL with its placeholders renumbered
/// (``SQLDialect/postgresPlaceholders(_:)``), their ``SQLValue`` bindings, and results copied into
/// SQLite-shaped ``Row``s, so one store serves both engines.
enum PostgresSession {
    /// Each store statement's PostgreSQL text, keyed by its shared text: written in code, so the
    /// cache stays as small as a connection's own statement cache. Process-wide, as the
    /// translation depends on the text alone.
    private static let translations = Mutex<[String: String]>([:])

    static func run(_ connection: Postgres.Connection, _ sql: String, _ bindings: [SQLValue]) throws -> Int {
        try connection.run(translated(sql), bindings.map(value))
    }

    static func query(_ connection: Postgres.Connection, _ sql: String, _ bindings: [SQLValue]) throws -> [SQLite.Row] {
        let rows = try connection.query(translated(sql), bindings.map(value))
        guard let first = rows.first else { return [] }
        let columns = first.columnNames.indices
        let numeric = columns.map { first.isNumeric(at: $0) }
        return SQLite.Row.rows(
            columnNames: first.columnNames,
            values: rows.map { row in columns.map { Self.value(row[$0], numeric: numeric[$0]) } })
    }

    private static func translated(_ sql: String) -> String {
        if let known = translations.withLock({ $0[sql] }) { return known }
        let translation = SQLDialect.postgresPlaceholders(sql)
        translations.withLock { cache in
            // Only SQL built from input (none should be) could grow it past this.
            if cache.count >= 4096 { cache.removeAll() }
            cache[sql] = translation
        }
        return translation
    }

    static func value(_ value: SQLValue) -> PostgresValue {
        switch value {
        case .null: .null
        case .integer(let integer): .integer(integer)
        case .real(let real): .double(real)
        case .text(let text): .text(text)
        case .blob(let bytes): .bytes(bytes)
        }
    }

    /// What SQLite would have returned: booleans are 0 and 1, and a `numeric` (what `sum` and
    /// `avg` give) is an integer when it is whole, else a double, as SQLite's arithmetic gives.
    private static func value(_ value: PostgresValue, numeric: Bool) -> SQLValue {
        switch value {
        case .null: return .null
        case .integer(let integer): return .integer(integer)
        case .double(let double): return .real(double)
        case .bool(let bool): return .integer(bool ? 1 : 0)
        case .bytes(let bytes): return .blob(bytes)
        case .text(let text):
            guard numeric else { return .text(text) }
            if let integer = Int64(text) { return .integer(integer) }
            if let double = Double(text) {
                if double == double.rounded(), let integer = Int64(exactly: double) { return .integer(integer) }
                return .real(double)
            }
            return .text(text)
        }
    }
}
