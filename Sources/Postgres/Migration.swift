/// One schema change: a numbered SQL script from `Migrations/postgres/`, applied once.
///
///     let migration = try Migration(file: "0027_baseline.sql", sql: contents)
///     // migration.version == 27, migration.name == "baseline"
///
/// The SQLite module has its twin; the two engines' files share their numbers, so version N means
/// the same schema on both.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    /// One or more statements, run through the simple-query protocol inside the migration's
    /// transaction; so it must not contain BEGIN, COMMIT or ROLLBACK itself, nor anything
    /// PostgreSQL refuses inside a transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`).
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Parses `NNNN_name.sql` (any leading directories are ignored): a positive decimal
    /// version, an underscore, a name of ASCII letters, digits, `_` or `-`. Anything else
    /// throws, so a misnamed file is an error at start-up rather than a skipped migration.
    public init(file: String, sql: String) throws {
        let fileName =
            file.split(separator: "/", omittingEmptySubsequences: false).last
            .map(String.init) ?? file
        guard fileName.hasSuffix(".sql") else { throw MigrationError.malformedFileName(file) }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { throw MigrationError.malformedFileName(file) }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let version = Int(digits), version > 0,
            !name.isEmpty,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { throw MigrationError.malformedFileName(file) }
        self.init(version: version, name: String(name), sql: sql)
    }
}

/// Why a set of migrations cannot be used (found when the ``Migrator`` is built, before anything
/// touches the database), or why a database cannot be migrated by them.
public enum MigrationError: Error, CustomStringConvertible, Sendable, Hashable {
    case malformedFileName(String)
    case invalidVersion(Int)
    case duplicateVersion(Int)
    case versionsOutOfOrder(previous: Int, next: Int)
    /// The database records a migration newer than any this program knows: a newer program
    /// migrated it, and this one would misread its schema. Nothing was changed.
    case databaseIsNewer(applied: Int, latestKnown: Int)

    public var description: String {
        switch self {
        case .malformedFileName(let file):
            return "migration file name \"\(file)\" is not NNNN_name.sql"
        case .invalidVersion(let version):
            return "migration version \(version) is not positive"
        case .duplicateVersion(let version):
            return "two migrations have version \(version)"
        case .versionsOutOfOrder(let previous, let next):
            return "migration \(next) comes after \(previous); list migrations in version order"
        case .databaseIsNewer(let applied, let latestKnown):
            return
                "the database has migration \(applied) applied, newer than this program's latest (\(latestKnown)); run a program at least that new"
        }
    }
}
