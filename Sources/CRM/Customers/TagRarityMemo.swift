import Synchronization

/// Whether the tags of a `tag=` filter were found rare, per set of tags, for a minute
/// (``CustomerStore``'s `plannedTags`): the count that decides it reads up to
/// ``CustomerStore/rareTagRows`` index entries, twice what the page of a common tag costs, and a
/// list is asked for again and again (a frontend's filter, the next page). Tags change holders
/// slowly, and a stale answer only picks the slower of two right plans until it is counted again.
///
/// A planner's memo, not a cache of results: it holds no rows.
final class TagRarityMemo: Sendable {
    static let capacity = 512
    /// How long an answer is used before the tags are counted again.
    static let lifetime: Duration = .seconds(60)

    private let answers = Mutex<[[String]: (rare: Bool, at: ContinuousClock.Instant)]>([:])

    /// The remembered answer for `tags`, unless it is older than ``lifetime``.
    func rare(_ tags: [String], now: ContinuousClock.Instant = .now) -> Bool? {
        answers.withLock { answers in
            guard let answer = answers[tags], now - answer.at < Self.lifetime else { return nil }
            return answer.rare
        }
    }

    func remember(_ tags: [String], rare: Bool, now: ContinuousClock.Instant = .now) {
        answers.withLock { answers in
            if answers.count >= Self.capacity, answers[tags] == nil { answers.removeAll(keepingCapacity: true) }
            answers[tags] = (rare, now)
        }
    }

    /// Forgets every answer (a test that counts on a fresh decision; one process serves one
    /// database, so nothing else needs it).
    func forgetAll() {
        answers.withLock { $0.removeAll() }
    }
}
