import SQLite

/// All SQL for accounts and contacts: who a company's contacts are and what they add up to.
/// Served by `customers_by_account` (migration 0023).
enum AccountStore {
    /// The type of the live customer `id`, nil when there is none.
    static func liveType(_ connection: StoreConnection, id: Int64) throws -> String? {
        try connection.queryOne("SELECT type FROM customers WHERE id = ? AND deleted_at IS NULL", [.integer(id)])?.string(0)
    }

    /// Whether the customer `id` has been erased.
    static func isErased(_ connection: StoreConnection, id: Int64) throws -> Bool {
        try connection.queryOne("SELECT 1 FROM customers WHERE id = ? AND erased_at IS NOT NULL", [.integer(id)]) != nil
    }

    static func hasContacts(_ connection: StoreConnection, companyID: Int64) throws -> Bool {
        try connection.queryOne(
            "SELECT 1 FROM customers WHERE account_id = ? AND deleted_at IS NULL LIMIT 1", [.integer(companyID)]) != nil
    }

    /// A customer list's condition (alias `c`) for the company's contacts.
    static func contactsCondition(companyID: Int64) -> ListCondition {
        ListCondition(sql: "c.account_id = ? AND c.type = 'person'", bindings: [.integer(companyID)])
    }

    /// The company's live contacts, in id order.
    static func contacts(_ connection: StoreConnection, companyID: Int64) throws -> [Row] {
        try connection.query("SELECT * FROM customers WHERE account_id = ? AND deleted_at IS NULL ORDER BY id", [.integer(companyID)])
    }

    /// What the company's live contacts add up to: how many, their paid orders, spend and
    /// open tickets. Summed here with checked additions, not by SQL's `sum`: several contacts
    /// near the largest total would make SQLite fail the statement (and PostgreSQL answer a
    /// `numeric`); past `Int64.max` is a `422` naming `field` (``MoneyTotal``).
    static func contactTotals(_ connection: StoreConnection, companyID: Int64, field: String) throws -> AccountTotals {
        var totals = AccountTotals(contacts: 0, orderCount: 0, totalSpent: 0, openTickets: 0)
        try connection.forEachRowView(
            "SELECT order_count, total_spent, open_tickets FROM customers WHERE account_id = ? AND deleted_at IS NULL",
            [.integer(companyID)]
        ) { row in
            totals = try totals.including(
                orderCount: row.int64(at: 0) ?? 0, totalSpent: row.int64(at: 1) ?? 0, openTickets: row.int64(at: 2) ?? 0, field: field)
            totals.contacts += 1
            return true
        }
        return totals
    }

    /// Writes a rollup into the row without touching its version: for the write that is
    /// already changing the row (and bumps it) itself.
    static func writeRollup(_ connection: StoreConnection, id: Int64, _ values: [(column: String, value: SQLValue)]) throws {
        let assignments = values.map { "\($0.column) = ?" }.joined(separator: ", ")
        _ = try connection.run("UPDATE customers SET \(assignments) WHERE id = ?", values.map(\.value) + [.integer(id)])
    }

    /// Recomputes every company's rollup in one statement (after a bulk load, which writes rows
    /// without going through the write flows).
    static func rebuildAll(_ connection: StoreConnection) throws {
        _ = try connection.run(
            """
            UPDATE customers SET
                account_contacts = (SELECT count(*) FROM customers k WHERE k.account_id = customers.id AND k.deleted_at IS NULL),
                account_order_count = order_count + (SELECT coalesce(sum(k.order_count), 0) FROM customers k
                                                     WHERE k.account_id = customers.id AND k.deleted_at IS NULL),
                account_total_spent = total_spent + (SELECT coalesce(sum(k.total_spent), 0) FROM customers k
                                                     WHERE k.account_id = customers.id AND k.deleted_at IS NULL),
                account_open_tickets = open_tickets + (SELECT coalesce(sum(k.open_tickets), 0) FROM customers k
                                                       WHERE k.account_id = customers.id AND k.deleted_at IS NULL)
            WHERE type = 'company'
            """)
    }
}

/// A company's `metrics.account`, or what its contacts add to it.
struct AccountTotals: Equatable {
    var contacts: Int64
    var orderCount: Int64
    var totalSpent: Int64
    var openTickets: Int64

    /// The company's rollup: its contacts' totals plus its own metrics; a sum past `Int64.max`
    /// is a `422` naming `field` (``MoneyTotal``).
    func including(orderCount own: Int64, totalSpent spent: Int64, openTickets tickets: Int64, field: String) throws -> AccountTotals {
        func sum(_ a: Int64, _ b: Int64) throws -> Int64 {
            try MoneyTotal.adding(b, to: a, field: field, what: "the account's total")
        }
        return AccountTotals(
            contacts: contacts, orderCount: try sum(orderCount, own), totalSpent: try sum(totalSpent, spent),
            openTickets: try sum(openTickets, tickets))
    }

    /// The rollup a company's row keeps, or nil when a column is missing (not a company).
    init?(stored company: Row) {
        guard let contacts = company.int64("account_contacts"), let orderCount = company.int64("account_order_count"),
            let totalSpent = company.int64("account_total_spent"), let openTickets = company.int64("account_open_tickets")
        else { return nil }
        self.init(contacts: contacts, orderCount: orderCount, totalSpent: totalSpent, openTickets: openTickets)
    }

    /// What a customer's own metrics add to an account, counting it as `contacts` contacts.
    init(metricsOf customer: Row, contacts: Int64) {
        self.init(
            contacts: contacts, orderCount: customer.int64("order_count") ?? 0, totalSpent: customer.int64("total_spent") ?? 0,
            openTickets: customer.int64("open_tickets") ?? 0)
    }

    init(contacts: Int64, orderCount: Int64, totalSpent: Int64, openTickets: Int64) {
        self.contacts = contacts
        self.orderCount = orderCount
        self.totalSpent = totalSpent
        self.openTickets = openTickets
    }

    /// The same amounts taken away instead of added.
    var negated: AccountTotals {
        AccountTotals(contacts: -contacts, orderCount: -orderCount, totalSpent: -totalSpent, openTickets: -openTickets)
    }

    /// As the columns that store it.
    var columns: [(column: String, value: SQLValue)] {
        [
            ("account_contacts", .integer(contacts)), ("account_order_count", .integer(orderCount)),
            ("account_total_spent", .integer(totalSpent)), ("account_open_tickets", .integer(openTickets)),
        ]
    }
}
