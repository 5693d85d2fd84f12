import SQLite

/// Accounts and contacts (API.md §2): a person may belong to a live company through
/// `account_id`, and a company's `metrics.account` sums its own and its live contacts' order
/// count, spend and open tickets, with the number of contacts.
///
/// The rollup is stored on the company's row and kept in the transaction of every write that
/// changes it: a contact's metrics (an order, a ticket), a contact joining, leaving or being
/// deleted, the company's own metrics. Each recount reads only that company's contacts
/// (`customers_by_account`), so its cost grows with the size of one account, never the table.
enum CustomerAccounts {
    /// Checks the link a write leaves, `values` over `before` (nil on create): a person's
    /// `account_id` names a live company other than itself, a company has none, and a company
    /// with contacts stays a company. Every broken rule is a `422` naming its field.
    static func check(_ connection: StoreConnection, _ values: [String: SQLValue], before: Row?) throws {
        let type = values["type"]?.text ?? before?.string("type")
        // An explicit null clears the account; a field left out keeps the stored one.
        let account = values["account_id"].map(\.integer) ?? before?.int64("account_id")
        var issues: [FieldIssue] = []
        if let account, values["account_id"] != nil || values["type"] != nil {
            if type == "company" {
                issues.append(FieldIssue("account_id", "not_allowed", "a company cannot belong to an account; account_id must be null"))
            } else if account == before?.int64("id") {
                issues.append(FieldIssue("account_id", "self_reference", "a customer cannot be its own account"))
            } else {
                switch try AccountStore.liveType(connection, id: account) {
                case nil: issues.append(FieldIssue("account_id", "not_found", "no live customer \(account)"))
                case "company":
                    // Joining changes the company's rollup, a write to it; an erased customer takes
                    // none. A contact that joined before the erasure stays.
                    if account != before?.int64("account_id"), try AccountStore.isErased(connection, id: account) {
                        issues.append(FieldIssue("account_id", "erased", "customer \(account) is erased and takes no new contacts"))
                    }
                default: issues.append(FieldIssue("account_id", "not_a_company", "customer \(account) is a person, not a company"))
                }
            }
        }
        if let before, let id = before.int64("id"), before.string("type") == "company", type == "person",
            try AccountStore.hasContacts(connection, companyID: id)
        {
            issues.append(FieldIssue("type", "has_contacts", "a company with contacts cannot become a person; move its contacts first"))
        }
        if !issues.isEmpty { throw CRMError.validation(issues) }
    }

    /// The company's rollup recounted: its contacts' totals plus its own stored metrics. A total
    /// past the largest kept is a `422` naming `field`, the field of the write that moved it.
    static func rollup(_ connection: StoreConnection, company: Row, field: String) throws -> [(column: String, value: SQLValue)] {
        guard let id = company.int64("id") else { return [] }
        return try AccountStore.contactTotals(connection, companyID: id, field: field).including(
            orderCount: company.int64("order_count") ?? 0, totalSpent: company.int64("total_spent") ?? 0,
            openTickets: company.int64("open_tickets") ?? 0, field: field
        ).columns
    }

    /// Recounts the company's rollup and writes it when it changed (a new version and a feed
    /// entry for the company, as other derived metrics get).
    static func refresh(
        _ connection: StoreConnection, companyID: Int64, field: String = "account_id", renderer: CustomerRenderer, now: Timestamp
    ) throws {
        guard let company = try CustomerStore.find(connection, id: companyID), company.string("type") == "company" else { return }
        _ = try CustomerStore.updateDerived(
            connection, before: company, try rollup(connection, company: company, field: field), renderer: renderer, now: now)
    }

    /// Moves the company's rollup by `change` (a contact joining or leaving with its metrics, or a
    /// member's metrics moving: what they became less what they were), instead of recounting
    /// every contact: a write to one contact costs the same for a company of five contacts as for
    /// one of fifty thousand. Merges recount (``refresh``). A total past the largest kept is a
    /// `422` naming `field`.
    static func shift(
        _ connection: StoreConnection, companyID: Int64, by change: AccountTotals, field: String, renderer: CustomerRenderer,
        now: Timestamp
    ) throws {
        guard let company = try CustomerStore.find(connection, id: companyID), company.string("type") == "company" else { return }
        guard let stored = AccountTotals(stored: company) else {
            return try refresh(connection, companyID: companyID, field: field, renderer: renderer, now: now)
        }
        func moved(_ total: Int64, by amount: Int64) throws -> Int64 {
            try MoneyTotal.adding(amount, to: total, field: field, what: "the account's total")
        }
        let shifted = AccountTotals(
            contacts: stored.contacts + change.contacts, orderCount: try moved(stored.orderCount, by: change.orderCount),
            totalSpent: try moved(stored.totalSpent, by: change.totalSpent),
            openTickets: try moved(stored.openTickets, by: change.openTickets))
        _ = try CustomerStore.updateDerived(connection, before: company, shifted.columns, renderer: renderer, now: now)
    }

    /// The company a customer's row counts in, and what it adds there: a live person with an
    /// account adds itself and its metrics.
    static func membership(_ row: Row?) -> (company: Int64, share: AccountTotals)? {
        guard let row, row.string("deleted_at") == nil, let company = row.int64("account_id") else { return nil }
        return (company, AccountTotals(metricsOf: row, contacts: 1))
    }

    /// Points every live contact of `companyID` at `target` (nil: no account), each as an update
    /// of its own with feed and audit entries; the caller recounts the rollups once afterwards.
    ///
    /// An erased contact is repointed too: no client may write to it, but its link is the
    /// company's to keep, and refusing it left a company with an erased contact impossible to
    /// delete or merge, for good (found by a black-box audit).
    static func repoint(
        _ connection: StoreConnection, contactsOf companyID: Int64, to target: Int64?, skipping: Set<Int64> = [], flow: WriteFlow,
        actor: Int64?, now: Timestamp
    ) throws {
        var flow = flow
        flow.refusal = { _ in nil }
        for contact in try AccountStore.contacts(connection, companyID: companyID) {
            guard let id = contact.int64("id"), !skipping.contains(id) else { continue }
            _ = try flow.update(connection, before: contact, actor: actor, now: now) {
                try CustomerStore.update(connection, id: id, values: ["account_id": target.map(SQLValue.integer) ?? .null], now: now)
                return true
            }
        }
    }
}
