import SQLite

/// Plants likely duplicates among seeded customers, so `GET /v1/customers/duplicates` and merges
/// have something to show: about one customer in 200 is a second record of one generated shortly
/// before it, the same person or company entered again with another email (emails are unique
/// among live customers, so never a shared email):
///
/// - half share the phone, written differently (`+86 139 1234 5678` / `+86-139-1234-5678`), with
///   the same name and no company: found by `phone`;
/// - half share name and company, the company's case changed for Latin names (`ACME …`), with
///   another phone: found by `name_company` (which ignores case and spacing).
///
/// Everything else about the copy (industry, owner, tags, activity) is its own.
struct SeedDuplicates {
    /// Duplicates per thousand customers.
    static let perMille = 5

    private struct Original {
        let type: SQLValue?
        let name: SQLValue?
        let title: SQLValue?
        let company: SQLValue?
        let phone: SQLValue?
    }

    /// The most recent customers, the originals to copy from.
    private var recent: [Original] = []
    private var next = 0
    private static let remembered = 1024

    /// Remembers `values` as a possible original, or (when the dice say so and there is one)
    /// turns them into a duplicate of an earlier customer; returns whether it did.
    @discardableResult
    mutating func process(_ values: inout [String: SQLValue], random: inout SeedRandom) -> Bool {
        if !recent.isEmpty, random.int(0...999) < Self.perMille {
            let original = recent[random.int(0...(recent.count - 1))]
            copy(original, into: &values, byPhone: random.chance(50))
            return true
        }
        let original = Original(
            type: values["type"], name: values["name"], title: values["title"], company: values["company"], phone: values["phone"])
        if recent.count < Self.remembered {
            recent.append(original)
        } else {
            recent[next] = original
            next = (next + 1) % Self.remembered
        }
        return false
    }

    private func copy(_ original: Original, into values: inout [String: SQLValue], byPhone: Bool) {
        values["type"] = original.type
        values["name"] = original.name
        values["title"] = original.title
        if byPhone {
            values["company"] = nil
            if case .text(let phone)? = original.phone { values["phone"] = .text(phone.replacingSpaces(with: "-")) }
        } else {
            values["company"] = original.company
            if case .text(let company)? = original.company, company.utf8.allSatisfy({ $0 < 0x80 }) {
                values["company"] = .text(company.uppercased())
                if original.type == .text("company") { values["name"] = values["company"] }
            }
        }
    }
}

extension String {
    fileprivate func replacingSpaces(with separator: Character) -> String {
        String(map { $0 == " " ? separator : $0 })
    }
}
