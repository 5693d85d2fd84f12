/// How much a transaction sees of others running at the same time:
/// https://www.postgresql.org/docs/current/transaction-iso.html
///
/// `.readCommitted` (PostgreSQL's default) gives each statement a fresh snapshot and never fails
/// for serialization; `.repeatableRead` keeps one snapshot for the whole transaction and fails
/// with 40001 when it would update a row changed since; `.serializable` also fails with 40001
/// when the transactions' outcome matches no serial order. Both failures are
/// ``PostgresError/isRetryable``.
public enum IsolationLevel: String, Sendable, Hashable, CaseIterable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}
