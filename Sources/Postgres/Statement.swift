import CLibPQ

/// One statement prepared on the server (`PQprepare`) under a name of its own, run again and again
/// with new bindings to `$1…$n` and parsed and planned once.
///
/// Most code never holds one: `Connection.run` / `query` prepare through the connection's cache.
/// Hold one to make the reuse explicit:
///
///     let insert = try connection.prepare("INSERT INTO notes(body) VALUES ($1)")
///     for body in ["你好", "再见"] { try insert.run([.text(body)]) }
///
/// The parameters' types are the server's inference from the SQL (no types are declared), so a
/// parameter it cannot place needs a cast: `SELECT $1::bigint`. A statement belongs to its
/// connection's owner and never crosses threads.
public final class Statement {
    let handle: ConnectionHandle
    /// The SQL this statement was prepared from.
    public let sql: String
    /// The server-side name, and the cache generation it was prepared in (``ConnectionHandle/statementGeneration``).
    private var name: String
    private var generation: Int

    /// Prepares `sql` on the server; its syntax and names are checked now.
    init(handle: ConnectionHandle, sql: String) throws {
        self.handle = handle
        self.sql = sql
        self.name = handle.makeStatementName()
        self.generation = handle.statementGeneration
        try prepareOnServer()
    }

    private func prepareOnServer() throws {
        try handle.withResult(sql: sql, { PQprepare($0, name, sql, 0, nil) }, { _ in })
    }

    // MARK: - Running

    /// Runs the statement and returns how many rows it inserted, updated, deleted or returned.
    @discardableResult
    public func run(_ bindings: [PostgresValue] = []) throws -> Int {
        try execute(bindings) { result in
            guard let tuples = PQcmdTuples(result) else { return 0 }
            return Int(String(cString: tuples)) ?? 0
        }
    }

    /// All rows of the result.
    public func query(_ bindings: [PostgresValue] = []) throws -> [Row] {
        try execute(bindings) { Statement.rows(of: $0) }
    }

    /// The first row, or nil. The server still computes them all: add `LIMIT 1` where many may match.
    public func queryOne(_ bindings: [PostgresValue] = []) throws -> Row? {
        try execute(bindings) { Statement.rows(of: $0, limit: 1).first }
    }

    private func execute<T>(_ bindings: [PostgresValue], _ body: (OpaquePointer) throws -> T) throws -> T {
        if generation != handle.statementGeneration {
            // The connection deallocated every statement to bound its cache: prepare again.
            name = handle.makeStatementName()
            generation = handle.statementGeneration
            try prepareOnServer()
        }
        let parameters = try ParameterBuffer(bindings, sql: sql)
        return try parameters.withLibPQArguments { values, lengths, formats in
            try handle.withResult(
                sql: sql,
                { PQexecPrepared($0, name, parameters.count, values, lengths, formats, Statement.textResults) },
                body)
        }
    }

    /// The result format, for every column (why text: PostgresValue+Wire.swift).
    private static let textResults: Int32 = 0

    /// The rows of a successful result, each value decoded by its column's type.
    static func rows(of result: OpaquePointer, limit: Int32 = .max) -> [Row] {
        let rowCount = min(PQntuples(result), limit)
        let columnCount = PQnfields(result)
        guard rowCount > 0 else { return [] }
        let types = (0..<columnCount).map { PQftype(result, $0) }
        let columns = RowColumns(names: (0..<columnCount).map { String(cString: PQfname(result, $0)) }, types: types)
        var rows: [Row] = []
        rows.reserveCapacity(Int(rowCount))
        for rowIndex in 0..<rowCount {
            var values: [PostgresValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, rowIndex, column) == 1 {
                    values.append(.null)
                    continue
                }
                let length = Int(PQgetlength(result, rowIndex, column))
                let text = PQgetvalue(result, rowIndex, column).map {
                    UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self)
                }
                values.append(PostgresValue.decode(UnsafeBufferPointer(start: text, count: length), type: types[Int(column)]))
            }
            rows.append(Row(columns: columns, values: values))
        }
        return rows
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
