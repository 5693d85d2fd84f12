import CRM
import HTTP
import JSON

/// `/healthz`, `/readyz`, `/metrics` and `/v1/openapi.yaml`: no key needed (API.md §4).
enum OperationsRoutes {
    private static let healthBody = Array("{\"status\":\"ok\"}".utf8)
    /// Shared by every answer, not allocated per request: load balancers poll this constantly.
    private static let healthHeaders = [JSONResponse.contentType]

    static func install(on router: inout Router, endpoints: EndpointBuilder, database: Database, metrics: ServerMetrics, serveMetrics: Bool)
    {
        router.add(.get, "/healthz") { _, _, responder in
            responder.respond(Response(status: 200, headers: healthHeaders, body: healthBody))
        }
        router.add(
            .get, "/readyz",
            endpoints.sync(.open) { _ in
                guard try database.isMigrated() else { throw APIError.unavailable("the database is unreachable or not migrated") }
                guard database.isWritable() else { throw APIError.unavailable("the database file is missing, replaced or read-only") }
                return JSONResponse.make(value: ["status": "ready"])
            })
        if serveMetrics { install(metrics: metrics, on: &router) }
        router.add(
            .get, "/v1/openapi.yaml",
            endpoints.sync(.open) { _ in
                Response(
                    status: 200, headers: [("Content-Type", "application/yaml; charset=utf-8")], body: Array(OpenAPIDocument.yaml.utf8))
            })
    }

    /// `/metrics` alone, for the separate metrics address as well as the main one.
    static func install(metrics: ServerMetrics, on router: inout Router) {
        router.add(.get, "/metrics") { _, _, responder in
            responder.respond(
                Response(
                    status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: Array(metrics.render().utf8)
                ))
        }
    }
}
