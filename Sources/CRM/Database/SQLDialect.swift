/// What SQLite and PostgreSQL spell differently, in one place: stores write the SQL both engines
/// share and ask their connection's dialect for the rest.
///
/// The shared spelling is SQLite's where PostgreSQL reads it the same way (`INSERT … ON CONFLICT`,
/// `coalesce`, `||`, `LIMIT … OFFSET`, `CASE`), with `?` and `?N` placeholders, which the
/// PostgreSQL side renumbers to `$N` once per statement text
/// (``postgresPlaceholders(_:)``). The schema makes the rest agree: the same tables, columns,
/// indexes and triggers, text compared byte by byte (`COLLATE "C"`), JSON and times stored as
/// text, and a `julianday()` function on PostgreSQL (Migrations/postgres).
public enum SQLDialect: Sendable, Hashable {
    case sqlite
    case postgres

    /// The `seq` of a new change-feed entry: the next after the largest, gap-free and in commit
    /// order because one transaction at a time writes (SQLite's single writer; on PostgreSQL every
    /// write transaction first takes the write lock, held to its COMMIT, which every node shares).
    /// SQLite's rowid is exactly that.
    var nextFeedSeq: String {
        switch self {
        case .sqlite: "NULL"
        case .postgres: "(SELECT coalesce(max(seq), 0) + 1 FROM changes)"
        }
    }

    /// The number at JSON `path` of `column` (a bound `?` by default, or a quoted literal), NULL
    /// when it holds none, where the engine's `json_extract` cannot compare numbers:
    /// PostgreSQL's answers text (the schema's `json_number`). nil on SQLite, whose
    /// `json_extract` answers numbers as numbers.
    func jsonNumber(_ column: String, path: String = "?") -> String? {
        switch self {
        case .sqlite: nil
        case .postgres: "json_number(\(column), \(path))"
        }
    }

    /// SQLite's `date(expression)` as the custom-field check uses it: the date when `expression`
    /// is one, else NULL (the schema's `sqlite_date` on PostgreSQL).
    func date(_ expression: String) -> String {
        switch self {
        case .sqlite: "date(\(expression))"
        case .postgres: "sqlite_date(\(expression))"
        }
    }

    /// The day a `YYYY-MM-DD` text names, which differs from the text (or is NULL) when it names no
    /// day: SQLite's `date` gives `2026-02-30` back as written unless a modifier makes it
    /// compute (then `2026-03-02`); PostgreSQL's `sqlite_date` answers NULL for it.
    func checkedDate(_ expression: String) -> String {
        switch self {
        case .sqlite: "date(\(expression), '+0 days')"
        case .postgres: "sqlite_date(\(expression))"
        }
    }

    /// SQLite's `INDEXED BY` hint, for a plan its planner would not pick without statistics;
    /// nothing on PostgreSQL, whose planner has them.
    func indexedBy(_ index: String) -> String {
        switch self {
        case .sqlite: "INDEXED BY \(index)"
        case .postgres: ""
        }
    }

    /// The condition that `alias` (a `customers_fts` row) matches a user's `q`, and its binding;
    /// nil when `q` holds nothing searchable. FTS5's MATCH on SQLite; on PostgreSQL the same
    /// phrases as a tsquery over the document's `terms` (Migrations/postgres: `crm_search`).
    func fullTextMatch(_ text: String, alias: String) -> ListCondition? {
        switch self {
        case .sqlite:
            SearchDocument.query(text).map { ListCondition(sql: "customers_fts MATCH ?", bindings: [.text($0)]) }
        case .postgres:
            SearchDocument.tsquery(text).map { ListCondition(sql: "\(alias).terms @@ to_tsquery('crm_search', ?)", bindings: [.text($0)]) }
        }
    }

    /// `column` as name + company duplicate groups compare it (``CustomerDuplicateStore``): in
    /// SQLite the expression its index and triggers spell; PostgreSQL's schema has it as a
    /// function, `duplicate_key_text`.
    func duplicateKeyText(_ column: String) -> String {
        switch self {
        case .sqlite: CustomerDuplicateStore.normalized(column)
        case .postgres: "duplicate_key_text(\(column))"
        }
    }

    /// A customer's name + company duplicate key, as `customers_by_name_company_key` indexes it.
    var nameCompanyKey: String {
        switch self {
        case .sqlite: CustomerDuplicateStore.nameCompanyKey
        case .postgres: "name_company_key(name, company)"
        }
    }

    /// `expression` kept from serving as an index's key (SQLite: a unary `+`, for a plan that reads
    /// another index); as it is on PostgreSQL, whose planner weighs its indexes by statistics.
    func unindexed(_ expression: String) -> String {
        switch self {
        case .sqlite: "+" + expression
        case .postgres: expression
        }
    }

    /// `expression` with its ASCII letters lower-cased and no other: SQLite's `lower()`; on
    /// PostgreSQL `lower()` under the "C" collation (a column's own, but not that of a function's
    /// result such as an attribute's text, whose `lower()` would fold `Å` too).
    func asciiLower(_ expression: String) -> String {
        switch self {
        case .sqlite: "lower(\(expression))"
        case .postgres: "lower((\(expression)) COLLATE \"C\")"
        }
    }

    /// A value of any type as text, where it is compared with text (`!= ''`): PostgreSQL does not
    /// compare a number with a string; SQLite does, and its indexes serve the bare column.
    func text(_ expression: String) -> String {
        switch self {
        case .sqlite: expression
        case .postgres: "CAST(\(expression) AS TEXT)"
        }
    }

    /// A blob column's bytes as UTF-8 text, and text back as a blob.
    func blobAsText(_ expression: String) -> String {
        switch self {
        case .sqlite: "CAST(\(expression) AS TEXT)"
        case .postgres: "convert_from(\(expression), 'UTF8')"
        }
    }

    func textAsBlob(_ expression: String) -> String {
        switch self {
        case .sqlite: "CAST(\(expression) AS BLOB)"
        case .postgres: "convert_to(\(expression), 'UTF8')"
        }
    }

    /// Whether a blob column holds the bytes of the one `?` parameter (a blob) anywhere.
    func blobContains(_ column: String) -> String {
        switch self {
        case .sqlite: "instr(\(column), ?) > 0"
        case .postgres: "position(? in \(column)) > 0"
        }
    }

    /// The smaller of two values: SQLite's `min` with two arguments is scalar, PostgreSQL's is
    /// an aggregate only.
    func least(_ first: String, _ second: String) -> String {
        switch self {
        case .sqlite: "min(\(first), \(second))"
        case .postgres: "least(\(first), \(second))"
        }
    }

    /// The integer part of a number, toward zero: SQLite's `CAST(… AS INTEGER)` truncates, while
    /// PostgreSQL's rounds.
    func integerPart(_ expression: String) -> String {
        switch self {
        case .sqlite: "CAST(\(expression) AS INTEGER)"
        case .postgres: "CAST(trunc(\(expression)) AS BIGINT)"
        }
    }

    /// `sql` with SQLite's placeholders as PostgreSQL's: `?N` becomes `$N`, and a bare `?` the
    /// number after the largest so far, as SQLite numbers them
    /// (https://sqlite.org/lang_expr.html#parameters). Quoted strings and identifiers are copied
    /// unchanged.
    static func postgresPlaceholders(_ sql: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(sql.utf8.count + 16)
        var largest = 0
        var quote: UInt8?
        let bytes = Array(sql.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if let open = quote {
                output.append(byte)
                if byte == open { quote = nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                quote = byte
                output.append(byte)
            case UInt8(ascii: "?"):
                var number = 0
                var digits = 0
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    number = number * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    digits += 1
                    index += 1
                }
                if digits == 0 { number = largest + 1 }
                largest = max(largest, number)
                output.append(UInt8(ascii: "$"))
                output.append(contentsOf: String(number).utf8)
            default:
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
