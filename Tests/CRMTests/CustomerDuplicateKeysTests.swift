import Foundation
import SQLite
import XCTest

@testable import CRM

/// The `customer_duplicate_keys` triggers (migration 0022): after any mix of inserts, updates of
/// each key column, soft deletes, restores and hard deletes, the kept counts equal a grouped count
/// of the live customers, and the duplicate groups read through them equal the groups a full
/// grouping of the customers finds.
final class CustomerDuplicateKeysTests: TemporaryDatabaseTestCase {
    private static let nameKey = CustomerDuplicateStore.normalized("name")
    private static let companyKey = CustomerDuplicateStore.normalized("company")

    private static func kept(_ connection: StoreConnection) throws -> [String] {
        try connection.query("SELECT reason, key, count FROM customer_duplicate_keys ORDER BY reason, key").map {
            "\($0.string(0) ?? "-")|\($0.string(1) ?? "-")|\($0.int64(2) ?? -1)"
        }
    }

    /// Every key of the live customers counted afresh.
    private static func recounted(_ connection: StoreConnection) throws -> [String] {
        try connection.query(
            """
            SELECT reason, key, count(*) FROM (
                SELECT 'email' AS reason, email_normalized AS key FROM customers
                WHERE deleted_at IS NULL AND email_normalized IS NOT NULL AND email_normalized != ''
                UNION ALL
                SELECT 'phone', phone_digits FROM customers
                WHERE deleted_at IS NULL AND phone_digits IS NOT NULL AND phone_digits != ''
                UNION ALL
                SELECT 'name_company', \(nameKey) || ' | ' || \(companyKey) FROM customers
                WHERE deleted_at IS NULL AND company IS NOT NULL AND \(companyKey) != ''
            )
            GROUP BY reason, key ORDER BY reason, key
            """
        ).map { "\($0.string(0) ?? "-")|\($0.string(1) ?? "-")|\($0.int64(2) ?? -1)" }
    }

    /// The groups as the endpoint found them before the kept keys: three GROUP BYs over the
    /// customers (name and company grouped as a pair), each group `reason|key|ids`, sorted.
    private static func grouped(_ connection: StoreConnection) throws -> [String] {
        try connection.query(
            """
            SELECT 'email', email_normalized, group_concat(id) FROM customers
            WHERE deleted_at IS NULL AND email_normalized IS NOT NULL AND email_normalized != ''
            GROUP BY email_normalized HAVING count(*) > 1
            UNION ALL
            SELECT 'name_company', name_key || ' | ' || company_key, group_concat(id) FROM (
                SELECT id, \(nameKey) AS name_key, \(companyKey) AS company_key FROM customers
                WHERE deleted_at IS NULL AND company IS NOT NULL
            )
            WHERE company_key != ''
            GROUP BY name_key, company_key HAVING count(*) > 1
            UNION ALL
            SELECT 'phone', phone_digits, group_concat(id) FROM customers
            WHERE deleted_at IS NULL AND phone_digits IS NOT NULL AND phone_digits != ''
            GROUP BY phone_digits HAVING count(*) > 1
            """
        ).map { row in
            let ids = (row.string(2) ?? "").split(separator: ",").compactMap { Int64($0) }.sorted()
            return "\(row.string(0) ?? "-")|\(row.string(1) ?? "-")|\(ids.map(String.init).joined(separator: ","))"
        }.sorted()
    }

    private static func signature(_ group: CustomerDuplicates.Group) -> String {
        "\(group.reason)|\(group.key)|\(group.ids.map(String.init).joined(separator: ","))"
    }

    /// Every group, read `limit` at a time.
    private static func walked(_ connection: StoreConnection, limit: Int) throws -> [CustomerDuplicates.Group] {
        var groups: [CustomerDuplicates.Group] = []
        var after: (reason: String, key: String)?
        while true {
            let page = try CustomerDuplicateStore.groups(connection, after: after, limit: limit)
            XCTAssertLessThanOrEqual(page.count, limit)
            groups += page
            guard page.count == limit, let last = page.last else { return groups }
            after = (last.reason, last.key)
        }
    }

    func testKeptKeysFollowEveryKindOfWrite() throws {
        let (kept, recounted, grouped, read, readInPages, rebuilt) = try database.writeAndWait {
            connection -> ([String], [String], [String], [String], [String], [String]) in
            // Live customers sharing an email need data stored without the unique index.
            try connection.execute("DROP INDEX customers_email_live")
            var random = SeedRandom(seed: 11)
            let emails: [SQLValue] = [.null, .text(""), .text("a@example.com"), .text("b@example.com"), .text("c@example.com")]
            let phones: [SQLValue] = [.null, .text(""), .text("8613800138000"), .text("15550100200"), .text("15550100300")]
            // Case and whitespace variants of the same name and company, and a pair whose
            // `name | company` text is that of another pair ("a | b" at "c", "a" at "b | c").
            let names = ["Ada Lovelace", "ADA  LOVELACE", " ada\tlovelace ", "Ada\nLovelace", "Grace Hopper", "", "a | b", "a", "A"]
            let companies: [SQLValue] = [
                .null, .text(""), .text("   "), .text("Analytical Engines"), .text(" ANALYTICAL\r\nengines "), .text("Navy"), .text("c"),
                .text("b | c"), .text("B  |  C"),
            ]
            func insert(_ id: Int, _ random: inout SeedRandom) throws {
                try connection.run(
                    """
                    INSERT INTO customers (id, type, name, email_normalized, phone_digits, company, created_at, updated_at, deleted_at)
                    VALUES (?, 'person', ?, ?, ?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ?)
                    """,
                    [
                        .integer(Int64(id)), .text(random.pick(names)), random.pick(emails), random.pick(phones), random.pick(companies),
                        random.chance(15) ? .text("2026-02-01T00:00:00.000Z") : .null,
                    ])
            }
            for id in 1...80 { try insert(id, &random) }
            var nextID = 81
            for _ in 0..<500 {
                let id = SQLValue.integer(Int64(random.int(1...nextID - 1)))
                switch random.int(0...9) {
                case 0: try connection.run("UPDATE customers SET email_normalized = ? WHERE id = ?", [random.pick(emails), id])
                case 1: try connection.run("UPDATE customers SET phone_digits = ? WHERE id = ?", [random.pick(phones), id])
                case 2: try connection.run("UPDATE customers SET name = ? WHERE id = ?", [.text(random.pick(names)), id])
                case 3: try connection.run("UPDATE customers SET company = ? WHERE id = ?", [random.pick(companies), id])
                case 4:
                    try connection.run(
                        "UPDATE customers SET name = ?, company = ?, phone_digits = ? WHERE id = ?",
                        [.text(random.pick(names)), random.pick(companies), random.pick(phones), id])
                case 5: try connection.run("UPDATE customers SET deleted_at = '2026-03-01T00:00:00.000Z' WHERE id = ?", [id])
                case 6: try connection.run("UPDATE customers SET deleted_at = NULL WHERE id = ?", [id])
                case 7: try connection.run("DELETE FROM customers WHERE id = ?", [id])
                case 8:
                    try insert(nextID, &random)
                    nextID += 1
                default:
                    try connection.run(
                        "UPDATE customers SET name = name, company = company, email_normalized = email_normalized, deleted_at = deleted_at WHERE id = ?",
                        [id])
                }
            }
            let kept = try Self.kept(connection)
            let read = try CustomerDuplicateStore.groups(connection, after: nil, limit: 10_000).map(Self.signature).sorted()
            let readInPages = try Self.walked(connection, limit: 2).map(Self.signature).sorted()
            let results = (kept, try Self.recounted(connection), try Self.grouped(connection), read, readInPages)
            try connection.execute(CustomerDuplicateStore.rebuildSQL)
            return (results.0, results.1, results.2, results.3, results.4, try Self.kept(connection))
        }
        XCTAssertFalse(recounted.isEmpty)
        XCTAssertEqual(kept, recounted)
        XCTAssertEqual(rebuilt, recounted)
        XCTAssertTrue(grouped.contains { $0.hasPrefix("name_company|") }, "\(grouped)")
        XCTAssertTrue(grouped.contains { $0.hasPrefix("email|") }, "\(grouped)")
        XCTAssertTrue(grouped.contains { $0.hasPrefix("phone|") }, "\(grouped)")
        XCTAssertEqual(read, grouped)
        XCTAssertEqual(readInPages, grouped)
    }

    func testPagesReadTheSharedKeysAndEachGroupThroughAnIndex() throws {
        let plans = try database.read { connection in
            try [
                "SELECT reason, key FROM customer_duplicate_keys INDEXED BY customer_duplicate_keys_shared WHERE count > 1 ORDER BY reason, key LIMIT 10",
                CustomerDuplicateStore.membersByNameCompanySQL(.sqlite).replacingOccurrences(of: "?", with: "'x | y'"),
            ].map { sql in
                try connection.query("EXPLAIN QUERY PLAN " + sql).compactMap { $0.string("detail") }.joined(separator: "; ")
            }
        }
        XCTAssertTrue(plans[0].contains("customer_duplicate_keys_shared"), plans[0])
        XCTAssertFalse(plans[0].contains("TEMP B-TREE"), plans[0])
        XCTAssertTrue(plans[1].contains("customers_by_name_company_key"), plans[1])
    }
}
