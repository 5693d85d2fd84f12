import CRM
import HTTP
import HTTPClient
import JSON

/// `/v1/webhooks` (admin, API.md §2 "webhooks"): the records engine's list, get, patch and
/// delete, a create that makes the secret and shows it once, and each webhook's deliveries.
struct WebhookRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let service: WebhookService

    func install(on router: inout Router) {
        let path = "/v1/webhooks"
        RecordRoutes(
            endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: service.records, path: path,
            resource: .webhooks, listFields: WebhookSchema.listFields, installsCreate: false
        )
        .install(on: &router)
        let service = service
        let database = database
        let cursors = cursors

        router.add(
            .post, path,
            endpoints.write(.write(.webhooks), database: database, clock: clock, withheld: "created a webhook") { request in
                let changes = try service.records.parse(
                    try request.jsonObject(), mode: .create, checkingIn: database, id: nil, now: clock.now())
                let actor = request.key?.id
                let secret = WebhookService.makeSecret()
                return { connection, now in
                    let record = try service.create(connection, changes, secret: secret, actor: actor, now: now)
                    var response = RecordResponse.make(record, status: 201, collection: path)
                    response.body = .bytes(Self.adding(secret: secret, to: record.json))
                    return response
                }
            })

        router.add(
            .get, path + "/{id}/deliveries",
            endpoints.sync(.read(.webhooks)) { request in
                let query = try QueryParameters(request.http, allowed: ["limit", "cursor"])
                let id = try request.idParameter()
                let limit = try query.limit()
                let scope = "webhook-deliveries:\(id)"
                var beforeID: Int64 = 0
                if let cursor = query["cursor"] {
                    guard case .int(let position) = try cursors.decode(cursor, scope: scope) else {
                        throw APIError.badRequest("the cursor is invalid", field: "cursor")
                    }
                    beforeID = position
                }
                return try database.read { connection in
                    guard try service.records.record(connection, id: id) != nil else { throw APIError.notFound("no webhook \(id)") }
                    return try JSONResponse.list { writer in
                        let last = try service.renderDeliveries(connection, webhookID: id, beforeID: beforeID, limit: limit, into: &writer)
                        return last.map { cursors.encode(.int($0), scope: scope) }
                    }
                }
            })
    }

    /// The record's JSON with `"secret"` added: the one response that ever holds it.
    private static func adding(secret: String, to json: [UInt8]) -> [UInt8] {
        var value = JSONWriter(capacity: 80)
        value.string(secret)
        return json.dropLast() + Array(",\"secret\":".utf8) + value.bytes + [UInt8(ascii: "}")]
    }

    /// Why `text` may not be a webhook's URL (a `422`), or nil. Names are never resolved here:
    /// `localhost` and IP literals are judged as written, the resolved address at delivery.
    static func urlProblem(allowPrivate: Bool) -> @Sendable (String) -> (code: String, message: String)? {
        { text in
            let url: OutboundURL
            do throws(OutboundURLError) {
                url = try OutboundURL(parsing: text)
            } catch {
                return ("invalid_url", "must be an absolute http or https URL: \(error.reason)")
            }
            if !allowPrivate, AddressPolicy.isForbiddenLiteral(host: url.host) {
                return (
                    "private_target",
                    "\(url.host) is a loopback, private or link-local address; the server refuses such targets unless started with --allow-private-webhooks"
                )
            }
            return nil
        }
    }
}
