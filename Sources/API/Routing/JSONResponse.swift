import CRM
import HTTP
import JSON

/// JSON bodies, written straight into the response buffer.
enum JSONResponse {
    static let contentType = (name: "Content-Type", value: "application/json; charset=utf-8")

    static func make(_ status: Int = 200, headers: [(name: String, value: String)] = [], _ write: (inout JSONWriter) -> Void) -> Response {
        var writer = JSONWriter(capacity: 512)
        write(&writer)
        return Response(status: status, headers: [contentType] + headers, body: writer.bytes)
    }

    static func make(_ status: Int = 200, headers: [(name: String, value: String)] = [], value: JSONValue) -> Response {
        Response(status: status, headers: [contentType] + headers, body: value.serialized())
    }

    /// The list envelope with items written by `writeItems` straight into the body, which
    /// returns the next cursor (nil at the end).
    static func list(_ writeItems: (inout JSONWriter) throws -> String?) rethrows -> Response {
        var writer = JSONWriter(capacity: 16 * 1024)
        writer.beginObject()
        writer.key("data")
        writer.beginArray()
        let nextCursor = try writeItems(&writer)
        writer.endArray()
        writer.key("has_more")
        writer.bool(nextCursor != nil)
        writer.key("next_cursor")
        if let nextCursor { writer.string(nextCursor) } else { writer.null() }
        writer.endObject()
        return Response(status: 200, headers: [contentType], body: writer.bytes)
    }

    /// The list envelope of API.md §1: `{"data":[…],"has_more":…,"next_cursor":…}`.
    static func list<Item>(_ items: [Item], nextCursor: String?, _ writeItem: (inout JSONWriter, Item) -> Void) -> Response {
        list { writer in
            for item in items { writeItem(&writer, item) }
            return nextCursor
        }
    }
}
