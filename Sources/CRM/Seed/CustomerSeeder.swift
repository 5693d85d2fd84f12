import SQLite

/// `crm-server seed --customers N`: realistic, deterministic demo customers (the same N gives the
/// same rows on the same day), written in large transactions straight through ``CustomerStore``.
///
/// Seeded rows are demo data: they get no change-feed or audit entries.
public struct CustomerSeeder: Sendable {
    /// The start of the current UTC day: seeded times lie before it, so the data is realistic
    /// today (recent orders, open tickets) and identical for every run on the same day.
    public static var epoch: Timestamp {
        let day: Int64 = 86_400_000
        return Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch / day * day)
    }
    static let transactionSize = 20_000

    public init() {}

    /// Inserts `count` customers with their activity (see ``ActivitySeeder``), derives their
    /// metrics, then scores everyone; returns how many customers were written.
    @discardableResult
    public func seed(_ writer: Writer, count: Int, settings: CRMSettings = CRMSettings(), now: Timestamp = .now()) throws -> Int {
        var written = 0
        var random = SeedRandom(seed: 20_261_124)
        var activity = ActivitySeeder()
        let offset = try writer.exclusive { connection in
            // A bulk load: a large page cache keeps the indexes in memory instead of re-reading them.
            try connection.execute("PRAGMA cache_size = -262144")
            return try connection.queryOne("SELECT coalesce(max(id), 0) FROM customers")?.int(0) ?? 0
        }
        // Into an empty database, indexes are dropped for the load and built once at the end:
        // building an index from sorted data is several times cheaper than updating it per row.
        // (Only when empty: a database in use keeps its indexes, and its unique keys, throughout.)
        let bulk = offset == 0
        let indexes = bulk ? try writer.exclusive { try Self.dropIndexes($0) } : []
        while written < count {
            let size = min(Self.transactionSize, count - written)
            var batch: [[String: SQLValue]] = []
            batch.reserveCapacity(size)
            for index in 0..<size { batch.append(Self.customer(number: offset + written + index + 1, random: &random)) }
            let rows = batch
            let seeder = activity
            activity = try writer.exclusive { connection in
                var seeder = seeder
                try connection.transaction(.immediate) {
                    var first: Int64?
                    var last: Int64 = 0
                    for values in rows {
                        let created = Timestamp(rfc3339: values["__created"]?.textValue ?? "") ?? Self.epoch
                        var stored = values
                        stored["__created"] = nil
                        last = try CustomerStore.insert(connection, values: stored, now: created)
                        if first == nil { first = last }
                    }
                    if let first {
                        try seeder.seed(connection, customers: first, last)
                        if !bulk {
                            try ActivitySeeder.deriveMetrics(connection, customers: first, last, settings: settings, now: now)
                        }
                    }
                }
                return seeder
            }
            written += size
        }
        if bulk {
            let last = Int64(written)
            try writer.exclusive { connection in
                try connection.transaction(.immediate) {
                    for sql in indexes { try connection.execute(sql) }
                    try ActivitySeeder.deriveMetrics(connection, customers: 1, last, settings: settings, now: now)
                }
            }
        }
        let service = CustomerService(baseCurrency: settings.baseCurrency)
        try writer.exclusive { connection in
            try connection.transaction(.immediate) {
                _ = try CustomerScoring.recompute(connection, settings: settings, service: service, now: now, recordChanges: false)
            }
        }
        return written
    }

    static let bulkTables = [
        "customers", "customer_tags", "orders", "interactions", "opportunities", "opportunity_stage_history", "tickets", "ticket_comments",
        "feedback",
    ]

    /// Drops the secondary indexes of the seeded tables; returns the SQL that recreates them.
    static func dropIndexes(_ connection: Connection) throws -> [String] {
        let placeholders = bulkTables.map { _ in "?" }.joined(separator: ", ")
        let rows = try connection.query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(placeholders))",
            bulkTables.map(SQLValue.text))
        var recreate: [String] = []
        try connection.transaction(.immediate) {
            for row in rows {
                guard let name = row.string("name"), let sql = row.string("sql") else { continue }
                recreate.append(sql)
                try connection.execute("DROP INDEX \"\(name)\"")
            }
        }
        return recreate
    }

    static func customer(number: Int, random: inout SeedRandom) -> [String: SQLValue] {
        var values: [String: SQLValue] = [:]
        let chinese = random.chance(65)
        let isCompany = random.chance(25)
        var localPart: String
        if chinese {
            let surname = random.pick(DemoData.chineseSurnames)
            values["name"] = .text(surname + random.pick(DemoData.chineseGivenNames))
            localPart = DemoData.pinyin[surname] ?? "user"
            let place = random.pick(DemoData.chinesePlaces)
            values["country"] = .text("CN")
            values["region"] = .text(place.region)
            values["city"] = .text(random.pick(place.cities))
            values["company"] = .text(random.pick(DemoData.chineseCompanyPrefixes) + random.pick(DemoData.chineseCompanySuffixes))
            values["phone"] = .text("+86 1\(random.int(30...99)) \(random.int(1000...9999)) \(random.int(1000...9999))")
        } else {
            let first = random.pick(DemoData.englishFirstNames)
            let last = random.pick(DemoData.englishLastNames)
            values["name"] = .text("\(first) \(last)")
            localPart = "\(first).\(last)".lowercased()
            let place = random.pick(DemoData.otherPlaces)
            values["country"] = .text(place.country)
            values["region"] = .text(place.region)
            values["city"] = .text(random.pick(place.cities))
            values["company"] = .text("\(random.pick(DemoData.englishCompanyWords)) \(random.pick(DemoData.englishCompanySuffixes))")
            values["phone"] = .text("+1 \(random.int(200...989)) \(random.int(200...999)) \(random.int(1000...9999))")
        }
        if isCompany, case .text(let company)? = values["company"] {
            values["type"] = .text("company")
            values["name"] = .text(company)
            localPart = "info"
        } else {
            values["type"] = .text("person")
            values["title"] = .text(random.pick(DemoData.titles))
        }
        values["email"] = .text("\(localPart).\(number)@\(random.pick(DemoData.domains))")
        values["industry"] = .text(random.pick(DemoData.industries))
        values["company_size"] = .text(random.pick(CustomerSchema.companySizes))
        values["source"] = .text(random.pick(CustomerSchema.sources))
        values["owner"] = .text(random.pick(DemoData.owners))
        var tags: [String] = []
        for _ in 0..<random.int(0...3) {
            let tag = random.pick(DemoData.tags)
            if !tags.contains(tag) { tags.append(tag) }
        }
        values["tags"] = .text(JSONValue.array(tags.map(JSONValue.string)).jsonString)
        if random.chance(60) {
            values["birthday"] = .text(CalendarDate(daysSinceEpoch: Int64(random.int(-18_000 ... -7_000))).description)
        }
        values["marketing_opt_in"] = .integer(random.chance(55) ? 1 : 0)
        let attributes: JSONObject = [
            "segment": .string(random.pick(DemoData.segments)), "score": .int(Int64(random.int(0...100))),
            "newsletter": .bool(random.chance(40)),
        ]
        values["attributes"] = .text(JSONValue.object(attributes).jsonString)
        values["external_id"] = .text("seed-\(number)")
        let created = epoch.adding(milliseconds: -Int64(random.int(0...(730 * 86_400))) * 1000 - Int64(random.int(0...999)))
        values["__created"] = .text(created.rfc3339)
        return values
    }
}

extension SQLValue {
    fileprivate var textValue: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}
