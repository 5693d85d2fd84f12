import CRM
import HTTP
import JSON

/// A list that belongs to one record (a ticket's comments, an opportunity's history): the list
/// envelope, `limit`, and a signed cursor holding the last entry id, bound to the parent.
enum SubList {
    /// - Parameter page: the parent's entries after the given id, at most the given count,
    ///   rendered; nil when the parent does not exist or is deleted (a `404`).
    static func response(
        _ request: APIRequest, database: Database, cursors: CursorCodec, scope: String,
        page: @escaping (StoreConnection, _ parentID: Int64, _ afterID: Int64, _ limit: Int) throws -> [RenderedEntry]?
    ) throws -> Response {
        let id = try request.idParameter()
        let query = try QueryParameters(request.http, allowed: ["limit", "cursor"])
        let limit = try query.limit()
        let boundScope = "\(scope)/\(id)"
        var afterID: Int64 = 0
        if let cursor = query["cursor"] {
            guard case .int(let position) = try cursors.decode(cursor, scope: boundScope) else {
                throw APIError.badRequest("the cursor is invalid", field: "cursor")
            }
            afterID = position
        }
        guard let entries = try database.read({ try page($0, id, afterID, limit + 1) }) else {
            throw APIError.notFound("no such record \(id)")
        }
        let shown = Array(entries.prefix(limit))
        let next = entries.count > limit ? shown.last.map { cursors.encode(.int($0.id), scope: boundScope) } : nil
        return JSONResponse.list(shown, nextCursor: next) { writer, entry in writer.rawJSON(entry.json) }
    }
}
