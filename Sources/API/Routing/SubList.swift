import CRM
import HTTP
import JSON
import SQLite

/// A list that belongs to one record (a ticket's comments, an opportunity's history): the list
/// envelope, `limit`, and a signed cursor holding the last entry id, bound to the parent.
enum SubList {
    /// - Parameters:
    ///   - parentTable: the parent's table; a missing or deleted parent is a 404.
    ///   - fetch: rows with entry id greater than the given one, at most the given count, by id.
    static func response(
        _ request: APIRequest, database: Database, cursors: CursorCodec, scope: String, parentTable: String,
        fetch: (Connection, _ parentID: Int64, _ afterID: Int64, _ limit: Int) throws -> [Row],
        render: (inout JSONWriter, Row) -> Void
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
        let rows = try database.read { connection -> [Row] in
            guard try RecordStore.exists(connection, table: parentTable, id: id) else { throw APIError.notFound("no such record \(id)") }
            return try fetch(connection, id, afterID, limit + 1)
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.flatMap { $0.int64("id") }.map { cursors.encode(.int($0), scope: boundScope) } : nil
        return JSONResponse.list(page, nextCursor: next, render)
    }
}
