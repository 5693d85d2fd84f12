import CRM
import HTTP
import JSON

/// A list that belongs to one record (a ticket's comments, an opportunity's history, a customer's
/// loyalty ledger): the list envelope, `limit`, and a signed cursor holding the last entry id,
/// bound to the parent.
enum SubList {
    /// Oldest first.
    /// - Parameter page: the parent's entries after the given id, at most the given count,
    ///   rendered; nil when the parent does not exist or is deleted (a `404`).
    static func response(
        _ request: APIRequest, database: Database, cursors: CursorCodec, scope: String,
        page: @escaping (StoreConnection, _ parentID: Int64, _ afterID: Int64, _ limit: Int) throws -> [RenderedEntry]?
    ) throws -> Response {
        try entries(request, database: database, cursors: cursors, scope: scope) { try page($0, $1, $2 ?? 0, $3) }
    }

    /// Newest first.
    /// - Parameter page: the parent's entries below the given id (from the newest when nil), at
    ///   most the given count, rendered; nil when the parent does not exist or is deleted (a `404`).
    static func newestFirst(
        _ request: APIRequest, database: Database, cursors: CursorCodec, scope: String,
        page: @escaping (StoreConnection, _ parentID: Int64, _ beforeID: Int64?, _ limit: Int) throws -> [RenderedEntry]?
    ) throws -> Response {
        try entries(request, database: database, cursors: cursors, scope: scope, page: page)
    }

    /// `page` gets the id of the previous page's last entry, nil on the first page.
    private static func entries(
        _ request: APIRequest, database: Database, cursors: CursorCodec, scope: String,
        page: @escaping (StoreConnection, _ parentID: Int64, _ lastID: Int64?, _ limit: Int) throws -> [RenderedEntry]?
    ) throws -> Response {
        let id = try request.idParameter()
        let query = try QueryParameters(request.http, allowed: ["limit", "cursor"])
        let limit = try query.limit()
        let boundScope = "\(scope)/\(id)"
        var lastID: Int64?
        if let cursor = query["cursor"] {
            guard case .int(let position) = try cursors.decode(cursor, scope: boundScope) else {
                throw APIError.badRequest("the cursor is invalid", field: "cursor")
            }
            lastID = position
        }
        guard let entries = try database.read({ try page($0, id, lastID, limit + 1) }) else {
            throw APIError.notFound("no such record \(id)")
        }
        let shown = Array(entries.prefix(limit))
        let next = entries.count > limit ? shown.last.map { cursors.encode(.int($0.id), scope: boundScope) } : nil
        return JSONResponse.list(shown, nextCursor: next) { writer, entry in writer.rawJSON(entry.json) }
    }
}
