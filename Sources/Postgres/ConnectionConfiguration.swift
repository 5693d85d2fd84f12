/// Where a connection goes and how long opening it may take.
///
/// `connectionString` is anything libpq accepts (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING):
/// a URL or `key=value` pairs. A unix socket goes in the `host` parameter:
///
///     ConnectionConfiguration("postgres://crm@db.internal:5432/crm?sslmode=require")
///     ConnectionConfiguration("postgres:///crm?host=/run/postgresql")
///     ConnectionConfiguration("host=127.0.0.1 port=5432 dbname=crm user=crm", connectTimeout: .seconds(2))
///
/// The string may hold a password: it is handed to libpq only, never logged nor put in an error.
public struct ConnectionConfiguration: Sendable, Hashable {
    public var connectionString: String
    /// The longest opening a connection may take, name resolution aside (libpq resolves host
    /// names before it can be waited on). libpq's own `connect_timeout` counts whole seconds per
    /// host; this is waited on directly, to the millisecond.
    public var connectTimeout: Duration

    public init(_ connectionString: String, connectTimeout: Duration = .seconds(5)) {
        self.connectionString = connectionString
        self.connectTimeout = connectTimeout
    }
}
