import SQLite

/// The seed's questions to the schema, and the index drop that makes a bulk load fast.
enum SeedStore {
    static func highestCustomerID(_ connection: Connection) throws -> Int {
        try connection.queryOne("SELECT coalesce(max(id), 0) FROM customers")?.int(0) ?? 0
    }

    /// The `CREATE VIRTUAL TABLE` statement of the search index, to build a copy aside.
    static func searchTableDefinition(_ connection: Connection) throws -> String? {
        try connection.queryOne("SELECT sql FROM sqlite_master WHERE name = 'customers_fts'")?.string(0)
    }

    /// Drops the secondary indexes of the seeded tables that the load would update at random
    /// places (names, emails, amounts, times) and the triggers keeping `customer_duplicate_keys`;
    /// returns the SQL that recreates them (and rebuilds that table first).
    static func dropIndexes(_ connection: Connection) throws -> [String] {
        let placeholders = CustomerSeeder.bulkTables.map { _ in "?" }.joined(separator: ", ")
        let rows = try connection.query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(placeholders))",
            CustomerSeeder.bulkTables.map(SQLValue.text))
        var recreate: [String] = []
        try connection.transaction(.immediate) {
            for row in rows {
                guard let name = row.string("name"), let sql = row.string("sql") else { continue }
                // Key columns (an expression has no name), without the row id that ends each entry.
                let columns = try connection.query("SELECT name FROM pragma_index_xinfo(?) WHERE key = 1 AND cid != -1", [.text(name)])
                    .map { $0.string(0) }
                if columns.allSatisfy({ $0.map(CustomerSeeder.cheapIndexColumns.contains) ?? false }) { continue }
                recreate.append(sql)
                try connection.execute("DROP INDEX \"\(name)\"")
            }
            // The duplicate-key triggers would add three keys at random places per customer: the
            // kept table is built once after the load instead, before they come back.
            let triggers = try connection.query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customers' AND name LIKE 'customer_duplicate_keys_%'"
            )
            if !triggers.isEmpty { recreate.append(CustomerDuplicateStore.rebuildSQL) }
            for row in triggers {
                guard let name = row.string("name"), let sql = row.string("sql") else { continue }
                recreate.append(sql)
                try connection.execute("DROP TRIGGER \"\(name)\"")
            }
        }
        return recreate
    }

}
