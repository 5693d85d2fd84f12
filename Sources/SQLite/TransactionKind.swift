/// How `BEGIN` takes its locks: https://sqlite.org/lang_transaction.html
///
/// Writers use `.immediate` (the default): it takes the write lock up front, so a
/// transaction never fails half-way with `SQLITE_BUSY` when it upgrades from reading
/// to writing. Readers use `.deferred` to get one consistent snapshot across queries.
public enum TransactionKind: String, Sendable, Hashable, CaseIterable {
    case deferred = "DEFERRED"
    case immediate = "IMMEDIATE"
    case exclusive = "EXCLUSIVE"
}
