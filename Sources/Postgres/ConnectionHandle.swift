import CLibPQ

/// Owns the `PGconn*` of one connection, shared by the `Connection` and every `Statement`
/// prepared on it, and turns every libpq result into a value or a ``PostgresError``.
///
/// Statements hold this (not the `Connection`) so that the connection's statement cache makes no
/// reference cycle, and a statement that outlives its connection throws a typed error instead of
/// touching a freed pointer.
final class ConnectionHandle {
    /// nil once closed. Invariant: only `close()` changes it.
    private(set) var pointer: OpaquePointer?
    /// Bumped by `DEALLOCATE ALL`, so a statement prepared before it knows to prepare itself again.
    var statementGeneration = 0
    private var nextStatementNumber = 0

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { close() }

    func close() {
        guard let pointer else { return }
        self.pointer = nil
        PQfinish(pointer)
    }

    /// The open connection, or ``PostgresError/connectionClosed`` naming what was attempted.
    func open(for sql: String?) throws -> OpaquePointer {
        guard let pointer else {
            throw PostgresError(sqlState: PostgresError.connectionClosed, message: "the connection is closed", sql: sql)
        }
        return pointer
    }

    /// True once closed, or once libpq has seen the connection break (`CONNECTION_BAD`). A break
    /// is only seen when the socket is next used: see ``isAlive()``.
    var isBroken: Bool {
        guard let pointer else { return true }
        return ConnectionHandle.isDead(pointer)
    }

    /// Whether libpq has given the connection up: `CONNECTION_BAD`, or its socket closed.
    static func isDead(_ pointer: OpaquePointer) -> Bool {
        PQstatus(pointer) == CONNECTION_BAD || PQsocket(pointer) < 0
    }

    /// A fresh server-side statement name, unique on this connection.
    func makeStatementName() -> String {
        nextStatementNumber += 1
        return "crm_\(nextStatementNumber)"
    }

    /// Runs a libpq call that returns a `PGresult`, hands a successful one to `body` and clears
    /// it afterwards; throws the error a failed one carries.
    func withResult<T>(
        sql: String?, _ call: (OpaquePointer) -> OpaquePointer?, _ body: (OpaquePointer) throws -> T
    ) throws -> T {
        let connection = try open(for: sql)
        let result = call(connection)
        defer { PQclear(result) }
        guard let result else { throw error(from: nil, connection: connection, sql: sql) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return try body(result)
        default:
            throw error(from: result, connection: connection, sql: sql)
        }
    }

    /// Runs SQL without bindings through the simple-query protocol (several statements allowed).
    func execute(_ sql: String) throws {
        try withResult(sql: sql, { PQexec($0, sql) }, { _ in })
    }

    /// The server's error fields when it sent them; otherwise libpq's message, coded as a lost
    /// connection when libpq found the connection broken (its own errors carry no SQLSTATE).
    private func error(from result: OpaquePointer?, connection: OpaquePointer, sql: String?) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let result, let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let libpqMessage = ConnectionHandle.trimmed(PQerrorMessage(connection))
        if let sqlState = field(crm_pq_diag_sqlstate) {
            return PostgresError(
                sqlState: sqlState, message: field(crm_pq_diag_message_primary) ?? libpqMessage,
                detail: field(crm_pq_diag_message_detail), hint: field(crm_pq_diag_message_hint), sql: sql)
        }
        let message = result.map { ConnectionHandle.trimmed(PQresultErrorMessage($0)) } ?? libpqMessage
        // libpq 15 can report the server gone ("server closed the connection unexpectedly")
        // while the connection still reads as OK: it learns of the end-of-file on the next read.
        // Reading once more (never blocking: libpq's socket is non-blocking) settles it.
        if !ConnectionHandle.isDead(connection) { _ = PQconsumeInput(connection) }
        let broken = ConnectionHandle.isDead(connection)
        return PostgresError(
            sqlState: broken ? PostgresError.connectionLost : PostgresError.internalError,
            message: message.isEmpty ? "libpq reported no message" : message, sql: sql)
    }

    /// libpq's messages end in a newline and may span indented lines; an error is one line.
    static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        return String(cString: message).split(whereSeparator: \.isNewline)
            .map { $0.trimmingPrefix(while: \.isWhitespace) }
            .joined(separator: " ")
    }

    // MARK: - Liveness

    /// Whether an idle connection still works, without a round trip: a connection the server
    /// closed (a restart, an idle timeout, `pg_terminate_backend`) has its goodbye and end-of-file
    /// waiting on the socket, which this reads. Data that is only notifications keeps it alive
    /// (they stay queued for ``PostgresNotification`` waits).
    func isAlive() -> Bool {
        guard let pointer, !ConnectionHandle.isDead(pointer) else { return false }
        // A live idle connection has at most a few notifications pending; a dead one reaches
        // end-of-file within two reads (a FATAL message, then EOF).
        for _ in 0..<8 {
            let descriptor = PQsocket(pointer)
            guard descriptor >= 0 else { return false }
            guard let readable = try? SocketWait.wait(descriptor, until: .readable, deadline: .now), readable else {
                return true
            }
            guard PQconsumeInput(pointer) == 1, !ConnectionHandle.isDead(pointer) else { return false }
        }
        return !ConnectionHandle.isDead(pointer)
    }
}

@available(*, unavailable)
extension ConnectionHandle: Sendable {}
