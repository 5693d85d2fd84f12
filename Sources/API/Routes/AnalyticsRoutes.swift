import CRM
import HTTP
import JSON

/// `/v1/analytics/*` (API.md §3, read-only, every role). So far: the forecast, customers,
/// feedback and tickets reports and the churn-risk list.
struct AnalyticsRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let baseCurrency: String

    func install(on router: inout Router) {
        let database = database
        let cursors = cursors
        router.add(
            .get, "/v1/analytics/customers",
            // One pass over every live customer: never on an event loop.
            endpoints.sync(.read(.analytics), .worker) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let body = try database.read { try CustomerReport.render($0) }
                return Response(status: 200, headers: [JSONResponse.contentType], body: body)
            })
        router.add(
            .get, "/v1/analytics/feedback",
            endpoints.sync(.read(.analytics), .worker) { request in
                let window = try DateWindow(try QueryParameters(request.http, allowed: ["from", "to"]))
                let body = try database.read { try FeedbackReport.render($0, from: window.start, to: window.end) }
                return Response(status: 200, headers: [JSONResponse.contentType], body: body)
            })
        let clock = clock
        let baseCurrency = baseCurrency
        router.add(
            .get, "/v1/analytics/forecast",
            endpoints.sync(.read(.analytics), .worker) { request in
                let window = try DateWindow(try QueryParameters(request.http, allowed: ["from", "to"]))
                let body = try database.read {
                    try ForecastReport.render($0, from: window.from, to: window.to, currency: baseCurrency)
                }
                return Response(status: 200, headers: [JSONResponse.contentType], body: body)
            })
        router.add(
            .get, "/v1/analytics/tickets",
            endpoints.sync(.read(.analytics), .worker) { request in
                let window = try DateWindow(try QueryParameters(request.http, allowed: ["from", "to"]))
                let now = clock.now()
                let body = try database.read { try TicketReport.render($0, from: window.start, to: window.end, now: now) }
                return Response(status: 200, headers: [JSONResponse.contentType], body: body)
            })
        router.add(
            .get, "/v1/analytics/churn-risk",
            endpoints.sync(.read(.analytics)) { request in
                let query = try QueryParameters(request.http, allowed: ["limit", "cursor"])
                let limit = try query.limit()
                var after: (score: Int64, id: Int64)?
                if let cursor = query["cursor"] {
                    guard case .array(let parts) = try cursors.decode(cursor, scope: "analytics/churn-risk"), parts.count == 2,
                        let score = parts[0].intValue, let id = parts[1].intValue
                    else { throw APIError.badRequest("the cursor is invalid", field: "cursor") }
                    after = (score, id)
                }
                return try database.read { connection in
                    try JSONResponse.list { writer in
                        let next = try ChurnRiskReport.renderPage(connection, after: after, limit: limit, into: &writer)
                        return next.map { cursors.encode(.array([.int($0.score), .int($0.id)]), scope: "analytics/churn-risk") }
                    }
                }
            })
    }
}

/// `from`/`to` (dates, both inclusive, UTC) as a half-open window of instants.
struct DateWindow {
    let from: CalendarDate?
    let to: CalendarDate?
    let start: Timestamp?
    /// The start of the day after `to`.
    let end: Timestamp?

    init(_ query: QueryParameters) throws {
        func date(_ name: String) throws -> CalendarDate? {
            guard let text = query[name] else { return nil }
            guard let date = CalendarDate(text) else { throw APIError.badRequest("\(name) must be a date YYYY-MM-DD", field: name) }
            return date
        }
        let from = try date("from")
        let to = try date("to")
        if let from, let to, to < from { throw APIError.badRequest("to must not be before from", field: "to") }
        self.from = from
        self.to = to
        start = from?.startTimestamp
        end = to?.adding(days: 1).startTimestamp
    }
}
