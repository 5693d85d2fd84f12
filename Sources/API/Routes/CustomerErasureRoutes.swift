import CRM
import HTTP
import JSON

/// The data-subject requests of API.md §2 (admin only): `GET /v1/customers/{id}/data-export`, one
/// JSON document streamed a page at a time, and `POST /v1/customers/{id}/erase` `{"reason"}` → `200`
/// with the erased customer, answered once nothing of the erased values is left in the database
/// file or its write-ahead log. Both run on workers: both can be long.
struct CustomerErasureRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let clock: CRMClock
    let settings: CRMSettings
    let customers: CustomerService

    /// Records read per database visit during a data export.
    static let exportPage = 500

    func install(on router: inout Router) {
        let database = database
        let clock = clock
        let export = CustomerDataExport(settings: settings, customers: customers, clock: clock)
        let erasure = CustomerErasure(customers: customers)

        router.add(
            .get, "/v1/customers/{id}/data-export",
            endpoints.sync(.read(.dataSubjectRequests), .worker) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let id = try request.idParameter()
                guard let customer = try database.read({ try export.customer($0, id: id) }) else {
                    throw APIError.notFound("no customer \(id)")
                }
                let headers = [
                    JSONResponse.contentType, ("Content-Disposition", "attachment; filename=\"customer-\(id)-data-export.json\""),
                ]
                // A HEAD answers the headers only: no stream runs, so it takes no slot.
                let slot =
                    request.http.method == .head ? nil : try CustomerTransferRoutes.streams.slot(forKey: request.key?.id ?? 0)
                let exportedAt = clock.now()
                let stream = StreamingBody { [slot] body in
                    defer { withExtendedLifetime(slot) {} }
                    var writer = JSONWriter(capacity: 80_000)
                    writer.beginObject()
                    writer.key("exported_at")
                    writer.string(exportedAt.rfc3339)
                    writer.key("customer")
                    writer.rawJSON(customer)
                    // Each page is read on its own and the reader given back before it is written,
                    // as the customer export does: a slow client holds no database connection.
                    for section in CustomerDataExport.Section.allCases {
                        writer.key(section.rawValue)
                        writer.beginArray()
                        var after: Int64 = 0
                        while let last = try database.read({ connection in
                            try export.writePage(connection, section, customerID: id, after: after, limit: Self.exportPage, into: &writer)
                        }) {
                            after = last
                            if writer.count >= 64 * 1024 {
                                try body.write(writer.bytes)
                                writer.removeWritten()
                            }
                        }
                        writer.endArray()
                    }
                    writer.endObject()
                    try body.write(writer.bytes)
                }
                return Response(status: 200, headers: headers, stream: stream)
            })

        router.add(
            .post, "/v1/customers/{id}/erase",
            endpoints.sync(.write(.dataSubjectRequests), .worker) { request in
                // Writes take no query parameters: one sent is a mistake the client should hear of.
                _ = try QueryParameters(request.http, allowed: [])
                let id = try request.idParameter()
                let reason = try CustomerErasure.parse(request.jsonObject())
                let idempotency = try IdempotencyHeader.key(of: request)
                let actor = request.key?.id
                // The erase commits, then the search index is merged and the log truncated
                // (docs/architecture.md, "Erasure"); the answer waits for both.
                return try database.erase { connection in
                    let now = clock.now()
                    let job = { RecordResponse.make(try erasure.erase(connection, id: id, reason: reason, actor: actor, now: now)) }
                    guard let idempotency else { return try job() }
                    return try IdempotencyHeader.perform(idempotency, connection, now: now, withheld: nil, job)
                }
            })
    }
}
