import CRM
import HTTP
import JSON

/// Tickets (+ comments, `sla_breached` filter), SLA policies and feedback.
struct SupportRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let settings: CRMSettings
    let customers: CustomerService

    func install(on router: inout Router) {
        let database = self.database
        let cursors = self.cursors
        let tickets = TicketService.make(settings: settings, customers: customers, clock: clock)
        RecordRoutes(
            endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: tickets, path: "/v1/tickets",
            resource: .tickets, listFields: TicketSchema.listFields
        )
        .install(on: &router)

        router.add(
            .get, "/v1/tickets/{id}/comments",
            endpoints.sync(.read(.tickets)) { request in
                try SubList.response(
                    request, database: database, cursors: cursors, scope: "ticket-comments",
                    page: { try TicketComments.page($0, ticketID: $1, afterID: $2, limit: $3) })
            })

        router.add(
            .post, "/v1/tickets/{id}/comments",
            endpoints.write(.write(.tickets), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let input = try TicketComments.parse(try request.jsonObject(), defaultAuthor: request.key?.name ?? "")
                let actor = request.key?.id
                return { connection, now in
                    let comment = try TicketComments.add(connection, ticketID: id, input, tickets: tickets, actor: actor, now: now)
                    return Response(status: 201, headers: [JSONResponse.contentType], body: comment.json)
                }
            })

        router.add(
            .get, "/v1/sla-policies",
            endpoints.sync(.read(.slaPolicies)) { request in
                _ = try QueryParameters(request.http, allowed: [])
                return JSONResponse.make(value: SLAPolicy.json(try database.read { try SLAPolicy.all($0) }))
            })
        router.add(
            .put, "/v1/sla-policies",
            endpoints.write(.write(.slaPolicies), database: database, clock: clock) { request in
                let policies = try SLAPolicy.parse(try request.jsonObject())
                return { connection, _ in
                    try SLAPolicy.replaceAll(connection, policies)
                    return JSONResponse.make(value: SLAPolicy.json(try SLAPolicy.all(connection)))
                }
            })

        RecordRoutes(
            endpoints: endpoints, database: database, cursors: cursors, clock: clock,
            service: FeedbackService.make(settings: settings, customers: customers), path: "/v1/feedback", resource: .feedback,
            listFields: FeedbackSchema.listFields
        ).install(on: &router)
    }
}
