import CRM
import HTTP
import JSON

/// `/v1/analytics/*` (API.md §3, read-only, every role): the funnel, forecast, customers,
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
        let clock = clock
        let baseCurrency = baseCurrency
        let endpoints = endpoints
        /// A report: one JSON document, computed on a worker since it may read many rows;
        /// `windowed` reports take `from`/`to`, and any report the `parameters` it names.
        func report(
            _ name: String, windowed: Bool, parameters: [String] = [],
            _ render: @escaping @Sendable (StoreConnection, DateWindow, QueryParameters) throws -> [UInt8]
        ) {
            router.add(
                .get, "/v1/analytics/" + name,
                endpoints.sync(.read(.analytics), .worker) { request in
                    let query = try QueryParameters(request.http, allowed: (windowed ? ["from", "to"] : []) + parameters)
                    let window = try DateWindow(query)
                    let body = try database.read { try render($0, window, query) }
                    return Response(status: 200, headers: [JSONResponse.contentType], body: body)
                })
        }
        report("customers", windowed: false, parameters: ["account_id"]) { connection, _, query in
            let account = try Self.accountID(query, connection)
            return try CustomerReport.render(connection, accountID: account)
        }
        report("feedback", windowed: true) { connection, window, _ in
            try FeedbackReport.render(connection, from: window.from, to: window.to)
        }
        report("forecast", windowed: true, parameters: ["currency"]) { connection, window, query in
            // Opportunities may be in any currency and none is converted: one currency's at a
            // time, the base one unless `currency` names another.
            var currency = baseCurrency
            if let text = query["currency"] {
                guard CurrencyCode.isValid(text.uppercased()) else {
                    throw APIError.badRequest("currency must be an ISO 4217 code such as USD", field: "currency")
                }
                currency = text.uppercased()
            }
            return try ForecastReport.render(connection, from: window.from, to: window.to, currency: currency, baseCurrency: baseCurrency)
        }
        report("funnel", windowed: true, parameters: ["pipeline_id"]) { connection, window, query in
            var pipelineID: Int64?
            if let text = query["pipeline_id"] {
                guard let id = RecordID.parse(text) else {
                    throw APIError.badRequest("pipeline_id must be a positive integer", field: "pipeline_id")
                }
                pipelineID = id
            }
            guard let body = try FunnelReport.render(connection, pipelineID: pipelineID, from: window.from, to: window.to) else {
                throw APIError.notFound("no pipeline \(pipelineID ?? 0)")
            }
            return body
        }
        report("tickets", windowed: true) { connection, window, _ in
            try TicketReport.render(connection, from: window.from, to: window.to, now: clock.now())
        }
        router.add(
            .get, "/v1/analytics/churn-risk",
            endpoints.sync(.read(.analytics)) { request in
                let query = try QueryParameters(request.http, allowed: ["limit", "cursor", "account_id"])
                let limit = try query.limit()
                let scope = "analytics/churn-risk" + (query["account_id"].map { "?account_id=\($0)" } ?? "")
                var after: (score: Int64, id: Int64)?
                if let cursor = query["cursor"] {
                    guard case .array(let parts) = try cursors.decode(cursor, scope: scope), parts.count == 2,
                        let score = parts[0].intValue, let id = parts[1].intValue
                    else { throw APIError.badRequest("the cursor is invalid", field: "cursor") }
                    after = (score, id)
                }
                return try database.read { connection in
                    let account = try Self.accountID(query, connection)
                    return try JSONResponse.list { writer in
                        let next = try ChurnRiskReport.renderPage(connection, accountID: account, after: after, limit: limit, into: &writer)
                        return next.map { cursors.encode(.array([.int($0.score), .int($0.id)]), scope: scope) }
                    }
                }
            })
    }

    /// A report's `account_id`: a positive id (else `400`) naming a live company (else `404`).
    private static func accountID(_ query: QueryParameters, _ connection: StoreConnection) throws -> Int64? {
        guard let text = query["account_id"] else { return nil }
        guard let id = RecordID.parse(text) else { throw APIError.badRequest("account_id must be a positive integer", field: "account_id") }
        guard try CustomerService.isCompany(connection, id: id) else { throw APIError.notFound("no company customer \(id)") }
        return id
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
