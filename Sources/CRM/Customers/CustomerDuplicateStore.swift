import JSON
import SQLite

/// The queries behind `GET /v1/customers/duplicates`: groups of live customers sharing a
/// normalised email, phone digits, or name and company (both lower-cased and trimmed, each run
/// of whitespace one space; SQLite's `lower` folds ASCII letters only).
///
/// A page never groups the customers: `customer_duplicate_keys` (migration 0022), kept by
/// triggers on `customers`, counts the live customers holding each key (an erased customer is
/// none: migration 0024), and a partial index
/// over the keys held more than once gives them in (reason, key) order. Each key's members are
/// then read through an index on that key, so a page costs the same at any table size.
enum CustomerDuplicateStore {
    /// Groups in (reason, key) order after `after`, at most `limit`; each with its ids ascending.
    static func groups(_ connection: StoreConnection, after: (reason: String, key: String)?, limit: Int) throws -> [CustomerDuplicates
        .Group]
    {
        var groups: [CustomerDuplicates.Group] = []
        var position = after
        while groups.count < limit {
            let wanted = limit - groups.count
            let keys = try sharedKeys(connection, after: position, limit: wanted)
            for (reason, key) in keys {
                groups += try self.groups(connection, reason: reason, key: key)
            }
            guard keys.count == wanted, let last = keys.last else { break }
            position = last
        }
        return Array(groups.prefix(limit))
    }

    /// Keys held by more than one live customer, in (reason, key) order after `after`.
    private static func sharedKeys(_ connection: StoreConnection, after: (reason: String, key: String)?, limit: Int) throws -> [(
        reason: String, key: String
    )] {
        // INDEXED BY: the primary key has the same order, and reading it would pass over every key
        // held once (a few million at a million customers) to find the shared ones.
        let select =
            "SELECT reason, key FROM customer_duplicate_keys \(connection.dialect.indexedBy("customer_duplicate_keys_shared")) WHERE count > 1"
        let rows: [Row]
        if let after {
            rows = try connection.query(
                select + " AND (reason, key) > (?, ?) ORDER BY reason, key LIMIT ?",
                [.text(after.reason), .text(after.key), .integer(Int64(limit))])
        } else {
            rows = try connection.query(select + " ORDER BY reason, key LIMIT ?", [.integer(Int64(limit))])
        }
        return rows.map { (reason: $0.string(0) ?? "", key: $0.string(1) ?? "") }
    }

    /// The groups of one shared key: one, or none when the key's live holders are fewer than two.
    /// Two different name + company pairs can join to the same `name | company` text (a name
    /// holding " | "); each pair is its own group then, as it always was.
    private static func groups(_ connection: StoreConnection, reason: String, key: String) throws -> [CustomerDuplicates.Group] {
        switch reason {
        case "email", "phone":
            let column = reason == "email" ? "email_normalized" : "phone_digits"
            let ids = try connection.query(
                "SELECT id FROM customers WHERE \(column) = ? AND deleted_at IS NULL AND erased_at IS NULL ORDER BY id", [.text(key)]
            ).compactMap { $0.int64(0) }
            return ids.count > 1 ? [CustomerDuplicates.Group(reason: reason, key: key, ids: ids)] : []
        case "name_company":
            let rows = try connection.query(membersByNameCompanySQL(connection.dialect), [.text(key)])
            var pairs: [[String]: [Int64]] = [:]
            var order: [[String]] = []
            for row in rows {
                guard let id = row.int64(0), let company = row.string(2), !company.isEmpty else { continue }
                let pair = [row.string(1) ?? "", company]
                if pairs[pair] == nil { order.append(pair) }
                pairs[pair, default: []].append(id)
            }
            return order.compactMap { pair in
                guard let ids = pairs[pair], ids.count > 1 else { return nil }
                return CustomerDuplicates.Group(reason: reason, key: key, ids: ids)
            }
        default:
            return []
        }
    }

    /// The live customers of a name + company key, read through `customers_by_name_company_key`.
    static func membersByNameCompanySQL(_ dialect: SQLDialect) -> String {
        """
        SELECT id, \(dialect.duplicateKeyText("name")), \(dialect.duplicateKeyText("company")) FROM customers
        WHERE \(dialect.nameCompanyKey) = ? AND deleted_at IS NULL AND erased_at IS NULL AND company IS NOT NULL ORDER BY id
        """
    }

    /// Counts every key of the live customers afresh, as migration 0022 first did: for a load
    /// that wrote customers with the keeping triggers dropped.
    static let rebuildSQL = """
        DELETE FROM customer_duplicate_keys;
        INSERT INTO customer_duplicate_keys
        SELECT 'email', email_normalized, count(*) FROM customers
        WHERE deleted_at IS NULL AND email_normalized != '' GROUP BY email_normalized;
        INSERT INTO customer_duplicate_keys
        SELECT 'phone', phone_digits, count(*) FROM customers
        WHERE deleted_at IS NULL AND phone_digits != '' GROUP BY phone_digits;
        INSERT INTO customer_duplicate_keys
        SELECT 'name_company', key, count(*) FROM (
            SELECT \(nameCompanyKey) AS key FROM customers
            WHERE deleted_at IS NULL AND erased_at IS NULL AND company IS NOT NULL AND \(normalized("company")) != ''
        )
        GROUP BY key;
        """

    /// `name | company` as migration 0022 writes it, both in its triggers and in its index
    /// `customers_by_name_company_key`: the text must stay the same for SQLite to use the index.
    static let nameCompanyKey = "\(normalized("name")) || ' | ' || \(normalized("company"))"

    /// SQL for `column` as name+company groups compare it: lower-cased, trimmed, each run of
    /// whitespace (spaces, tabs, line breaks) one space. Stored text never holds `char(1)`
    /// (``TextRules`` refuses control characters), so it can mark the runs.
    static func normalized(_ column: String) -> String {
        let spaced = "replace(replace(replace(\(column), char(9), ' '), char(10), ' '), char(13), ' ')"
        let collapsed = "replace(replace(replace(\(spaced), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), '')"
        return "lower(trim(\(collapsed)))"
    }
}
