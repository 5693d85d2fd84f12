import CRM
import HTTP
import JSON

/// Orders, interactions, opportunities (+ history), pipelines and the customer timeline.
struct SalesRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let settings: CRMSettings
    let customers: CustomerService

    func install(on router: inout Router) {
        let database = self.database
        let cursors = self.cursors
        let clock = self.clock
        func routes(_ service: RecordService, _ path: String, _ resource: Resource, _ fields: [ListField]) -> RecordRoutes {
            RecordRoutes(
                endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: service, path: path, resource: resource,
                listFields: fields)
        }
        routes(SalesServices.orders(settings: settings, customers: customers), "/v1/orders", .orders, OrderSchema.listFields).install(
            on: &router)
        routes(
            SalesServices.interactions(settings: settings, customers: customers), "/v1/interactions", .interactions,
            InteractionSchema.listFields
        )
        .install(on: &router)

        routes(
            OpportunityService.make(settings: settings, customers: customers), "/v1/opportunities", .opportunities,
            OpportunitySchema.listFields
        )
        .install(on: &router)

        router.add(
            .get, "/v1/opportunities/{id}/history",
            endpoints.sync(.read(.opportunities)) { request in
                try SubList.response(
                    request, database: database, cursors: cursors, scope: "opportunity-history",
                    page: { try OpportunityService.historyPage($0, opportunityID: $1, afterID: $2, limit: $3) })
            })

        installPipelines(on: &router)
        installTimeline(on: &router)
    }

    private func installPipelines(on router: inout Router) {
        let database = self.database
        let cursors = self.cursors
        let pipelines = PipelineService()
        let opportunities = OpportunityService.make(settings: settings, customers: customers)
        let fields = RecordStore.listFields(PipelineService.schema)
        router.add(
            .get, "/v1/pipelines",
            endpoints.sync(.read(.pipelines)) { request in
                let list = try ListParameters(request.http, resource: "pipelines", fields: fields, cursors: cursors)
                return try database.read { connection in
                    try JSONResponse.list { writer in
                        let next = try pipelines.renderPage(connection, list.request, into: &writer)
                        return list.nextCursor(after: next, cursors: cursors)
                    }
                }
            })
        router.add(
            .get, "/v1/pipelines/{id}",
            endpoints.sync(.read(.pipelines)) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let id = try request.idParameter()
                guard let record = try database.read({ try pipelines.record($0, id: id) }) else {
                    throw APIError.notFound("no pipeline \(id)")
                }
                return RecordResponse.read(record, for: request)
            })
        router.add(
            .post, "/v1/pipelines",
            endpoints.write(.write(.pipelines), database: database, clock: clock) { request in
                let (changes, stages) = try PipelineService.parse(try request.jsonObject(), creating: true)
                let actor = request.key?.id
                return { connection, now in
                    RecordResponse.make(
                        try pipelines.create(connection, changes, stages: stages ?? [], actor: actor, now: now), status: 201,
                        collection: "/v1/pipelines")
                }
            })
        router.add(
            .patch, "/v1/pipelines/{id}",
            endpoints.write(.write(.pipelines), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let (changes, stages) = try PipelineService.parse(try request.jsonObject(), creating: false)
                let ifMatch = EntityTag.requiredVersion(request.http)
                let actor = request.key?.id
                return { connection, now in
                    RecordResponse.make(
                        try pipelines.update(
                            connection, id: id, changes, stages: stages, ifMatch: ifMatch, opportunities: opportunities, actor: actor,
                            now: now))
                }
            })
    }

    private func installTimeline(on router: inout Router) {
        let database = self.database
        let cursors = self.cursors
        router.add(
            .get, "/v1/customers/{id}/timeline",
            endpoints.sync(.read(.customers)) { request in
                let id = try request.idParameter()
                let query = try QueryParameters(request.http, allowed: ["limit", "cursor", "include_contacts"])
                let limit = try query.limit()
                let includeContacts = try query.bool("include_contacts") ?? false
                let scope = includeContacts ? "timeline/\(id)/contacts" : "timeline/\(id)"
                var after: (String, String, Int64)?
                if let cursor = query["cursor"] {
                    guard case .array(let parts) = try cursors.decode(cursor, scope: scope), parts.count == 3,
                        let at = parts[0].stringValue, let kind = parts[1].stringValue, let entry = parts[2].intValue
                    else { throw APIError.badRequest("the cursor is invalid", field: "cursor") }
                    after = (at, kind, entry)
                }
                let customers = self.customers
                let page = try database.read { connection in
                    guard try customers.exists(connection, id: id) else {
                        throw APIError.notFound("no customer \(id)")
                    }
                    return try CustomerTimeline.page(
                        connection, customerID: id, includeContacts: includeContacts, after: after, limit: limit)
                }
                let next =
                    page.hasMore
                    ? page.entries.last.map { cursors.encode([.string($0.occurredAt), .string($0.kind), .int($0.entry)], scope: scope) }
                    : nil
                return JSONResponse.list(page.entries, nextCursor: next) { writer, entry in
                    writer.beginObject()
                    writer.key("kind")
                    writer.string(entry.kind)
                    writer.key("id")
                    writer.int(entry.id)
                    writer.key("occurred_at")
                    writer.string(entry.occurredAt)
                    writer.key("summary")
                    writer.string(entry.summary)
                    if includeContacts {
                        writer.key("customer_id")
                        writer.int(entry.customerID)
                    }
                    writer.endObject()
                }
            })
    }
}
