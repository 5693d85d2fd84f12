import CRM
import Crypto
import HTTP
import JSON

/// `/v1/segments` (saved rule trees, marketing and admin write; API.md §2 "segments"), their
/// members, and `POST /v1/customers/search` (a rule tree run ad hoc). Rule trees may scan
/// customers, so everything here that runs one is placed on the worker pool.
struct SegmentRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let customers: CustomerService

    func install(on router: inout Router) {
        let segments = SegmentSchema.service(customers: customers)
        let database = database
        let cursors = cursors
        let customers = customers
        RecordRoutes(
            endpoints: endpoints, database: database, cursors: cursors, clock: clock, service: segments, path: "/v1/segments",
            resource: .segments, listFields: SegmentSchema.listFields, readsOnWorkers: true,
            completeOnWorker: { response in
                guard case .bytes(let body) = response.body else { return response }
                var counted = response
                counted.body = .bytes(try database.read { try SegmentSchema.countingMembers(body, $0, customers: customers) })
                return counted
            }
        )
        .install(on: &router)
        let clock = clock

        router.add(
            .get, "/v1/segments/{id}/customers",
            endpoints.sync(.read(.segments), .worker) { request in
                let id = try request.idParameter()
                // Deleted customers are never members (member_count does not count them), so there
                // are no tombstones to include.
                if request.http.query.contains(where: { $0.name == "include_deleted" }) {
                    throw APIError.badRequest(
                        "deleted customers are not members; include_deleted is not accepted here", field: "include_deleted")
                }
                let list = try ListParameters(
                    request.http, resource: "segments/\(id)/customers", fields: CustomerSchema.listFields, cursors: cursors)
                return try database.read { connection in
                    guard let rules = try SegmentSchema.rules(connection, segment: id) else { throw APIError.notFound("no segment \(id)") }
                    return try JSONResponse.list { writer in
                        let next = try customers.renderMatching(connection, list.request, rules: rules, into: &writer)
                        return list.nextCursor(after: next, cursors: cursors)
                    }
                }
            })

        router.add(
            .post, "/v1/customers/search",
            endpoints.sync(.read(.customers), .worker) { request in
                _ = try QueryParameters(request.http, allowed: [])
                let body = try request.jsonObject()
                let catalog = try database.read { try RuleCatalog.customers($0) }
                let search = try CustomerSearch(body, catalog: catalog, cursors: cursors)
                @Sendable func answer(_ connection: StoreConnection) throws -> Response {
                    try JSONResponse.list { writer in
                        let next = try customers.renderMatching(connection, search.request, rules: search.rules, into: &writer)
                        return next.map { cursors.encode(.array([$0.key, .int($0.id)]), scope: search.scope) }
                    }
                }
                guard let idempotency = try IdempotencyHeader.key(of: request) else { return try database.read(answer) }
                // A POST with Idempotency-Key replays its first answer (API.md §1), a search's too:
                // the key is checked and the answer kept on the writer, as for a write. The search
                // itself runs here, on a reader, first: on the writer it held every write of the
                // server for as long as the tree took (an answer already kept is replayed, and
                // this one dropped).
                let computed = try database.read(answer)
                return try database.writeAndWait { connection in
                    try IdempotencyHeader.perform(idempotency, connection, now: clock.now(), withheld: nil) { computed }
                }
            })
    }
}

/// The body of `POST /v1/customers/search`: `{"rules"*, "sort", "limit", "cursor"}`.
struct CustomerSearch {
    let rules: RuleTree
    let request: ListRequest
    /// What the cursor is bound to: the tree and the sort.
    let scope: String

    init(_ body: JSONObject, catalog: RuleCatalog = .customers, cursors: CursorCodec) throws {
        var issues: [FieldError] = []
        for key in body.keys where !["rules", "sort", "limit", "cursor"].contains(key) {
            issues.append(FieldError(key, "unknown_field", "the body takes rules, sort, limit and cursor"))
        }
        guard issues.isEmpty else { throw APIError.validation(issues) }
        rules = try RuleTree.parse(body["rules"], catalog: catalog)

        guard let byID = CustomerSchema.listField("id") else { preconditionFailure("customers list without id") }
        var request = ListRequest(sortField: byID)
        if let sort = body["sort"] {
            let text = sort.stringValue ?? ""
            let name = text.hasPrefix("-") ? String(text.dropFirst()) : text
            guard let field = CustomerSchema.listField(name), field.sortExpression != nil else {
                let sortable = CustomerSchema.listFields.filter { $0.sortExpression != nil }.map(\.name).joined(separator: ", ")
                throw APIError.validation([FieldError("sort", "invalid_sort", "sort by one of \(sortable), with - for descending")])
            }
            request.sortField = field
            request.descending = text.hasPrefix("-")
        }
        if let limit = body["limit"] {
            guard let number = limit.intValue, (1...200).contains(number) else {
                throw APIError.badRequest("limit must be an integer from 1 to 200", field: "limit")
            }
            request.limit = Int(number)
        }
        let sortText = (request.descending ? "-" : "") + request.sortField.name
        // The tree with its keys sorted: a client that sends the same tree with its members in
        // another order (most JSON encoders do not keep an order) still continues its search.
        let rulesText = Self.canonical(body["rules"] ?? .null).jsonString
        scope = "customers/search?sort=\(sortText)&rules=" + SHA256.hash(Array(rulesText.utf8)).hexString
        if let cursor = body["cursor"] {
            guard let text = cursor.stringValue, case .array(let parts) = try cursors.decode(text, scope: scope), parts.count == 2,
                case .int(let id) = parts[1]
            else {
                throw APIError.badRequest("the cursor is invalid", field: "cursor")
            }
            request.after = (parts[0], id)
        }
        self.request = request
    }

    /// `value` with the members of every object in key order.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object): .object(JSONObject(object.sorted { $0.key < $1.key }.map { ($0.key, canonical($0.value)) }))
        case .array(let items): .array(items.map(canonical))
        default: value
        }
    }
}
