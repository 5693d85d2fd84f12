import CRM
import HTTP
import JSON

/// `/v1/fields` (API.md §2 "fields"; admin writes, every role reads): custom field definitions,
/// addressed by `key`. The list, create, patch and delete follow the records engine's
/// conventions; a single read adds `violations`, the live customers whose stored value no longer
/// fits (counted on each read; its `ETag` is the definition's version).
struct FieldRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock

    func install(on router: inout Router) {
        let path = "/v1/fields"
        let service = CustomFieldSchema.service()
        let database = database
        RecordRoutes(
            endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: service, path: path, resource: .fields,
            listFields: CustomFieldSchema.listFields, installsCreate: false, installsItems: false
        )
        .install(on: &router)

        router.add(
            .post, path,
            endpoints.write(.write(.fields), database: database, clock: clock) { request in
                let changes = try service.parse(try request.jsonObject(), mode: .create, checkingIn: database, id: nil, now: clock.now())
                let actor = request.key?.id
                return { connection, now in
                    let record = try service.createRecord(connection, changes, actor: actor, now: now)
                    var response = RecordResponse.make(record, status: 201)
                    let key = Self.key(of: record.json) ?? ""
                    response.headers.append(("Location", "\(path)/\(key)"))
                    return response
                }
            })

        router.add(
            .get, path + "/{key}",
            endpoints.sync(.read(.fields), .worker) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let key = request.parameter("key")
                return try database.read { connection in
                    guard let id = try CustomFieldSchema.id(connection, key: key), let record = try service.record(connection, id: id)
                    else {
                        throw APIError.notFound("no field \(key)")
                    }
                    // The version is the ETag, as for every record (API.md), though `violations`
                    // may change under an unchanged definition: a client that wants the count
                    // as it is now sends no If-None-Match.
                    if EntityTag.noneMatchHits(request.http, version: record.version) {
                        return RecordResponse.read(record, for: request)
                    }
                    var count = JSONWriter(capacity: 24)
                    count.int(try CustomFieldSchema.violations(connection, id: id))
                    let body = record.json.dropLast() + Array(",\"violations\":".utf8) + count.bytes + [UInt8(ascii: "}")]
                    return Response(status: 200, headers: [JSONResponse.contentType, EntityTag.header(record.version)], body: Array(body))
                }
            })

        router.add(
            .patch, path + "/{key}",
            endpoints.write(.write(.fields), database: database, clock: clock) { request in
                let key = request.parameter("key")
                let body = try request.jsonObject()
                // The definition's id, for the checks a PATCH's 422 completes with (none found:
                // the write answers 404).
                let id = try database.read { try CustomFieldSchema.id($0, key: key) }
                let changes = try service.parse(body, mode: .patch, checkingIn: database, id: id ?? 0, now: clock.now())
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    guard let id = try CustomFieldSchema.id(connection, key: key) else { throw APIError.notFound("no field \(key)") }
                    return RecordResponse.make(
                        try service.updateRecord(connection, id: id, changes, ifMatch: ifMatch, actor: actor, now: now))
                }
            })

        router.add(
            .delete, path + "/{key}",
            endpoints.write(.write(.fields), database: database, clock: clock) { request in
                let key = request.parameter("key")
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    guard let id = try CustomFieldSchema.id(connection, key: key) else { throw APIError.notFound("no field \(key)") }
                    try service.delete(connection, id: id, ifMatch: ifMatch, actor: actor, now: now)
                    return Response(status: 204)
                }
            })
    }

    /// The `key` of a field's JSON.
    private static func key(of json: [UInt8]) -> String? {
        (try? JSONParser.parse(json))?.objectValue?["key"]?.stringValue
    }
}
