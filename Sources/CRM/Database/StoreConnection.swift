import Postgres
import SQLite

/// The connection a store runs its SQL on, whichever engine holds the data: a SQLite connection
/// (the writer's or a reader's) or a PostgreSQL one (a pooled connection in a transaction).
///
/// Stores write their SQL once, in the SQLite spelling both engines share: `?` and `?N`
/// placeholders, `INSERT … ON CONFLICT`, standard SQL otherwise. What the engines spell
/// differently comes from ``dialect`` (``SQLDialect``), the one place that knows both. Bindings
/// and rows are SQLite's ``SQLValue`` and ``Row`` on both engines, so a store reads a result the
/// same way wherever it came from.
///
///     let id = try connection.insert("INSERT INTO notes (body) VALUES (?)", ["你好"])
///     let rows = try connection.query("SELECT id, body FROM notes WHERE id > ?", [0])
///
/// Above CRM it is opaque: routes hand it on to services, services to stores, and only stores use
/// its members. A value of it is used by the one owner of the underlying connection, never shared.
public struct StoreConnection {
    enum Engine {
        case sqlite(SQLite.Connection)
        case postgres(Postgres.Connection)
    }

    let engine: Engine

    init(_ connection: SQLite.Connection) { engine = .sqlite(connection) }
    init(_ connection: Postgres.Connection) { engine = .postgres(connection) }

    /// How this engine spells what the two spell differently.
    var dialect: SQLDialect {
        switch engine {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// The SQLite connection underneath, for the maintenance only SQLite has (checkpoints, the
    /// full-text index's merges, bulk seeding); nil on PostgreSQL.
    var sqlite: SQLite.Connection? {
        if case .sqlite(let connection) = engine { return connection }
        return nil
    }

    // MARK: - Running SQL

    /// Runs a statement to completion and returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue] = []) throws -> Int {
        switch engine {
        case .sqlite(let connection): try connection.run(sql, bindings)
        case .postgres(let connection): try PostgresSession.run(connection, sql, bindings)
        }
    }

    /// Runs an `INSERT` of one row and returns its `key` column: the rowid on SQLite (`key` is
    /// its alias there: an `INTEGER PRIMARY KEY`), `RETURNING key` on PostgreSQL.
    func insert(_ sql: String, _ bindings: [SQLValue] = [], returning key: String = "id") throws -> Int64 {
        guard let id = try insertIfAbsent(sql, bindings, returning: key) else {
            throw StoreError.nothingInserted(sql: sql)
        }
        return id
    }

    /// ``insert(_:_:returning:)`` for an `INSERT … ON CONFLICT DO NOTHING`: nil when the row was
    /// already there.
    func insertIfAbsent(_ sql: String, _ bindings: [SQLValue] = [], returning key: String = "id") throws -> Int64? {
        switch engine {
        case .sqlite(let connection):
            return try connection.run(sql, bindings) == 0 ? nil : connection.lastInsertRowID
        case .postgres(let connection):
            return try PostgresSession.query(connection, sql + " RETURNING " + key, bindings).first?.int64(0)
        }
    }

    /// All rows of a query.
    func query(_ sql: String, _ bindings: [SQLValue] = []) throws -> [SQLite.Row] {
        switch engine {
        case .sqlite(let connection): try connection.query(sql, bindings)
        case .postgres(let connection): try PostgresSession.query(connection, sql, bindings)
        }
    }

    /// The first row, or nil.
    func queryOne(_ sql: String, _ bindings: [SQLValue] = []) throws -> SQLite.Row? {
        switch engine {
        case .sqlite(let connection): try connection.queryOne(sql, bindings)
        case .postgres(let connection): try PostgresSession.query(connection, sql, bindings).first
        }
    }

    /// Hands rows to `body` one at a time; `body` returns false to stop early.
    func forEachRow(_ sql: String, _ bindings: [SQLValue] = [], _ body: (SQLite.Row) throws -> Bool) throws {
        switch engine {
        case .sqlite(let connection):
            try connection.forEachRow(sql, bindings, body)
        case .postgres(let connection):
            for row in try PostgresSession.query(connection, sql, bindings) {
                guard try body(row) else { return }
            }
        }
    }

    /// Hands rows to `body` in place where the engine allows it (SQLite: no copy); return false
    /// to stop.
    func forEachRowView(_ sql: String, _ bindings: [SQLValue] = [], _ body: (StoreRow) throws -> Bool) throws {
        switch engine {
        case .sqlite(let connection):
            try connection.forEachRowView(sql, bindings) { try body(.view($0)) }
        case .postgres(let connection):
            for row in try PostgresSession.query(connection, sql, bindings) {
                guard try body(.copy(row)) else { return }
            }
        }
    }

    /// Hands the first row to `body` in place where the engine allows it; nil when there is none.
    func withFirstRow<T>(_ sql: String, _ bindings: [SQLValue] = [], _ body: (StoreRow) throws -> T) throws -> T? {
        switch engine {
        case .sqlite(let connection):
            try connection.withFirstRow(sql, bindings) { try body(.view($0)) }
        case .postgres(let connection):
            try PostgresSession.query(connection, sql, bindings).first.map { try body(.copy($0)) }
        }
    }

    /// Runs SQL that takes no bindings.
    func execute(_ sql: String) throws {
        switch engine {
        case .sqlite(let connection): try connection.execute(sql)
        case .postgres(let connection): try connection.execute(sql)
        }
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction (SQLite: `BEGIN IMMEDIATE`), or in a savepoint inside the one
    /// already open, as every write job's is.
    @discardableResult
    func transaction<T>(_ body: () throws -> T) throws -> T {
        switch engine {
        case .sqlite(let connection): try connection.transaction(.immediate, body)
        case .postgres(let connection): try connection.transaction(.readCommitted, maximumAttempts: 1, body)
        }
    }

    /// Runs `body` inside `SAVEPOINT name`, undone when it throws.
    @discardableResult
    func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        switch engine {
        case .sqlite(let connection): try connection.savepoint(name, body)
        case .postgres(let connection): try connection.savepoint(name, body)
        }
    }

    var isInTransaction: Bool {
        switch engine {
        case .sqlite(let connection): connection.isInTransaction
        case .postgres(let connection): connection.isInTransaction
        }
    }

    /// What the layer above keeps with the connection while it is used (the events a write job
    /// fired, for the automations that run after it).
    var attachment: AnyObject? {
        get {
            switch engine {
            case .sqlite(let connection): connection.attachment
            case .postgres(let connection): connection.attachment
            }
        }
        nonmutating set {
            switch engine {
            case .sqlite(let connection): connection.attachment = newValue
            case .postgres(let connection): connection.attachment = newValue
            }
        }
    }
}

@available(*, unavailable)
extension StoreConnection: Sendable {}
