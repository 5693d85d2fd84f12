import JSON
import SQLite

/// The sync feed (API.md §2, "changes"): every committed create, update and delete of business
/// data, in commit order, each with the record as the change left it.
///
/// `seq` is the `changes` rowid, taken by the single writer inside the write's own transaction,
/// so a reader never sees seq 11 while 10 is still to come, and a rolled-back write leaves no
/// hole: a consumer that stores `next_after` misses nothing and sees nothing twice.
///
///     let page = try database.read { try ChangeFeed.page($0, ChangeFeed.Query(after: 10, types: ["customer"], limit: 50)) }
public enum ChangeFeed {
    /// The resources whose changes the feed carries, as `types` names them.
    public static let resourceTypes = [
        "customer", "order", "interaction", "opportunity", "pipeline", "ticket", "feedback", "segment", "task",
    ]

    public struct Query: Sendable, Hashable {
        /// Entries with a `seq` above this one.
        public let after: Int64
        /// Resource names to keep (sorted, without repeats); empty keeps every entry.
        public let types: [String]
        public let limit: Int

        public init(after: Int64, types: [String], limit: Int) {
            self.after = after
            self.types = Array(Set(types)).sorted()
            self.limit = limit
        }

        /// Whether a change to a record of `recordType` belongs in this query's answer.
        public func matches(recordType: String) -> Bool {
            types.isEmpty || types.contains(recordType)
        }
    }

    public struct Entry: Sendable {
        public let seq: Int64
        /// `customer.created`, `ticket.updated`, `opportunity.stage_changed`, …
        public let type: String
        public let recordID: Int64
        public let occurredAt: String
        /// The record's JSON as the change left it; nil when the change deleted it.
        public let data: [UInt8]?

        public init(seq: Int64, type: String, recordID: Int64, occurredAt: String, data: [UInt8]?) {
            self.seq = seq
            self.type = type
            self.recordID = recordID
            self.occurredAt = occurredAt
            self.data = data
        }
    }

    public struct Page: Sendable {
        public let entries: [Entry]
        public let hasMore: Bool
        /// What the consumer passes as `after` next: the last entry's seq, or the query's own
        /// `after` when the page is empty.
        public let nextAfter: Int64

        public init(entries: [Entry], hasMore: Bool, nextAfter: Int64) {
            self.entries = entries
            self.hasMore = hasMore
            self.nextAfter = nextAfter
        }
    }

    /// The entries after `query.after`, oldest first, at most `query.limit`.
    ///
    /// An `after` past the newest seq is refused (`400` naming `after`): this feed never gave it,
    /// since seqs only grow and none is ever removed, so it comes from another database or from
    /// before a restore of this one. Kept as the position, it would make the consumer skip every
    /// change up to it without a word.
    public static func page(_ connection: StoreConnection, _ query: Query) throws -> Page {
        var entries = try ChangeLogStore.entries(connection, after: query.after, types: query.types, limit: query.limit + 1)
        if entries.isEmpty, query.after > 0 {
            let last = try ChangeLogStore.lastSeq(connection)
            if query.after > last {
                throw CRMError.invalidParameter(
                    name: "after",
                    message:
                        "after is past the newest change (seq \(last)): this feed never gave that position, so it belongs to "
                        + "another database or to one restored from an older backup; read again from 0, or from a full export")
            }
        }
        let hasMore = entries.count > query.limit
        if hasMore { entries.removeLast(entries.count - query.limit) }
        return Page(entries: entries, hasMore: hasMore, nextAfter: entries.last?.seq ?? query.after)
    }

    /// What committed after `seq`: the newest seq and the resources changed. The writer asks
    /// this after each commit to wake the long-polls those changes answer.
    public static func committed(_ connection: StoreConnection, after seq: Int64) throws -> (last: Int64, recordTypes: Set<String>) {
        try ChangeLogStore.committed(connection, after: seq)
    }

    /// The newest seq, or 0 for an empty feed.
    public static func lastSeq(_ connection: StoreConnection) throws -> Int64 {
        try ChangeLogStore.lastSeq(connection)
    }
}
