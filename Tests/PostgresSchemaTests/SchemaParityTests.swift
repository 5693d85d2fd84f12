import Foundation
import Postgres
import PostgresTestSupport
import SQLite
import XCTest

/// Migrations/postgres against Migrations/*.sql, read back from the two catalogs after each
/// engine's migrator has run: every table, column, key, index, foreign key, CHECK and trigger
/// SQLite has, PostgreSQL has too, meaning the same. A future migration written for one engine
/// only fails here.
final class SchemaParityTests: SchemaTestCase {
    /// The FTS5 table is the one table that differs on purpose: SQLite's `customers_fts` is a
    /// virtual table whose key is the implicit rowid and whose FTS5 shadow tables
    /// (`customers_fts_data`, `_idx`, `_content`, `_docsize`, `_config`) are its own business;
    /// PostgreSQL's is a plain table with the rowid as a real column and its tsvector `terms`.
    private let postgresOnlyColumns: [String: Set<String>] = ["customers_fts": ["rowid", "terms"]]

    /// SQLite indexes whose PostgreSQL namesake has another shape, and why.
    private let differentlyShapedIndexes: [String: String] = [
        // SQLite's key is coalesce(amount, ''); PostgreSQL cannot coalesce a bigint with text and
        // indexes (amount, id), which orders the same way (Migrations/postgres/0027_baseline.sql).
        "opportunities_by_amount": "PostgreSQL indexes the amount column for SQLite's coalesce(amount, '')"
    ]

    /// SQLite index names with no PostgreSQL counterpart at all, and why. Empty: every index has
    /// one. (SQLite's automatic indexes for PRIMARY KEY and UNIQUE constraints are matched by their
    /// columns instead, since their names are SQLite's invention.)
    private let indexesWithoutCounterpart: [String: String] = [:]

    // MARK: - Tables and columns

    func testEveryTableHasTheSameColumnsTypesNullabilityDefaultsAndPrimaryKey() throws {
        let engines = try bothEngines()
        let sqliteTables = try sqliteTableNames(engines.sqlite)
        let postgresTables = try Set(
            engines.postgres.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            ).compactMap { $0.string(0) })
        XCTAssertEqual(postgresTables, Set(sqliteTables), "the same tables")
        XCTAssertGreaterThan(sqliteTables.count, 35)

        for table in sqliteTables {
            let sqliteColumns = try engines.sqlite.query(
                "SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info(?) ORDER BY cid", [.text(table)])
            let postgresColumns = try engines.postgres.query(
                """
                SELECT column_name, data_type, is_nullable, column_default, is_identity
                FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
                """, [.text(table)])
            let extra = postgresOnlyColumns[table] ?? []
            XCTAssertEqual(
                Set(postgresColumns.compactMap { $0.string(0) }).subtracting(extra),
                Set(sqliteColumns.compactMap { $0.string(0) }), "columns of \(table)")

            let postgresByName = Dictionary(uniqueKeysWithValues: postgresColumns.compactMap { row in row.string(0).map { ($0, row) } })
            for column in sqliteColumns {
                let name = column.string(0) ?? ""
                guard let counterpart = postgresByName[name] else { continue }
                let declared = column.string(1) ?? ""
                XCTAssertEqual(counterpart.string(1), postgresType(of: declared), "type of \(table).\(name) (\(declared))")
                // A PRIMARY KEY column is NOT NULL on both: SQLite enforces it for rowid aliases
                // and WITHOUT ROWID tables (all of ours) without reporting it here.
                let sqliteNotNull = column.int(2) == 1 || (column.int(3) ?? 0) > 0
                XCTAssertEqual(counterpart.string(2) == "NO", sqliteNotNull, "NOT NULL of \(table).\(name)")
                XCTAssertEqual(
                    counterpart.string(3).map(withoutCast), column.string(4), "default of \(table).\(name)")
            }

            let sqlitePrimaryKey = sqliteColumns.filter { ($0.int(3) ?? 0) > 0 }.sorted { $0.int(3)! < $1.int(3)! }.compactMap {
                $0.string(0)
            }
            XCTAssertEqual(
                try postgresPrimaryKey(engines.postgres, table), table == "customers_fts" ? ["rowid"] : sqlitePrimaryKey,
                "primary key of \(table)")
        }
    }

    func testEveryTextColumnComparesByteByByteAsSQLiteDoes() throws {
        let engines = try bothEngines()
        let collations = try engines.postgres.query(
            """
            SELECT table_name || '.' || column_name, collation_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND data_type = 'text' AND table_name <> 'schema_migrations'
            """)
        XCTAssertGreaterThan(collations.count, 150)
        for column in collations {
            XCTAssertEqual(column.string(1), "C", "collation of \(column.string(0) ?? "?")")
        }
    }

    func testEveryIdentityTakesExplicitIdsAndThenGoesOnPastThemAsARowidWould() throws {
        let engines = try bothEngines()
        // The seeded pipeline has id 1 on both; the next one is 2.
        try engines.assertSameRows(
            "INSERT INTO pipelines (name, stages, created_at, updated_at) VALUES ('Second', '[]', 'x', 'x') RETURNING id")
        // An import keeps its ids; afterwards (and after sync_identity_sequences() here) the next
        // default id is past the largest.
        try engines.run(
            "INSERT INTO customers (id, type, name, created_at, updated_at) VALUES (100, 'person', 'Imported', 'x', 'x')")
        try engines.postgres.execute("SELECT sync_identity_sequences()")
        try engines.assertSameRows(
            "INSERT INTO customers (type, name, created_at, updated_at) VALUES ('person', 'Next', 'x', 'x') RETURNING id")
    }

    func testFreshDatabasesHoldTheSameRows() throws {
        let engines = try bothEngines()
        try engines.assertSameRows("SELECT * FROM sla_policies ORDER BY priority")
        try engines.assertSameRows("SELECT * FROM api_key_epoch")
        try engines.assertSameRows("SELECT * FROM pending_rebuilds ORDER BY name")
        try engines.assertSameRows("SELECT id, name, is_default, stages, deleted_at, version FROM pipelines")
        let seeded: Set = ["sla_policies", "api_key_epoch", "pending_rebuilds", "pipelines", "schema_migrations"]
        for table in try sqliteTableNames(engines.sqlite) where !seeded.contains(table) {
            try engines.assertSameRows("SELECT count(*) FROM \(table)")
        }
    }

    // MARK: - Indexes

    func testEveryIndexHasACounterpartWithTheSameKeyUniquenessAndPartiality() throws {
        let engines = try bothEngines()
        var checked = 0
        for table in try sqliteTableNames(engines.sqlite) {
            for index in try engines.sqlite.query(
                "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", [.text(table)])
            {
                let name = index.string(0) ?? ""
                let sqliteKey = try engines.sqlite.query(
                    "SELECT coalesce(name, '<expression>') FROM pragma_index_info(?) ORDER BY seqno", [.text(name)]
                ).compactMap { $0.string(0) }
                switch index.string(2) {
                case "pk":
                    // A WITHOUT ROWID table's key: compared with the primary key above.
                    continue
                case "u":
                    // A UNIQUE column constraint (api_keys.secret_hash): PostgreSQL's has its own name.
                    let unique = try postgresIndexes(engines.postgres, table).filter { $0.unique && $0.key == sqliteKey }
                    XCTAssertEqual(unique.count, 1, "a unique index on \(table)\(sqliteKey) for \(name)")
                case _ where indexesWithoutCounterpart[name] != nil:
                    continue
                default:
                    let counterpart = try postgresIndexes(engines.postgres, table).first { $0.name == name }
                    guard let counterpart else {
                        XCTFail("no PostgreSQL index \(name) on \(table)")
                        continue
                    }
                    XCTAssertEqual(counterpart.unique, index.int(1) == 1, "uniqueness of \(name)")
                    XCTAssertEqual(counterpart.partial, index.int(3) == 1, "partiality of \(name)")
                    if differentlyShapedIndexes[name] == nil {
                        XCTAssertEqual(counterpart.key, sqliteKey, "key of \(name)")
                    }
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }

    func testTheSearchTableHasAGINIndexOverItsTerms() throws {
        let engines = try bothEngines()
        let method = try engines.postgres.queryOne(
            """
            SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = 'customers_fts'::regclass AND c.relname = 'customers_fts_terms'
            """)?.string(0)
        XCTAssertEqual(method, "gin")
    }

    // MARK: - Constraints and triggers

    func testForeignKeysReferTheSameColumnsWithTheSameActions() throws {
        let engines = try bothEngines()
        var sqliteKeys: Set<String> = []
        for table in try sqliteTableNames(engines.sqlite) {
            for key in try engines.sqlite.query(
                "SELECT \"from\", \"table\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?)", [.text(table)])
            {
                let values = key.values.map { value -> String in
                    if case .text(let text) = value { return text }
                    return "?"
                }
                sqliteKeys.insert("\(table).\(values[0]) -> \(values[1]).\(values[2]) ON UPDATE \(values[3]) ON DELETE \(values[4])")
            }
        }
        let postgresKeys = try Set(
            engines.postgres.query(
                """
                SELECT format('%s.%s -> %s.%s ON UPDATE %s ON DELETE %s', c.conrelid::regclass, a.attname,
                    c.confrelid::regclass, r.attname, \(Self.postgresAction("c.confupdtype")), \(Self.postgresAction("c.confdeltype")))
                FROM pg_constraint c
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
                WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
                """
            ).compactMap { $0.string(0) })
        XCTAssertEqual(postgresKeys, sqliteKeys)
        XCTAssertGreaterThan(sqliteKeys.count, 15)
    }

    func testEveryTableHasAsManyCheckConstraints() throws {
        let engines = try bothEngines()
        for table in try sqliteTableNames(engines.sqlite) {
            let sql = try engines.sqlite.queryOne("SELECT sql FROM sqlite_schema WHERE name = ?", [.text(table)])?.string(0) ?? ""
            let sqliteChecks = sql.uppercased().components(separatedBy: "CHECK (").count - 1
            let postgresChecks = try engines.postgres.queryOne(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid = $1::regclass", [.text(table)])?.int(0)
            XCTAssertEqual(postgresChecks, sqliteChecks, "CHECK constraints of \(table)")
        }
    }

    func testEveryTriggerHasANamesakeOnTheSameTable() throws {
        let engines = try bothEngines()
        let sqliteTriggers = try Set(
            engines.sqlite.query("SELECT tbl_name || '.' || name FROM sqlite_schema WHERE type = 'trigger'").compactMap { $0.string(0) })
        let postgresTriggers = try Set(
            engines.postgres.query(
                "SELECT c.relname || '.' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
            ).compactMap { $0.string(0) })
        XCTAssertEqual(postgresTriggers, sqliteTriggers)
        XCTAssertGreaterThan(sqliteTriggers.count, 20)
    }

    // MARK: - Catalog reading

    /// Ordinary tables, FTS5 virtual tables included, FTS5 shadow tables and SQLite's own left out.
    private func sqliteTableNames(_ connection: SQLite.Connection) throws -> [String] {
        try connection.query(
            """
            SELECT name FROM pragma_table_list
            WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
            ORDER BY name
            """
        ).compactMap { $0.string(0) }
    }

    private func postgresType(of sqliteType: String) -> String {
        switch sqliteType.uppercased() {
        case "INTEGER": "bigint"
        case "REAL": "double precision"
        case "BLOB": "bytea"
        // TEXT, and the FTS5 column, which has no declared type.
        default: "text"
        }
    }

    /// `'[]'::text` → `'[]'`: PostgreSQL writes the default's type, SQLite does not.
    private func withoutCast(_ expression: String) -> String {
        guard let range = expression.range(of: "::", options: .backwards) else { return expression }
        return String(expression[..<range.lowerBound])
    }

    private func postgresPrimaryKey(_ connection: Postgres.Connection, _ table: String) throws -> [String] {
        try connection.query(
            """
            SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.position
            """, [.text(table)]
        ).compactMap { $0.string(0) }
    }

    private struct PostgresIndex {
        let name: String
        let unique: Bool
        let partial: Bool
        /// Column names, `<expression>` for an expression, as SQLite's pragma_index_info reads.
        let key: [String]
    }

    private func postgresIndexes(_ connection: Postgres.Connection, _ table: String) throws -> [PostgresIndex] {
        try connection.query(
            """
            SELECT c.relname, i.indisunique, i.indpred IS NOT NULL,
                array_to_string(ARRAY(
                    SELECT coalesce(a.attname, '<expression>') FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
                    LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
                    ORDER BY k.position), ',')
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = $1::regclass
            """, [.text(table)]
        ).map { row in
            PostgresIndex(
                name: row.string(0) ?? "", unique: row.bool(1) == true, partial: row.bool(2) == true,
                key: (row.string(3) ?? "").split(separator: ",").map(String.init))
        }
    }

    /// pg_constraint's one-letter action as SQLite's pragma spells it.
    private static func postgresAction(_ column: String) -> String {
        """
        CASE \(column) WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
            WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
        """
    }
}
