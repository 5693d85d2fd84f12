/// The one error type of the PostgreSQL layer: every failed libpq call becomes one of these at the
/// boundary, so nothing above this module sees a `PGresult` status or a `ConnStatusType`.
///
/// It carries the five-character SQLSTATE, the server's primary message and its detail and hint
/// (the detail is where PostgreSQL names the conflicting key: `Key (email)=(a@b.cn) already
/// exists.`), and the SQL that failed. The classification helpers say what a caller does next:
///
///     catch let error as PostgresError where error.isUniqueViolation { /* 409 */ }
///     catch let error as PostgresError where error.isUnavailable { /* 503, try again later */ }
///
/// Failures that happen on the client's side of the socket, where the server sent no code, get
/// the SQL standard's client-side codes (``cannotConnect``, ``connectionLost``, …), so a lost
/// connection classifies the same way as the server's own shutdown message.
///
/// Codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
public struct PostgresError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The SQLSTATE, e.g. `23505` (unique_violation).
    public let sqlState: String
    public let message: String
    /// The server's DETAIL line, when it sent one.
    public let detail: String?
    /// The server's HINT line, when it sent one.
    public let hint: String?
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(sqlState: String, message: String, detail: String? = nil, hint: String? = nil, sql: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.sql = sql
    }

    /// The class: the first two characters (`23` integrity constraint, `40` transaction rollback).
    public var sqlStateClass: Substring { sqlState.prefix(2) }

    /// A UNIQUE index or PRIMARY KEY already holds the value: the caller's conflict, an HTTP 409.
    public var isUniqueViolation: Bool { sqlState == PostgresError.uniqueViolation }

    /// A referenced row does not exist, or a referencing row still does.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }

    /// Any integrity constraint: unique, foreign key, not null, check, exclusion.
    public var isConstraintViolation: Bool { sqlStateClass == "23" }

    /// The transaction lost a race the server could not order (serialization failure) or was
    /// chosen as a deadlock's victim; it was rolled back whole, and running it again from the
    /// start may succeed. ``Connection/transaction(_:maximumAttempts:_:)`` does so.
    public var isRetryable: Bool {
        sqlState == PostgresError.serializationFailure || sqlState == PostgresError.deadlockDetected
    }

    /// The server cannot be reached or is going away (connection failures, class 08; shutdown and
    /// start-up, 57P01–57P03; no free connection, 53300): an HTTP 503 now, and a fresh connection
    /// later. `08P01` is left out: a protocol violation is a bug of this side, not an outage.
    public var isUnavailable: Bool {
        switch sqlState {
        case "08P01": false
        case "57P01", "57P02", "57P03", PostgresError.tooManyConnections: true
        default: sqlStateClass == "08"
        }
    }

    public var description: String {
        var text = "PostgreSQL error \(sqlState): \(message)"
        if let detail { text += " (\(detail))" }
        if let sql { text += " — in `\(sql)`" }
        return text
    }

    public static let uniqueViolation = "23505"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    /// The server's max_connections is reached, and the code the pool uses when none of its own
    /// connections became free before the deadline: either way, the client has too many.
    public static let tooManyConnections = "53300"
    /// `in_failed_sql_transaction`: a statement failed earlier in the transaction, which can now
    /// only be rolled back.
    public static let inFailedTransaction = "25P02"

    // Client-side codes, from the SQL standard's class 08 (connection exception).
    /// `sqlclient_unable_to_establish_sqlconnection`: the connection could not be opened in time.
    public static let cannotConnect = "08001"
    /// `connection_does_not_exist`: the connection was closed by this side.
    public static let connectionClosed = "08003"
    /// `connection_failure`: the connection broke while in use.
    public static let connectionLost = "08006"
    /// `internal_error`: libpq failed without a word from the server, and the connection stands.
    public static let internalError = "XX000"
    /// `character_not_in_repertoire`: text PostgreSQL cannot store (a NUL character).
    public static let characterNotInRepertoire = "22021"
}
