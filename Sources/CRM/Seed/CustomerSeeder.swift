import JSON
import SQLite

/// `crm-server seed --customers N`: realistic, deterministic demo customers (the same N gives the
/// same rows on the same day) with their activity, written in large transactions.
///
/// The work is split so both cores stay busy (``SeedPipeline``): one thread generates the rows,
/// derived metrics and scores included, while the writer stores them on compiled statements.
/// Into an empty database, the search index is built aside on a third thread and copied in at the
/// end, and the secondary indexes that the load would update out of order are dropped for the load
/// and built once at the end: building an index from sorted data is several times cheaper than
/// updating it per row. (Only when empty: a database in use keeps its indexes, and its unique
/// keys, throughout, and its customers are rescored with the new ones by ``CustomerScoring``.)
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
    /// Seeded customers joined over the two years before ``epoch``, in id order.
    static let history: Int64 = 730 * 86_400_000

    public init() {}

    /// Inserts `count` customers with their activity; returns how many customers were written.
    @discardableResult
    public func seed(_ writer: Writer, count: Int, settings: CRMSettings = CRMSettings(), now: Timestamp = .now()) throws -> Int {
        // Defined first: into an empty database their indexes are then built once, after the load.
        try writer.exclusive { try SeedFields.define($0, now: now) }
        let (offset, tuning, target) = try writer.exclusive { connection in
            let offset = try SeedStore.highestCustomerID(connection)
            return (offset, try LoadTuning(connection, bulk: offset == 0), connection.path)
        }
        let bulk = offset == 0
        var plan = SeedPipeline.Plan(count: count, offset: offset, scoresUpfront: bulk, settings: settings, now: now)
        if bulk, !target.isEmpty, target != ":memory:",
            let definition = try writer.exclusive({
                try SeedStore.searchTableDefinition($0)
            })
        {
            plan.search = (target + "-seed-search", definition)
        }
        let indexes = bulk ? try writer.exclusive { try SeedStore.dropIndexes($0) } : []
        let pipeline = SeedPipeline(plan)
        do {
            let written = try pipeline.load(writer)
            try writer.exclusive { sqlite in
                let connection = StoreConnection(sqlite)
                if !bulk {
                    try connection.transaction {
                        _ = try CustomerScoring.recompute(
                            connection, settings: settings, service: CustomerService(baseCurrency: settings.baseCurrency), now: now,
                            recordChanges: false)
                    }
                }
                try Self.build(indexes, sqlite)
                // Churn risk reads orders and feedback the load just wrote, through their indexes.
                try connection.transaction {
                    try CustomerScoring.bulkChurn(connection, settings: settings, now: now)
                }
                // The load wrote opportunities and their history directly, past the write hooks.
                try connection.transaction { try FunnelRollupStore.rebuild(connection, pipelineID: nil) }
                // And contacts with their metrics: every company's `metrics.account` from them.
                try connection.transaction { try AccountStore.rebuildAll(connection) }
            }
            try pipeline.copySearchIndex(writer)
            try writer.exclusive { try tuning.restore($0) }
            return written
        } catch {
            pipeline.stop()
            // Whatever was loaded stays usable: its indexes and settings come back.
            try? writer.exclusive { connection in
                try Self.build(indexes, connection)
                try tuning.restore(connection)
            }
            throw error
        }
    }

    /// Builds the dropped indexes. SQLite's sorter sorts in parallel only what overflows its
    /// memory, which is the page cache: a small cache and helper threads let the core the load
    /// no longer needs sort too (a quarter off the index builds of a million customers).
    private static func build(_ indexes: [String], _ connection: Connection) throws {
        guard !indexes.isEmpty else { return }
        let cacheSize = try connection.queryOne("PRAGMA cache_size")?.int64(0) ?? -2000
        try connection.execute("PRAGMA threads = 4")
        try connection.execute("PRAGMA cache_size = -16384")
        // The sorter spills to temp files only when temp storage is files: in memory it would
        // sort each index whole, on one core, in the heap.
        try connection.execute("PRAGMA temp_store = FILE")
        defer {
            try? connection.execute("PRAGMA threads = 0")
            try? connection.execute("PRAGMA cache_size = \(cacheSize)")
            try? connection.execute("PRAGMA temp_store = MEMORY")
        }
        try connection.transaction(.immediate) {
            for sql in indexes { try connection.execute(sql) }
        }
    }

    static let bulkTables = [
        "customers", "customer_tags", "orders", "interactions", "opportunities", "opportunity_stage_history", "tickets", "ticket_comments",
        "feedback", "tasks", "loyalty_ledger",
    ]

    /// Columns whose index entries a load adds cheaply: parents' ids and customers' creation
    /// times and external ids, which it writes in increasing order, and columns with a handful
    /// of values, whose entries each join the end of their value's run (ids rise), so the index
    /// grows at a few hot pages. An index keyed on these alone stays during the load; building it
    /// afterwards would cost a full scan of its table.
    static let cheapIndexColumns: Set = [
        "id", "customer_id", "opportunity_id", "ticket_id", "created_at", "updated_at", "external_id", "owner", "industry", "country",
        "region",
        "city", "lifecycle_stage", "tier", "source", "churn_score", "status", "priority", "assignee", "pipeline_id", "stage",
    ]

    /// A customer's field values.
    static func customer(number: Int, random: inout SeedRandom) -> [String: SQLValue] {
        var values = [String: SQLValue](minimumCapacity: 32)
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
            values["company"] = .text(DemoCompanies.chinese(number))
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
            values["company"] = .text(DemoCompanies.english(number))
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
        // Zero-padded, so external ids sort in creation order too.
        let digits = String(number)
        values["external_id"] = .text("seed-" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits)
        return values
    }
}

/// A seed that cannot go on.
public struct SeedError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
