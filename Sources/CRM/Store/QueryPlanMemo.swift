import SQLite
import Synchronization

/// One question about SQLite's plan for a list's statements, asked with `EXPLAIN QUERY PLAN` once
/// per statement shape and remembered: the values are bound, so every page of one shape — every
/// value of its filters, every cursor position with the same statements — shares the answer.
///
///     let sorts = QueryPlanMemo { plans in plans.contains { $0.contains { $0.contains("TEMP B-TREE FOR") } } }
///     if try sorts.answer(connection, query) { … }
///
/// The question sees one array of plan lines (`detail`) per statement of the page, in order.
/// Asked on a SQLite reader only; elsewhere (the writer, PostgreSQL) the answer is `false`.
final class QueryPlanMemo: Sendable {
    /// The most shapes remembered; past it the memo starts again (a list's shapes are few, and an
    /// eviction order would buy nothing).
    static let capacity = 512

    private let question: @Sendable ([[String]]) -> Bool
    private let answers = Mutex<[String: Bool]>([:])

    init(_ question: @escaping @Sendable ([[String]]) -> Bool) {
        self.question = question
    }

    func answer(_ connection: StoreConnection, _ query: ListQuery) throws -> Bool {
        guard connection.sqlite?.isReadOnly == true, let shape = query.parts.first?.sql else { return false }
        if let known = answers.withLock({ $0[shape] }) { return known }
        let plans = try query.parts.map { part in
            try connection.query("EXPLAIN QUERY PLAN " + part.sql, part.bindings + [.integer(Int64(query.limit + 1))])
                .compactMap { $0.string("detail") }
        }
        let answer = question(plans)
        answers.withLock { answers in
            if answers.count >= Self.capacity { answers.removeAll(keepingCapacity: true) }
            answers[shape] = answer
        }
        return answer
    }
}
