import SQLite
import Synchronization

/// Which bounded plan last found a rule-tree page (``CustomerStore``'s `boundedPage`), per query:
/// the same tree with the same values is asked again and again (a segment's pages, a saved
/// search a frontend polls), and a tree the first plan cannot serve pays that plan's whole
/// budget each time before the plan that can. With the winner remembered, that plan goes
/// first; when it runs out of budget the plans run in their usual order again.
///
/// A planner's memo, not a cache of results: it holds no rows, and a wrong guess costs one budget.
final class RulePlanMemo: Sendable {
    /// The most queries remembered; past it the memo starts again (one tree's page at a time is
    /// the common case, so an eviction order would buy nothing).
    static let capacity = 512

    private let winners = Mutex<[Key: Int]>([:])

    struct Key: Hashable, Sendable {
        let sql: String
        let bindings: [SQLValue]
    }

    /// The index of the plan that served `key` last, if it is remembered.
    func winner(_ key: Key) -> Int? {
        winners.withLock { $0[key] }
    }

    /// Remembers that plan `index` served `key`.
    func remember(_ key: Key, plan index: Int) {
        winners.withLock { winners in
            guard winners[key] != index else { return }
            if winners.count >= Self.capacity, winners[key] == nil { winners.removeAll(keepingCapacity: true) }
            winners[key] = index
        }
    }

    /// Forgets `key`: no bounded plan served it this time, so none goes first next time.
    func forget(_ key: Key) {
        winners.withLock { _ = $0.removeValue(forKey: key) }
    }
}
