import CRM
import HTTP
import JSON

/// `GET /v1/audit-log` (admin): who changed what, when, newest first, filterable by
/// `record_type`, `record_id`, `key_id`, `action` and `occurred_at` (API.md §2, "audit-log").
struct AuditLogRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec

    func install(on router: inout Router) {
        let database = database
        let cursors = cursors
        router.add(
            .get, "/v1/audit-log",
            endpoints.sync(.read(.auditLog)) { request in
                let list = try ListParameters(
                    request.http, resource: "audit-log", fields: AuditLog.listFields, newestFirst: true, cursors: cursors)
                return try database.read { connection in
                    try JSONResponse.list { writer in
                        let next = try AuditLog.renderPage(connection, list.request, into: &writer)
                        return list.nextCursor(after: next, cursors: cursors)
                    }
                }
            })
    }
}
