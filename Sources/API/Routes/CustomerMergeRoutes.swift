import CRM
import HTTP
import JSON

/// `POST /v1/customers/{id}/merge` `{"from":[ids]}` → `200` with the survivor (API.md §2):
/// one writer transaction that moves everything of the merged customers to it.
struct CustomerMergeRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let clock: CRMClock
    let settings: CRMSettings
    let customers: CustomerService

    func install(on router: inout Router) {
        let customers = customers
        let settings = settings
        // Records others link to move first: an interaction may name an opportunity or a
        // ticket, feedback a ticket, and a link must stay with one customer.
        let related = [
            OpportunityService.make(settings: settings, customers: customers),
            TicketService.make(settings: settings, customers: customers, clock: clock),
            SalesServices.orders(settings: settings, customers: customers),
            SalesServices.interactions(settings: settings, customers: customers),
            FeedbackService.make(settings: settings, customers: customers),
            TaskService.make(),
        ]
        router.add(
            .post, "/v1/customers/{id}/merge",
            endpoints.write(.write(.customers), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let body = try request.jsonObject()
                var issues: [FieldError] = []
                for key in body.keys where key != "from" {
                    issues.append(FieldError(key, "unknown_field", "the body takes only from"))
                }
                let sources = body["from"]?.arrayValue?.compactMap { $0.intValue.flatMap { $0 > 0 ? $0 : nil } }
                if sources == nil || sources?.count != body["from"]?.arrayValue?.count {
                    issues.append(FieldError("from", body["from"] == nil ? "required" : "invalid_type", "an array of customer ids"))
                }
                guard issues.isEmpty, let sources else { throw APIError.validation(issues) }
                let actor = request.key?.id
                // The survivor is written: If-Match holds as on its PATCH (it was ignored).
                let ifMatch = EntityTag.requiredVersion(request.http)
                return { connection, now in
                    RecordResponse.make(
                        try customers.merge(
                            connection, into: id, from: sources, related: related, settings: settings, ifMatch: ifMatch, actor: actor,
                            now: now))
                }
            })
    }
}
