import CRM
import Foundation

/// The long-polls of `GET /v1/changes?wait=`: parked until a commit they care about, or until
/// their time is up.
///
/// A parked request is only an entry here: it holds no thread and no database connection, so a
/// thousand waiting consumers cost a thousand small records, not a thousand threads. The
/// database writer reports each commit (``committed(through:recordTypes:)``); the waiters whose
/// types it touched are re-read and answered by one thread of this type, which owns its own
/// database reader. Consumers waiting for the same page share one read.
///
///     let seen = waiters.committedSeq            // before reading
///     let page = try database.read { try ChangeFeed.page($0, query) }
///     if page.entries.isEmpty, waiters.park(query, seconds: 30, seenUpTo: seen, answer: reply) { return }
final class ChangeFeedWaiters: Sendable {
    typealias Answer = @Sendable (Result<ChangeFeed.Page, any Error>) -> Void

    private struct Waiter {
        let query: ChangeFeed.Query
        let deadline: Date
        let answer: Answer
    }

    private final class State: @unchecked Sendable {
        // @unchecked Sendable: every field is only touched with `condition` locked.
        let condition = NSCondition()
        var parked: [Int: Waiter] = [:]
        /// Waiters to read again now: a matching commit arrived, or a commit raced their first
        /// read. `final` ones are answered whatever the read finds (deadline or shutdown).
        var due: [(waiter: Waiter, final: Bool)] = []
        var nextTicket = 0
        /// The newest seq the writer has reported as committed.
        var committed: Int64
        var stopped = false
        var finished = false

        init(committed: Int64) { self.committed = committed }
    }

    private let state: State
    private let read: @Sendable (ChangeFeed.Query) throws -> ChangeFeed.Page

    /// - Parameters:
    ///   - lastSeq: the newest seq in the database at start.
    ///   - threadStarted: run first on the answering thread (the application gives it a reader).
    ///   - read: one page of the feed, on that thread.
    init(
        lastSeq: Int64, threadStarted: @escaping @Sendable () -> Void,
        read: @escaping @Sendable (ChangeFeed.Query) throws -> ChangeFeed.Page
    ) {
        state = State(committed: lastSeq)
        self.read = read
        let thread = Thread { [state, read] in
            threadStarted()
            Self.serve(state, read: read)
        }
        thread.name = "change-feed-waiters"
        thread.start()
    }

    /// The newest seq known to be committed; read it *before* a request's own feed read, and
    /// hand it to ``park(_:seconds:seenUpTo:answer:)``.
    var committedSeq: Int64 {
        state.condition.lock()
        defer { state.condition.unlock() }
        return state.committed
    }

    /// Requests parked or being answered (a metrics gauge).
    var count: Int {
        state.condition.lock()
        defer { state.condition.unlock() }
        return state.parked.count + state.due.count
    }

    /// Whether nobody waits: the writer then needs only the newest seq, not what changed.
    var isIdle: Bool { count == 0 }

    /// Parks a request whose first read found nothing. `seenUpTo` is ``committedSeq`` as it was
    /// before that read: if a commit has been reported since, the read may have missed it, so
    /// the request is read again at once instead of waiting. False after ``stop()``: answer
    /// with the page already read.
    func park(_ query: ChangeFeed.Query, seconds: Double, seenUpTo: Int64, answer: @escaping Answer) -> Bool {
        let waiter = Waiter(query: query, deadline: Date(timeIntervalSinceNow: seconds), answer: answer)
        state.condition.lock()
        defer { state.condition.unlock() }
        guard !state.stopped else { return false }
        Self.place(waiter, seenUpTo: seenUpTo, in: state)
        return true
    }

    /// Called by the database writer after a commit: the feed now runs to `last`, and
    /// `recordTypes` are the resources the commit changed (nil: not known, so every waiter behind
    /// `last` is read again).
    func committed(through last: Int64, recordTypes: Set<String>?) {
        state.condition.lock()
        defer { state.condition.unlock() }
        guard last > state.committed else { return }
        state.committed = last
        guard !state.parked.isEmpty else { return }
        var woken = false
        for (ticket, waiter) in state.parked
        where waiter.query.after < last && (recordTypes?.contains(where: waiter.query.matches(recordType:)) ?? true) {
            state.parked[ticket] = nil
            state.due.append((waiter, false))
            woken = true
        }
        if woken { state.condition.signal() }
    }

    /// Answers every waiter with what the feed holds now and refuses new ones; returns when all
    /// are answered, so the database can close after it.
    func stop() {
        state.condition.lock()
        state.stopped = true
        state.condition.signal()
        while !state.finished { state.condition.wait() }
        state.condition.unlock()
    }

    /// Must be called with the lock held.
    private static func place(_ waiter: Waiter, seenUpTo: Int64, in state: State) {
        if state.committed > seenUpTo {
            state.due.append((waiter, false))
        } else {
            state.parked[state.nextTicket] = waiter
            state.nextTicket &+= 1
        }
        // Either way the answering thread looks again: at what is due, or at a nearer deadline.
        state.condition.signal()
    }

    /// The answering thread: waits for due waiters or the next deadline, reads, answers or
    /// parks again.
    private static func serve(_ state: State, read: @Sendable (ChangeFeed.Query) throws -> ChangeFeed.Page) {
        state.condition.lock()
        while true {
            let now = Date()
            for (ticket, waiter) in state.parked where state.stopped || waiter.deadline <= now {
                state.parked[ticket] = nil
                state.due.append((waiter, true))
            }
            if state.due.isEmpty {
                if state.stopped { break }
                if let next = state.parked.values.map(\.deadline).min() {
                    _ = state.condition.wait(until: next)
                } else {
                    state.condition.wait()
                }
                continue
            }
            let batch = state.due
            state.due = []
            let seen = state.committed
            state.condition.unlock()

            // One read per distinct query in this round: waiters at the same position share it.
            var pages: [ChangeFeed.Query: Result<ChangeFeed.Page, any Error>] = [:]
            var again: [Waiter] = []
            for (waiter, final) in batch {
                let result: Result<ChangeFeed.Page, any Error>
                if let known = pages[waiter.query] {
                    result = known
                } else {
                    result = Result { try read(waiter.query) }
                    pages[waiter.query] = result
                }
                if case .success(let page) = result, page.entries.isEmpty, !final {
                    again.append(waiter)
                } else {
                    waiter.answer(result)
                }
            }

            state.condition.lock()
            for waiter in again { place(waiter, seenUpTo: seen, in: state) }
        }
        state.finished = true
        state.condition.broadcast()
        state.condition.unlock()
    }
}
