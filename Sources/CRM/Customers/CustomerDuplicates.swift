import JSON
import SQLite

/// Likely duplicate customers (API.md §2: `GET /v1/customers/duplicates`), for a person to
/// review and merge.
public enum CustomerDuplicates {
    public struct Group: Sendable {
        /// `email`, `name_company` or `phone`.
        public let reason: String
        /// The normalised value they share (`name | company` for name_company).
        public let key: String
        public let ids: [Int64]
    }

    /// Writes a page of groups `{"reason","key","customers":[…]}` into `writer`'s open array;
    /// returns the position after the page when more follow.
    public static func renderPage(
        _ connection: StoreConnection, after: (reason: String, key: String)?, limit: Int, customers: CustomerService,
        into writer: inout JSONWriter
    ) throws -> (reason: String, key: String)? {
        let groups = try CustomerDuplicateStore.groups(connection, after: after, limit: limit + 1)
        for group in groups.prefix(limit) {
            writer.beginObject()
            writer.key("reason")
            writer.string(group.reason)
            writer.key("key")
            writer.string(group.key)
            writer.key("customers")
            writer.beginArray()
            for id in group.ids {
                if let record = try customers.render(connection, id: id) { writer.rawJSON(record.json) }
            }
            writer.endArray()
            writer.endObject()
        }
        guard groups.count > limit, let last = groups.prefix(limit).last else { return nil }
        return (last.reason, last.key)
    }
}
