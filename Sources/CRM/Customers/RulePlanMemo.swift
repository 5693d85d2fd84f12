import SQLite
import Synchronization

/// What the two bounded plans of a rule-tree page (``CustomerStore``'s `boundedPage`: the
/// planner's plan, then the walk in id order) cost the last time the same tree was asked, per
/// query: the same tree with the same values is asked again and again (a segment's pages, a saved
/// search a frontend polls), and a tree the first plan cannot serve pays that plan's whole
/// budget each time before the plan that can.
///
/// The plan that served goes first next time, with what it cost — except a walk that cost more
/// than the planner has been seen to fail within: then the planner is tried once more, with the
/// walk's cost as its budget. Either it finds the page sooner (a narrow tree whose plan takes a
/// little over its first budget, which would otherwise be walked ever after at twice its cost),
/// or it fails within that and the walk goes first from then on, its cost known to be the lower.
/// The planner's plan, having served, is given twice its last cost (at least its own budget, at
/// most the walk's), so a plan that takes a little over its first budget is not dropped for a
/// slower one by the clock's noise; the walk always has its own.
///
/// A planner's memo, not a cache of results: it holds no rows, and a wrong guess costs one budget.
final class RulePlanMemo: Sendable {
    /// The most queries remembered; past it the memo starts again (one tree's page at a time is
    /// the common case, so an eviction order would buy nothing).
    static let capacity = 512

    /// The planner's plan and the walk, as `boundedPage` numbers them.
    static let planner = 0
    static let walk = 1

    private let entries = Mutex<[Key: Entry]>([:])

    struct Key: Hashable, Sendable {
        let sql: String
        let bindings: [SQLValue]
    }

    /// What one query's plans cost last time.
    struct Entry: Hashable, Sendable {
        /// The plan that served it.
        var winner: Int
        /// The CPU time that plan took.
        var cost: Duration
        /// The most CPU time the planner's plan was given without finishing, since the walk first
        /// served this query; nil while the planner's plan has not failed it.
        var plannerFailedWithin: Duration?
    }

    /// The plans to try for a query, in order, each with its budget of CPU time: `entry` is what
    /// is known of it, `planned` and `walked` the plans' own budgets.
    static func schedule(_ entry: Entry?, planned: Duration, walked: Duration) -> [(plan: Int, budget: Duration)] {
        guard let entry else { return [(planner, planned), (walk, walked)] }
        if entry.winner == planner {
            return [(planner, min(walked, max(planned, entry.cost * 2))), (walk, walked)]
        }
        if let failed = entry.plannerFailedWithin, failed >= entry.cost {
            return [(walk, walked), (planner, planned)]
        }
        return [(planner, min(walked, max(planned, entry.cost))), (walk, walked)]
    }

    /// What to remember after `plan` served a query in `cost` of CPU time, the planner's plan
    /// having run out of `plannerFailedWithin` on the way (nil if it was not tried or not
    /// before this plan), given the `previous` entry.
    static func served(
        by plan: Int, cost: Duration, plannerFailedWithin failed: Duration?, previous: Entry?
    ) -> Entry {
        guard plan == walk else { return Entry(winner: planner, cost: cost, plannerFailedWithin: nil) }
        let known = previous?.winner == walk ? previous?.plannerFailedWithin : nil
        let most = [known, failed].compactMap { $0 }.max()
        return Entry(winner: walk, cost: cost, plannerFailedWithin: most)
    }

    /// What is known of `key`, if it is remembered.
    func entry(_ key: Key) -> Entry? {
        entries.withLock { $0[key] }
    }

    /// Remembers `entry` for `key`.
    func remember(_ key: Key, _ entry: Entry) {
        entries.withLock { entries in
            guard entries[key] != entry else { return }
            if entries.count >= Self.capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
    }

    /// Forgets `key`: no bounded plan served it this time, so none goes first next time.
    func forget(_ key: Key) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }
}
