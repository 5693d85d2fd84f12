import JSON
import SQLite

/// The custom fields a demo database defines (API.md §2 "fields"), and values for them in seeded
/// customers' `attributes`, so `GET /v1/fields`, typed `attributes.<key>` filters and rule leaves
/// have something to show. Each field is held by a realistic share of the customers, not by all:
///
/// | key | type | held by |
/// |---|---|---|
/// | `vip_level` | enum `silver`, `gold`, `platinum` | about 1 in 8, more often and higher the more paid orders |
/// | `preferred_channel` | enum `wechat`, `phone`, `email`, `sms`, `in_person` | 70 %; WeChat first in China, email elsewhere |
/// | `contract_renewal` | date | 75 % of companies, from 60 days ago to a year ahead |
/// | `nps_consent` | bool | 60 % of people, 70 % of them `true` |
/// | `employee_count` | integer | 85 % of companies, within their `company_size` |
///
/// The values come from a random stream of their own, so the rest of the seeded data is what it
/// was without them. The keys the seed finds already defined are left as they are.
struct SeedFields {
    struct Definition {
        let key: String
        let label: String
        let type: CustomField.FieldType
        var options: [String] = []
        let description: String
    }

    static let definitions = [
        Definition(
            key: "vip_level", label: "VIP level", type: .enumeration, options: ["silver", "gold", "platinum"],
            description: "Membership level in the loyalty programme"),
        Definition(
            key: "preferred_channel", label: "Preferred channel", type: .enumeration,
            options: ["wechat", "phone", "email", "sms", "in_person"], description: "How the customer likes to be contacted"),
        Definition(
            key: "contract_renewal", label: "Contract renewal", type: .date, description: "When the current contract is up for renewal"),
        Definition(key: "nps_consent", label: "NPS survey consent", type: .bool, description: "Agreed to receive NPS surveys"),
        Definition(key: "employee_count", label: "Employees", type: .integer, description: "Head count of the company"),
    ]

    /// Defines the fields no live definition holds yet, each with its index (``AttributeIndexStore``).
    /// Like seeded customers, they get no audit entry.
    static func define(_ sqlite: Connection, now: Timestamp) throws {
        let connection = StoreConnection(sqlite)
        try connection.transaction {
            for field in definitions {
                let options = JSONValue.array(field.options.map(JSONValue.string)).jsonString
                guard
                    try CustomFieldStore.insertIfUndefined(
                        connection, key: field.key, label: field.label, type: field.type.rawValue, options: options,
                        description: field.description, now: now)
                else { continue }
                try AttributeIndexStore.create(connection, key: field.key)
            }
        }
    }

    private var random = SeedRandom(seed: 20_261_205)
    /// The seed's day: contract renewals lie around it.
    private let today: Int64

    init(epoch: Timestamp) {
        today = CalendarDate(epoch).daysSinceEpoch
    }

    /// Adds the fields' values to the customer's `attributes`; `paidOrders` is how many paid
    /// orders its activity holds (loyal buyers are the VIPs).
    mutating func fill(_ values: inout [String: SQLValue], paidOrders: Int64) {
        var added = JSONObject()
        let company = values["type"] == .text("company")
        let vipShare = paidOrders >= 6 ? 55 : paidOrders >= 3 ? 30 : paidOrders >= 1 ? 14 : 4
        if random.chance(vipShare) {
            let roll = random.int(0...99) + Int(min(paidOrders, 10)) * 3
            added["vip_level"] = .string(roll >= 95 ? "platinum" : roll >= 65 ? "gold" : "silver")
        }
        if random.chance(70) {
            added["preferred_channel"] = .string(random.pick(values["country"] == .text("CN") ? Self.chineseChannels : Self.otherChannels))
        }
        if company {
            if random.chance(75) {
                added["contract_renewal"] = .string(CalendarDate(daysSinceEpoch: today + Int64(random.int(-60...365))).description)
            }
            if random.chance(85), case .text(let size)? = values["company_size"], let range = Self.employees[size] {
                added["employee_count"] = .int(Int64(random.int(range)))
            }
        } else if random.chance(60) {
            added["nps_consent"] = .bool(random.chance(70))
        }
        // Appended to the object the generator serialized (the seed's own, whose keys these are
        // not), instead of parsing it again: this runs for every seeded customer.
        guard !added.isEmpty, case .text(var text)? = values["attributes"], text.hasPrefix("{"), text.hasSuffix("}") else { return }
        let members = JSONValue.object(added).jsonString.dropFirst()
        text.removeLast()
        text += (text == "{" ? "" : ",") + members
        values["attributes"] = .text(text)
    }

    /// Channels weighted by repetition.
    private static let chineseChannels = ["wechat", "wechat", "wechat", "wechat", "wechat", "phone", "phone", "sms", "email", "in_person"]
    private static let otherChannels = ["email", "email", "email", "email", "email", "phone", "phone", "phone", "sms", "in_person"]
    private static let employees: [String: ClosedRange<Int>] = [
        "1-10": 1...10, "11-50": 11...50, "51-200": 51...200, "201-1000": 201...1000, "1000+": 1001...50_000,
    ]
}
