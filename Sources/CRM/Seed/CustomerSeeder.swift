import Dispatch
import SQLite
import Synchronization

/// `crm-server seed --customers N`: realistic, deterministic demo customers (the same N gives the
/// same rows on the same day) with their activity, written in large transactions.
///
/// One thread generates the rows, derived metrics included (``ActivitySummary``), while the
/// writer stores the previous batch on compiled statements. Into an empty database, secondary
/// indexes are dropped for the load and built once at the end, after scoring: building an index
/// from sorted data is several times cheaper than updating it per row. (Only when empty: a
/// database in use keeps its indexes, and its unique keys, throughout.)
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

    /// Inserts `count` customers with their activity, then scores everyone; returns how many
    /// customers were written.
    @discardableResult
    public func seed(_ writer: Writer, count: Int, settings: CRMSettings = CRMSettings(), now: Timestamp = .now()) throws -> Int {
        let (offset, tuning, target) = try writer.exclusive { connection in
            (
                try connection.queryOne("SELECT coalesce(max(id), 0) FROM customers")?.int(0) ?? 0, try LoadTuning(connection),
                connection.path
            )
        }
        let bulk = offset == 0
        let indexes = bulk ? try writer.exclusive { try Self.dropIndexes($0) } : []
        // Into an empty file database, the search index is built aside on the generating thread.
        var search: (path: String, definition: String)?
        if bulk, !target.isEmpty, target != ":memory:",
            let definition = try writer.exclusive({
                try $0.queryOne("SELECT sql FROM sqlite_master WHERE name = 'customers_fts'")?.string(0)
            })
        {
            search = (target + "-seed-search", definition)
        }
        do {
            let written = try load(writer, count: count, offset: offset, search: search, settings: settings, now: now)
            try writer.exclusive { connection in
                // Scoring before the indexes exist: its updates then maintain none.
                try connection.transaction(.immediate) {
                    _ = try CustomerScoring.recompute(
                        connection, settings: settings, service: CustomerService(baseCurrency: settings.baseCurrency), now: now,
                        recordChanges: false)
                }
                try Self.finish(connection, indexes: indexes, tuning: tuning)
            }
            return written
        } catch {
            // Whatever was loaded stays usable: its indexes and settings come back.
            try? writer.exclusive { try Self.finish($0, indexes: indexes, tuning: tuning) }
            throw error
        }
    }

    /// One customer as generated: its row, derived columns and activity.
    struct Generated: Sendable {
        let customer: PreparedCustomer
        let derived: [SQLValue]
        let activity: [SeedRow]
    }

    /// Generates on a second thread while the writer stores; with `search`, that thread also
    /// builds the search index, which is copied in at the end.
    private func load(
        _ writer: Writer, count: Int, offset: Int, search: (path: String, definition: String)?, settings: CRMSettings, now: Timestamp
    ) throws -> Int {
        // nil: the generating thread stopped on an error (in `failure`).
        let channel = BatchChannel<[Generated]?>(depth: 1)
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchGroup()
        done.enter()
        DispatchQueue.global().async {
            defer { done.leave() }
            do {
                try Self.generate(count: count, offset: offset, search: search, settings: settings, now: now, into: channel)
            } catch {
                failure.withLock { $0 = error }
                channel.send(nil)
            }
            if let search, failure.withLock({ $0 != nil }) { SearchIndexBuilder.remove(search.path) }
        }
        defer {
            channel.close()
            done.wait()
        }
        var written = 0
        while written < count {
            guard let batch = channel.receive() else { throw failure.withLock { $0 } ?? SeedError(message: "seed generation stopped") }
            let first = Int64(offset + written + 1)
            try writer.exclusive { connection in
                try connection.transaction(.immediate) {
                    let customers = try CustomerStore.BulkInserter(
                        connection, derivedColumns: ActivitySummary.columns, writesSearchDocument: search == nil)
                    let rows = try SeedRowWriter(connection)
                    for (index, item) in batch.enumerated() {
                        let id = try customers.insert(item.customer, derived: item.derived)
                        // The search index built aside assumed these ids.
                        guard id == first + Int64(index) else {
                            throw SeedError(message: "customers were added by someone else during the seed")
                        }
                        for row in item.activity { try rows.write(row, customer: id) }
                    }
                }
            }
            written += batch.count
        }
        if let search {
            done.wait()
            if let error = failure.withLock({ $0 }) { throw error }
            try writer.exclusive { connection in
                defer { SearchIndexBuilder.remove(search.path) }
                try SearchIndexBuilder.copy(from: search.path, into: connection.path)
            }
        }
        return written
    }

    /// The generating thread: batches of customers for the writer, and their search documents
    /// for the index built aside.
    private static func generate(
        count: Int, offset: Int, search: (path: String, definition: String)?, settings: CRMSettings, now: Timestamp,
        into channel: BatchChannel<[Generated]?>
    ) throws {
        let index = try search.map { try SearchIndexBuilder(path: $0.path, definition: $0.definition) }
        var random = SeedRandom(seed: 20_261_124)
        var activity = ActivitySeeder()
        let epoch = Self.epoch
        let yearAgo = now.adding(milliseconds: -365 * ActivitySeeder.day)
        var generated = 0
        while generated < count {
            let size = min(Self.transactionSize, count - generated)
            var batch: [Generated] = []
            batch.reserveCapacity(size)
            for number in (offset + generated + 1)...(offset + generated + size) {
                let (values, created) = Self.customer(number: number, random: &random)
                let (rows, summary) = activity.generate(epoch: epoch, yearAgo: yearAgo)
                batch.append(
                    Generated(
                        customer: CustomerStore.prepare(values, now: created), derived: summary.values(settings: settings, now: now),
                        activity: rows))
            }
            guard channel.send(batch) else { return }
            try index?.add(batch.map(\.customer.document), first: Int64(offset + generated + 1))
            generated += size
        }
        try index?.finish()
    }

    /// Rebuilds dropped indexes and restores the connection's settings.
    private static func finish(_ connection: Connection, indexes: [String], tuning: LoadTuning) throws {
        try connection.transaction(.immediate) {
            for sql in indexes { try connection.execute(sql) }
        }
        try tuning.restore(connection)
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

    /// A customer's field values and creation time.
    static func customer(number: Int, random: inout SeedRandom) -> (values: [String: SQLValue], created: Timestamp) {
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
        return (values, created)
    }
}

/// A seed that cannot go on.
public struct SeedError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
