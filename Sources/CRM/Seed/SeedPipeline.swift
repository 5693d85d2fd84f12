import Dispatch
import Foundation
import SQLite
import Synchronization

/// The threads of a seed: a generator, the writer, and (into an empty database) a search index
/// builder.
///
///     generator ──batches──▶ writer (customers and activity, then the indexes)
///         └────documents──▶ search index builder (a scratch database, copied in at the end)
///
/// The builder may fall behind the writer: it catches up while the writer builds the indexes,
/// which keeps both cores busy to the end. A failure on any thread stops the others.
final class SeedPipeline: Sendable {
    struct Plan: Sendable {
        let count: Int
        /// Customers already in the database: the first new one gets id `offset + 1`.
        let offset: Int
        /// Whether the load is the whole population, so its RFM scores can be computed before
        /// writing (``SeedScores``); otherwise ``CustomerScoring`` rescores everyone afterwards.
        let scoresUpfront: Bool
        let settings: CRMSettings
        let now: Timestamp
        /// Where and how to build the search index aside; nil writes it with each customer.
        var search: (path: String, definition: String)?
    }

    /// One customer as generated: its row, derived columns and activity.
    struct Generated: Sendable {
        let customer: PreparedCustomer
        let derived: [SQLValue]
        let activity: [SeedRow]
    }

    private let plan: Plan
    /// Closed at the end of the work, or by a failure (in `failure`).
    private let batches = BatchChannel<[Generated]>(depth: 1)
    /// Deep enough for every batch of a million customers: the builder may fall far behind.
    private let documents = BatchChannel<[String]>(depth: 64)
    private let failure = Mutex<(any Error)?>(nil)
    private let threads = DispatchGroup()
    private let disposal = DispatchQueue(label: "seed.disposal")

    init(_ plan: Plan) {
        self.plan = plan
    }

    /// Starts the other threads and writes every batch; returns how many customers were written.
    func load(_ writer: Writer) throws -> Int {
        start { try self.generate() }
        if let search = plan.search { start { try self.buildSearchIndex(search) } }
        let derivedColumns = ActivitySummary.columns + (plan.scoresUpfront ? SeedScores.columns : [])
        let writesSearchDocument = plan.search == nil
        var written = 0
        while written < plan.count {
            guard let batch = batches.receive() else { throw failure.withLock { $0 } ?? SeedError(message: "seed generation stopped") }
            let first = Int64(plan.offset + written + 1)
            try writer.exclusive { connection in
                try connection.transaction(.immediate) {
                    let customers = try CustomerStore.BulkInserter(
                        connection, derivedColumns: derivedColumns, writesSearchDocument: writesSearchDocument)
                    let rows = try SeedRowWriter(connection)
                    for (index, item) in batch.enumerated() {
                        let id = try customers.insert(item.customer, derived: item.derived)
                        // Scores, and the search index built aside, assumed these ids.
                        guard id == first + Int64(index) else {
                            throw SeedError(message: "customers were added by someone else during the seed")
                        }
                        for row in item.activity { try rows.write(row, customer: id) }
                    }
                }
            }
            written += batch.count
            // Freeing a batch's million small values takes a while: on another thread, while
            // the writer stores the next one.
            disposal.async { _ = batch }
        }
        return written
    }

    /// Waits for the search index and copies it in; nothing to do when it was written in place.
    func copySearchIndex(_ writer: Writer) throws {
        threads.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        guard let search = plan.search else { return }
        try writer.exclusive { connection in
            defer { SearchIndexBuilder.remove(search.path) }
            try SearchIndexBuilder.copy(from: search.path, into: connection.path)
        }
    }

    /// Stops the other threads after a failure and waits for them.
    func stop() {
        batches.close(discardingQueued: true)
        documents.close(discardingQueued: true)
        threads.wait()
        if let search = plan.search { SearchIndexBuilder.remove(search.path) }
    }

    /// Runs `body` on a thread of its own; a failure stops the other threads.
    private func start(_ body: @escaping @Sendable () throws -> Void) {
        threads.enter()
        let thread = Thread {
            defer { self.threads.leave() }
            do {
                try body()
            } catch {
                self.failure.withLock { $0 = $0 ?? error }
                self.batches.close(discardingQueued: true)
                self.documents.close(discardingQueued: true)
            }
        }
        thread.start()
    }

    private func generate() throws {
        let epoch = CustomerSeeder.epoch
        let yearAgo = plan.now.adding(milliseconds: -365 * ActivitySeeder.day)
        let numbers = (plan.offset + 1)...(plan.offset + plan.count)
        let scores = plan.scoresUpfront ? scoreEveryone(numbers, epoch: epoch, yearAgo: yearAgo) : nil
        // Creation times rise with ids across the history, each at a random point of its slot.
        let slot = max(1, CustomerSeeder.history / Int64(plan.count))
        var random = SeedRandom(seed: 20_261_124)
        var activity = ActivitySeeder()
        var duplicates = SeedDuplicates()
        var accounts = SeedAccounts()
        var fields = SeedFields(epoch: epoch)
        var batch: [Generated] = []
        for (index, number) in numbers.enumerated() {
            var values = CustomerSeeder.customer(number: number, random: &random)
            // A planted duplicate keeps the company it copied, so it stays findable as one.
            if !duplicates.process(&values, random: &random) { accounts.process(&values, number: number, random: &random) }
            let created = epoch.adding(milliseconds: -CustomerSeeder.history + Int64(index) * slot + Int64(random.int(0...Int(slot - 1))))
            guard case .text(let owner)? = values["owner"] else { throw SeedError(message: "a seeded customer has no owner") }
            let (rows, summary) = activity.generate(customer: number, owner: owner, epoch: epoch, yearAgo: yearAgo)
            fields.fill(&values, paidOrders: summary.paidOrders)
            var derived = summary.values(settings: plan.settings, now: plan.now)
            if let scores {
                let (columns, tier) = scores.values(at: index)
                derived += columns
                values["__tier"] = .text(tier)
            }
            batch.append(Generated(customer: CustomerStore.prepare(values, now: created), derived: derived, activity: rows))
            if batch.count == CustomerSeeder.transactionSize || index == plan.count - 1 {
                let documents = plan.search == nil ? nil : batch.map(\.customer.document)
                guard batches.send(batch) else { return }
                if let documents, !self.documents.send(documents) { return }
                batch.removeAll(keepingCapacity: true)
            }
        }
        documents.close()
    }

    /// Every new customer's scores, from their planned orders alone.
    private func scoreEveryone(_ numbers: ClosedRange<Int>, epoch: Timestamp, yearAgo: Timestamp) -> SeedScores {
        SeedScores(
            numbers.map { number in
                var summary = ActivitySummary()
                for order in ActivitySeeder.plannedOrders(customer: number, epoch: epoch) where order.status == "paid" {
                    summary.addPaidOrder(amount: order.amount, at: order.ordered, yearAgo: yearAgo)
                }
                return summary.scoring(now: plan.now)
            })
    }

    private func buildSearchIndex(_ search: (path: String, definition: String)) throws {
        // During the load the generator and the writer keep both cores busy: the builder takes
        // only the time they leave (the lowest priority), and catches up while the writer builds
        // the other indexes.
        // (On Linux a nice value belongs to the thread: this one, started for this alone.)
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        let index = try SearchIndexBuilder(path: search.path, definition: search.definition)
        var first = Int64(plan.offset + 1)
        while let batch = documents.receive() {
            try index.add(batch, first: first)
            first += Int64(batch.count)
        }
        try index.finish()
    }
}
