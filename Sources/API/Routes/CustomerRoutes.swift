import CRM
import HTTP
import JSON

/// `/v1/customers…` (API.md §2 "customers"): thin — parse, call ``CustomerService``, render.
struct CustomerRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let service: CustomerService

    static let maximumBatch = 1000

    func install(on router: inout Router) {
        let service = self.service
        let database = self.database
        let cursors = self.cursors

        router.add(
            .get, "/v1/customers",
            endpoints.sync(.read(.customers), .workerWhen({ $0.queryValue("q") != nil })) { request in
                // `attributes.<key>` filters read the key's definition, typed by it.
                let list = try ListParameters(
                    request.http, resource: "customers", fields: CustomerSchema.listFields, searchable: true,
                    dynamicField: { name in try database.read { try CustomFieldSchema.listField($0, name: name) } }, cursors: cursors)
                return try database.read { connection in
                    try JSONResponse.list { writer in
                        let next = try service.renderPage(connection, list.request, into: &writer)
                        return list.nextCursor(after: next, cursors: cursors)
                    }
                }
            })

        router.add(
            .post, "/v1/customers",
            endpoints.write(.write(.customers), database: database, clock: clock) { request in
                let changes = try Self.parse(
                    try request.jsonObject(), mode: .create, service: service, database: database, now: clock.now())
                let actor = request.key?.id
                return { connection, now in
                    let created = try service.createRecord(connection, changes, actor: actor, now: now)
                    return RecordResponse.make(
                        try Database.settled(created, connection, reading: service.record(_:id:)), status: 201, collection: "/v1/customers")
                }
            })

        router.add(
            .get, "/v1/customers/{id}",
            endpoints.sync(.read(.customers)) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let id = try request.idParameter()
                guard let record = try database.read({ try service.record($0, id: id) }) else {
                    throw APIError.notFound("no customer \(id)")
                }
                return RecordResponse.read(record, for: request)
            })

        router.add(
            .patch, "/v1/customers/{id}",
            endpoints.write(.write(.customers), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let changes = try Self.parse(
                    try request.jsonObject(), mode: .patch, service: service, database: database, key: .id(id), now: clock.now())
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    RecordResponse.make(try service.updateRecord(connection, id: id, changes, ifMatch: ifMatch, actor: actor, now: now))
                }
            })

        router.add(
            .delete, "/v1/customers/{id}",
            endpoints.write(.write(.customers), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    try service.delete(connection, id: id, ifMatch: ifMatch, actor: actor, now: now)
                    return Response(status: 204)
                }
            })

        router.add(
            .get, "/v1/customers/{id}/contacts",
            endpoints.sync(.read(.customers)) { request in
                let id = try request.idParameter()
                let list = try ListParameters(
                    request.http, resource: "customers/\(id)/contacts", fields: CustomerSchema.listFields,
                    dynamicField: { name in try database.read { try CustomFieldSchema.listField($0, name: name) } }, cursors: cursors)
                return try database.read { connection in
                    guard try CustomerService.isCompany(connection, id: id) else { throw APIError.notFound("no company customer \(id)") }
                    return try JSONResponse.list { writer in
                        let next = try service.renderContacts(connection, of: id, list.request, into: &writer)
                        return list.nextCursor(after: next, cursors: cursors)
                    }
                }
            })

        router.add(
            .get, "/v1/customers/duplicates",
            endpoints.sync(.read(.customers), .worker) { request in
                let query = try QueryParameters(request.http, allowed: ["limit", "cursor"])
                let limit = try query.limit()
                var after: (reason: String, key: String)?
                if let cursor = query["cursor"] {
                    guard case .array(let parts) = try cursors.decode(cursor, scope: "customers/duplicates"), parts.count == 2,
                        let reason = parts[0].stringValue, let key = parts[1].stringValue
                    else { throw APIError.badRequest("the cursor is invalid", field: "cursor") }
                    after = (reason, key)
                }
                return try database.read { connection in
                    try JSONResponse.list { writer in
                        let next = try CustomerDuplicates.renderPage(
                            connection, after: after, limit: limit, customers: service, into: &writer)
                        return next.map { cursors.encode(.array([.string($0.reason), .string($0.key)]), scope: "customers/duplicates") }
                    }
                }
            })

        router.add(
            .get, "/v1/customers/by-external-id/{external_id}",
            endpoints.sync(.read(.customers)) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let externalID = try CustomerService.externalID(fromPath: request.parameter("external_id"))
                guard let record = try database.read({ try service.record($0, externalID: externalID) }) else {
                    throw APIError.notFound("no customer with external_id \(externalID)")
                }
                return RecordResponse.read(record, for: request)
            })

        router.add(
            .put, "/v1/customers/by-external-id/{external_id}",
            endpoints.write(.write(.customers), database: database, clock: clock) { request in
                let externalID = try CustomerService.externalID(fromPath: request.parameter("external_id"))
                var body = try request.jsonObject()
                if let given = body["external_id"], given.stringValue?.trimmingWhitespace() != externalID {
                    throw APIError.validation([FieldError("external_id", "mismatch", "must equal the external_id in the path")])
                }
                body["external_id"] = .string(externalID)
                let changes = try Self.parse(
                    body, mode: .patch, service: service, database: database, key: .externalID(externalID), now: clock.now())
                let ifMatch = EntityTag.requiredVersion(request.http)
                // RFC 9110 §13.1.2: `If-None-Match: *` makes the PUT a create only; a tag naming
                // the current version refuses the update of that version. Either is a 412.
                let ifNoneMatch = request.http.headers.combined("If-None-Match")
                let actor = request.key?.id
                return { connection, now in
                    if ifNoneMatch != nil, let existing = try service.record(connection, externalID: externalID),
                        EntityTag.noneMatchHits(ifNoneMatch, version: existing.version)
                    {
                        throw APIError.preconditionFailed("If-None-Match names the current version of customer \(existing.id), or *")
                    }
                    let (record, created) = try service.upsertRecord(
                        connection, key: .externalID(externalID), changes, ifMatch: ifMatch, actor: actor, now: now)
                    return RecordResponse.make(
                        try Database.settled(record, connection, reading: service.record(_:id:)), status: created ? 201 : 200,
                        collection: created ? "/v1/customers" : nil)
                }
            })

        router.add(
            .post, "/v1/customers/batch",
            endpoints.write(.write(.customers), database: database, clock: clock, outermost: true) { request in
                let batch = try CustomerBatch(request.jsonObject(), requestID: request.requestID)
                let actor = request.key?.id
                return { connection, now in
                    try batch.run(connection, service: service, actor: actor, now: now)
                }
            })
    }

    /// A customer body as changes, or one 422 naming every invalid field: when some fields fail
    /// their own validation, the rest still get the checks of the write (``CustomerService/issues(_:_:known:key:)``:
    /// of the customer `key` finds, else of a create) in a read, so a client does not learn of a
    /// missing name only after fixing an email.
    private static func parse(
        _ body: JSONObject, mode: RecordInput.Mode, service: CustomerService, database: Database, key: CustomerService.UpsertKey? = nil,
        now: Timestamp
    ) throws -> RecordChanges {
        let (changes, issues) = RecordInput.collecting(body, schema: CustomerSchema.schema, mode: mode)
        guard !issues.isEmpty else { return changes }
        // Best effort: the body is refused whatever the read finds.
        let all = try? database.read { try service.issues($0, changes, known: issues, key: key, now: now) }
        throw CRMError.validation(all ?? issues)
    }
}
