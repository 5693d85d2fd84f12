import CRM
import HTTP
import JSON

/// `/v1/automations` (admin, API.md §2 "automations"): the records engine's CRUD, each
/// automation's run log, and the daily run on demand.
struct AutomationRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let engine: AutomationEngine

    func install(on router: inout Router) {
        let path = "/v1/automations"
        let service = AutomationSchema.service()
        RecordRoutes(
            endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: service, path: path,
            resource: .automations, listFields: AutomationSchema.listFields
        )
        .install(on: &router)
        let database = database
        let cursors = cursors
        let clock = clock
        let engine = engine

        // A daily run over many customers takes a while: on a worker, writing in small batches.
        router.add(
            .post, path + "/run-daily",
            endpoints.sync(.write(.automations), .worker) { request in
                _ = try QueryParameters(request.http, allowed: [])
                if !request.http.body.isEmpty {
                    guard let body = try request.jsonObject() as JSONObject?, body.isEmpty else {
                        throw APIError.badRequest("run-daily takes no body (or {})")
                    }
                }
                // With an Idempotency-Key the run spans many transactions, as an import does: the
                // key is checked and reserved before it (a replay runs nothing) and the answer
                // stored after it; a run cut off in between keeps the reservation (a retry is a 409).
                let idempotency = try IdempotencyHeader.key(of: request)
                if let idempotency, let stored = try database.writeAndWait({ try idempotency.begin($0, now: clock.now()) }) {
                    return IdempotencyHeader.replay(stored)
                }
                let runs = try engine.runDaily(database, now: clock.now())
                var writer = JSONWriter(capacity: 32)
                writer.beginObject()
                writer.key("runs")
                writer.int(Int64(runs))
                writer.endObject()
                let response = Response(status: 200, headers: [JSONResponse.contentType], body: writer.bytes)
                if let idempotency {
                    let answer = IdempotentAnswer(status: response.status, headers: response.headers, body: writer.bytes)
                    try database.writeAndWait { try idempotency.finish($0, answer, now: clock.now()) }
                }
                return response
            })

        router.add(
            .get, path + "/{id}/runs",
            endpoints.sync(.read(.automations)) { request in
                try SubList.newestFirst(request, database: database, cursors: cursors, scope: "automation-runs") {
                    connection, id, before, limit in
                    try AutomationRun.page(connection, automationID: id, beforeID: before, limit: limit)
                }
            })
    }
}
