import CRM
import HTTP
import JSON

/// `GET/POST /v1/customers/{id}/points` (API.md §2 "customers"): a customer's loyalty ledger,
/// newest first, and a new entry. Thin: parse, call ``LoyaltyLedger``, render.
struct LoyaltyPointsRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let customers: CustomerService

    func install(on router: inout Router) {
        let database = self.database
        let cursors = self.cursors
        let ledger = LoyaltyLedger(customers: customers)

        router.add(
            .get, "/v1/customers/{id}/points",
            endpoints.sync(.read(.customers)) { request in
                try SubList.newestFirst(
                    request, database: database, cursors: cursors, scope: "loyalty-points",
                    page: { try ledger.page($0, customerID: $1, beforeID: $2, limit: $3) })
            })

        // On the writer, so the balance check and the writes are one transaction: concurrent
        // redemptions are serialised and never overdraw.
        router.add(
            .post, "/v1/customers/{id}/points",
            endpoints.write(.write(.customers), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let input = try LoyaltyLedger.parse(try request.jsonObject())
                let actor = request.key?.id
                return { connection, now in
                    let entry = try ledger.add(connection, customerID: id, input, actor: actor, now: now)
                    return Response(status: 201, headers: [JSONResponse.contentType], body: entry.rendered.json)
                }
            })
    }
}
