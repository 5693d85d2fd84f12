import SQLite

/// Gives seeded persons an employer among the seeded companies, so accounts and contacts have
/// something to show: about one person in three works at one of the last few companies seeded
/// before them (a company seeded just before its people, as a sales team would enter them), takes
/// its name as `company`, and gets its id as `account_id`. Companies thus have from none to a
/// dozen contacts, most a handful.
struct SeedAccounts {
    /// Percent of persons that belong to a company.
    static let contactShare = 35
    /// How many of the latest companies a person may join.
    private static let remembered = 8

    private var recent: [(id: Int, name: SQLValue)] = []
    private var next = 0

    /// Remembers customer `number` (its id) when it is a company, or makes it a contact of a
    /// recent one when the dice say so.
    mutating func process(_ values: inout [String: SQLValue], number: Int, random: inout SeedRandom) {
        if values["type"] == .text("company") {
            guard let name = values["name"] else { return }
            if recent.count < Self.remembered {
                recent.append((number, name))
            } else {
                recent[next] = (number, name)
                next = (next + 1) % Self.remembered
            }
            return
        }
        guard !recent.isEmpty, random.chance(Self.contactShare) else { return }
        let account = recent[random.int(0...(recent.count - 1))]
        values["account_id"] = .integer(Int64(account.id))
        values["company"] = account.name
    }
}
