import CRM
import HTTP

/// A single record as the API answers it: its JSON, its version as `ETag`, and `Location`
/// for a creation; or `304` when `If-None-Match` names the current version.
enum RecordResponse {
    /// - Parameter collection: the collection path (`/v1/orders`) when the answer is a
    ///   creation and should say where the record lives.
    static func make(_ record: StoredRecord, status: Int = 200, collection: String? = nil) -> Response {
        // Room for Location and for the `Vary` (and CORS) headers the endpoint adds to every
        // answer, so that adding them does not reallocate the array.
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(6)
        headers.append(JSONResponse.contentType)
        headers.append(EntityTag.header(record.version))
        if let collection { headers.append(("Location", "\(collection)/\(record.id)")) }
        return Response(status: status, headers: headers, body: record.json)
    }

    /// `200` with the record, or `304` when the request's `If-None-Match` holds its version.
    static func read(_ record: StoredRecord, for request: APIRequest) -> Response {
        if EntityTag.noneMatchHits(request.http, version: record.version) {
            return Response(status: 304, headers: [EntityTag.header(record.version)])
        }
        return make(record)
    }
}
