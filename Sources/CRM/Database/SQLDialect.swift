/// What SQLite and PostgreSQL spell differently, in one place: stores write the SQL both engines
/// share and ask their connection's dialect for the rest.
///
/// The shared spelling is SQLite's where PostgreSQL reads it the same way (`INSERT … ON CONFLICT`,
/// `coalesce`, `||`, `LIMIT … OFFSET`, `CASE`), with `?` and `?N` placeholders, which the
/// PostgreSQL side renumbers to `$N` once per statement text
/// (``postgresPlaceholders(_:)``). The schema makes the rest agree: the same tables, columns,
/// indexes and triggers, text compared byte by byte (`COLLATE "C"`), JSON and times stored as
/// text, and a `julianday()` function on PostgreSQL (Migrations/postgres).
enum SQLDialect: Sendable, Hashable {
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

    /// `LIKE` as SQLite has it, ASCII letters matching either case (PostgreSQL's `LIKE` is
    /// case-sensitive; `ILIKE` is not).
    var caseInsensitiveLike: String {
        switch self {
        case .sqlite: "LIKE"
        case .postgres: "ILIKE"
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
