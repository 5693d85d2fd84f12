import CRM
import HTTP
import JSON

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
    /// False when the resource creates its records its own way (webhooks make a secret).
    var installsCreate = true
    /// True when reading a record computes something that may take long (a segment counts its
    /// members): lists and single reads then run on the worker pool, never on an event loop.
    var readsOnWorkers = false
    /// False when the resource addresses its records its own way (fields by `key`).
    var installsItems = true
    /// What a create's or a patch's answer gets after the commit, on the worker pool: what its
    /// rendering on the writer left out because it may take long (a segment's `member_count`).
    var completeOnWorker: (@Sendable (Response) throws -> Response)?

    func install(on router: inout Router) {
        let service = self.service
        let database = self.database
        let cursors = self.cursors
        let listFields = self.listFields
        let path = self.path
        let clock = self.clock
        let resourceName = String(path.split(separator: "/").last ?? "records")

        router.add(
            .get, path,
            endpoints.sync(.read(resource), readsOnWorkers ? .worker : .workerWhen({ $0.queryValue("q") != nil })) { request in
                let list = try ListParameters(
                    request.http, resource: resourceName, fields: listFields, searchable: service.searchColumn != nil,
                    extra: Set(service.listParameters.keys), cursors: cursors)
                let parameters = request.http.query.filter { service.listParameters[$0.name] != nil }
                let now = clock.now()
                return try database.read { connection in
                    try JSONResponse.list { writer in
                        let next = try service.renderPage(connection, list.request, parameters: parameters, now: now, into: &writer)
                        return list.nextCursor(after: next, cursors: cursors)
                    }
                }
            })

        if installsCreate {
            router.add(
                .post, path,
                endpoints.write(.write(resource), database: database, clock: clock, then: completeOnWorker) { request in
                    let changes = try service.parse(
                        try request.jsonObject(), mode: .create, checkingIn: database, id: nil, now: clock.now())
                    let actor = request.key?.id
                    return { connection, now in
                        let created = try service.createRecord(connection, changes, actor: actor, now: now)
                        return RecordResponse.make(
                            try Database.settled(created, connection, reading: { try service.record($0, id: $1, writing: true) }),
                            status: 201, collection: path)
                    }
                })
        }

        guard installsItems else { return }
        router.add(
            .get, path + "/{id}",
            endpoints.sync(.read(resource), readsOnWorkers ? .worker : .inline) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let id = try request.idParameter()
                guard let record = try database.read({ try service.record($0, id: id) }) else {
                    throw APIError.notFound("no \(service.schema.recordType) \(id)")
                }
                return RecordResponse.read(record, for: request)
            })

        router.add(
            .patch, path + "/{id}",
            endpoints.write(.write(resource), database: database, clock: clock, then: completeOnWorker) { request in
                let id = try request.idParameter()
                let changes = try service.parse(try request.jsonObject(), mode: .patch, checkingIn: database, id: id, now: clock.now())
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    let updated = try service.updateRecord(connection, id: id, changes, ifMatch: ifMatch, actor: actor, now: now)
                    return RecordResponse.make(
                        try Database.settled(updated, connection, reading: { try service.record($0, id: $1, writing: true) }))
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
}
