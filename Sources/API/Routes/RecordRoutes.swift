import CRM
import HTTP
import JSON
import SQLite

/// The five endpoints of a simple resource over a ``RecordService``: list, create, get (with
/// `ETag`/`If-None-Match`), merge-patch (with `If-Match`) and soft delete. One implementation of
/// the conventions, so no resource re-implements them.
struct RecordRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let service: RecordService
    /// The collection path, e.g. `/v1/orders`.
    let path: String
    let resource: Resource
    let listFields: [ListField]
    /// Builds the `q` condition (alias `r`), for resources with search.
    var search: (@Sendable (String) -> (sql: String, bindings: [SQLValue]))?
    /// Takes request-only flags out of the body before validation (e.g. `reopen`).
    var extractFlags: (@Sendable (inout JSONObject) throws -> [String: SQLValue])?
    /// List parameters beyond the field filters, each turned into a condition on alias `r` at
    /// the request's time (e.g. tickets' `sla_breached`).
    var extraParameters: [String: @Sendable (String, Timestamp) throws -> (sql: String, bindings: [SQLValue])] = [:]

    func install(on router: inout Router) {
        let service = self.service
        let database = self.database
        let cursors = self.cursors
        let listFields = self.listFields
        let search = self.search
        let extractFlags = self.extractFlags
        let path = self.path
        let extraParameters = self.extraParameters
        let clock = self.clock
        let resourceName = String(path.split(separator: "/").last ?? "records")

        router.add(
            .get, path,
            endpoints.sync(.read(resource), .workerWhen({ $0.queryValue("q") != nil })) { request in
                let list = try ListParameters(
                    request.http, resource: resourceName, fields: listFields, searchable: search != nil, extra: Set(extraParameters.keys),
                    cursors: cursors)
                var conditions: [(sql: String, bindings: [SQLValue])] = []
                if let text = list.request.search, let search { conditions.append(search(text)) }
                let now = clock.now()
                for (name, value) in request.http.query {
                    if let make = extraParameters[name] { conditions.append(try make(value, now)) }
                }
                let condition: (sql: String, bindings: [SQLValue])? =
                    conditions.isEmpty ? nil : (conditions.map(\.sql).joined(separator: " AND "), conditions.flatMap(\.bindings))
                let page = try database.read { try service.list($0, list.request, search: condition) }
                return JSONResponse.list(page.items, nextCursor: list.nextCursor(page, cursors: cursors)) { writer, row in
                    service.render(row, into: &writer)
                }
            })

        router.add(
            .post, path,
            endpoints.write(.write(resource), database: database, clock: clock) { request in
                var body = try request.jsonObject()
                let flags = try extractFlags?(&body) ?? [:]
                var parsed = try RecordInput.parse(body, schema: service.schema, mode: .create)
                parsed.flags = flags
                let changes = parsed
                let actor = request.key?.id
                return { connection, now in
                    RecordResponse.make(
                        try service.createRecord(connection, changes, actor: actor, now: now), status: 201, collection: path)
                }
            })

        router.add(
            .get, path + "/{id}",
            endpoints.sync(.read(resource)) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let id = try request.idParameter()
                guard let record = try database.read({ try service.record($0, id: id) }) else {
                    throw APIError.notFound("no \(service.schema.recordType) \(id)")
                }
                return RecordResponse.read(record, for: request)
            })

        router.add(
            .patch, path + "/{id}",
            endpoints.write(.write(resource), database: database, clock: clock) { request in
                let id = try request.idParameter()
                var body = try request.jsonObject()
                let flags = try extractFlags?(&body) ?? [:]
                var parsed = try RecordInput.parse(body, schema: service.schema, mode: .patch)
                parsed.flags = flags
                let changes = parsed
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    RecordResponse.make(try service.updateRecord(connection, id: id, changes, ifMatch: ifMatch, actor: actor, now: now))
                }
            })

        router.add(
            .delete, path + "/{id}",
            endpoints.write(.write(resource), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    try service.delete(connection, id: id, ifMatch: ifMatch, actor: actor, now: now)
                    return Response(status: 204)
                }
            })
    }

    /// `q` over one text column with `LIKE`, wildcards in the query escaped.
    static func likeSearch(column: String) -> @Sendable (String) -> (sql: String, bindings: [SQLValue]) {
        { text in
            var escaped = ""
            for character in text {
                if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
                escaped.append(character)
            }
            return ("r.\(column) LIKE ? ESCAPE '\\'", [.text("%\(escaped)%")])
        }
    }
}
