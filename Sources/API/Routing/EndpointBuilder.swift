import CRM
import Dispatch
import HTTP
import Synchronization

/// Wraps route handlers in the conventions every endpoint shares, in one place: authentication,
/// role checks, rate limits, CORS, `Vary: Origin`, problem+json errors and where the work runs.
///
///     router.add(.get, "/v1/api-keys", endpoints.sync(.read(.apiKeys)) { request in … })
struct EndpointBuilder: Sendable {
    /// Delivers a handler's outcome; may be called from any thread, once.
    typealias Reply = @Sendable (Result<Response, any Error>) -> Void

    let authenticator: Authenticator
    let rateLimiter: RateLimiter?
    let cors: CORSPolicy
    let log: Logger
    /// Where `.worker` placements run (bounded: a full queue is a `503`).
    let workers: WorkerPool
    /// Whether `.inline` handlers run on the workers too: on PostgreSQL every read is a round
    /// trip over the network, which an event loop must not wait for.
    var offloadsInline = false
    /// Inline requests that ran past ``inlineReadBudget`` and moved to a worker (a metric).
    let movedToWorkers = Counter()

    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    /// A handler that computes its response synchronously.
    ///
    /// Most requests come through here (`GET /v1/customers/{id}` among them), so an inline
    /// handler's response is rendered and handed to the responder directly, with no reply
    /// closure or job allocated per request.
    func sync(
        _ access: Access, _ placement: Placement = .inline, _ body: @escaping @Sendable (APIRequest) throws -> Response
    ) -> Router.Endpoint {
        let builder = self
        return Router.Endpoint(screen: screen(access)) { request, context, responder in
            guard builder.offloads(placement, request) else {
                // Rendered while the key check's snapshot is held: the handler's reads join it.
                let outcome = builder.admit(access, request, context, responder) { apiRequest, shared -> InlineOutcome in
                    switch Result(catching: { try Database.withinReadBudget(wallTime: builder.inlineReadBudget) { try body(apiRequest) } })
                    {
                    case .success(let response?): .answered(builder.render(.success(response), extra: shared, context: context))
                    case .success(nil): .tooLong(apiRequest, shared)
                    case .failure(let error): .answered(builder.render(.failure(error), extra: shared, context: context))
                    }
                }
                switch outcome {
                case .answered(let response): responder.respond(response)
                case .tooLong(let apiRequest, let shared):
                    builder.movedToWorkers.add()
                    builder.runOnWorker(apiRequest, shared, context, responder, body)
                case nil: break
                }
                return
            }
            guard let (apiRequest, shared) = builder.admit(access, request, context, responder) else { return }
            builder.runOnWorker(apiRequest, shared, context, responder, body)
        }
    }

    /// Time an inline handler's reads may take on an event loop before the request moves to a
    /// worker and starts again there (wall-clock time: what the loop's other connections wait;
    /// ``SQLite/ReadBudget`` says why not CPU time here). What an index serves takes
    /// microseconds; a list whose filter or sort no index serves reads the whole table (hundreds
    /// of milliseconds on 200,000 customers), and every other connection of the loop would wait
    /// for it. Which one a request is cannot be told from its parameters alone (a selective filter
    /// on an unindexed column after an indexed one is cheap), so the loop tries, and gives up
    /// after this much.
    var inlineReadBudget = defaultInlineReadBudget
    static let defaultInlineReadBudget: Duration = .milliseconds(5)

    /// What became of an inline handler on its event loop.
    private enum InlineOutcome {
        case answered(Response)
        /// Its reads ran past ``inlineReadBudget``: what it wrote is dropped, and it runs again on a worker.
        case tooLong(APIRequest, [(name: String, value: String)])
    }

    private func runOnWorker(
        _ apiRequest: APIRequest, _ shared: [(name: String, value: String)], _ context: RequestContext, _ responder: Responder,
        _ body: @escaping @Sendable (APIRequest) throws -> Response
    ) {
        let submitted = workers.submit {
            responder.respond(self.render(Result { try body(apiRequest) }, extra: shared, context: context))
        }
        if !submitted { responder.respond(render(.failure(Self.workersBusy), extra: shared, context: context)) }
    }

    /// A handler that replies later, e.g. from the database writer after its commit.
    func async(
        _ access: Access, _ placement: Placement = .inline, _ body: @escaping @Sendable (APIRequest, @escaping Reply) throws -> Void
    ) -> Router.Endpoint {
        let builder = self
        return Router.Endpoint(screen: screen(access)) { request, context, responder in
            guard let (apiRequest, shared) = builder.admit(access, request, context, responder) else { return }
            let finish: Reply = { result in responder.respond(builder.render(result, extra: shared, context: context)) }
            let run: @Sendable () -> Void = {
                do {
                    try body(apiRequest, finish)
                } catch {
                    finish(.failure(error))
                }
            }
            guard builder.offloads(placement, request) else { return run() }
            if !builder.workers.submit(run) { finish(.failure(Self.workersBusy)) }
        }
    }

    private static let workersBusy = APIError.unavailable("every worker is busy and the queue is full; retry")

    /// Authenticates the request, counts it against its key's rate limit and checks the role:
    /// the request as handlers see it and the headers every answer carries, or `nil` once the
    /// refusal has been answered.
    private func admit(
        _ access: Access, _ request: Request, _ context: RequestContext, _ responder: Responder
    ) -> (APIRequest, [(name: String, value: String)])? {
        admit(access, request, context, responder) { ($0, $1) }
    }

    /// ``admit(_:_:_:_:)``, running `body` with the admitted request while authentication's
    /// snapshot is held (``Authenticator``): `body`'s reads on this thread join it.
    private func admit<T>(
        _ access: Access, _ request: Request, _ context: RequestContext, _ responder: Responder,
        _ body: (APIRequest, [(name: String, value: String)]) -> T
    ) -> T? {
        var shared = sharedHeaders(request, context)
        if case .open = access { return body(APIRequest(http: request, context: context, key: nil), shared) }
        do {
            return try authenticator.authenticate(request) { key in
                if let limiter = rateLimiter {
                    let decision = limiter.take(key.id)
                    shared += decision.headers
                    if !decision.allowed {
                        throw APIError.tooManyRequests(retryAfter: decision.retryAfter, headers: [])
                    }
                }
                guard access.permits(key.role) else {
                    throw APIError.forbidden("a \(key.role.rawValue) key may not do this")
                }
                return body(APIRequest(http: request, context: context, key: key), shared)
            }
        } catch {
            responder.respond(render(.failure(error), extra: shared, context: context))
            return nil
        }
    }

    /// Whether `placement` sends this request's work to a worker thread (`.inline` too when
    /// ``offloadsInline``, on PostgreSQL).
    private func offloads(_ placement: Placement, _ request: Request) -> Bool {
        switch placement {
        case .inline: offloadsInline
        case .worker: true
        case .workerWhen(let isSlow): isSlow(request)
        }
    }

    /// Whether a route template starts with `/v1`, compared as bytes (templates are ASCII):
    /// `String.hasPrefix` compares characters, several times the cost, on every request.
    static func isUnderV1(_ route: String) -> Bool {
        route.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.count >= 3 && bytes[0] == UInt8(ascii: "/") && bytes[1] == UInt8(ascii: "v") && bytes[2] == UInt8(ascii: "1")
        } ?? route.hasPrefix("/v1")
    }

    /// `Vary: Origin`, shared by every `/v1` answer instead of allocated for each.
    private static let varyOrigin: [(name: String, value: String)] = [("Vary", "Origin")]

    /// What every answer of an endpoint carries: the CORS headers for the request's origin, and
    /// `Vary: Origin` under `/v1`.
    func sharedHeaders(_ request: Request, _ context: RequestContext) -> [(name: String, value: String)] {
        let vary = context.route.map(Self.isUnderV1) ?? true
        var headers = cors.responseHeaders(for: request)
        if headers.isEmpty { return vary ? Self.varyOrigin : [] }
        if vary { headers += Self.varyOrigin }
        return headers
    }

    /// The head check of an endpoint that needs a key: the same `401`, `403` and `429` the
    /// handler would answer, decided before the body is read (a client that may not call the
    /// endpoint, or not now, cannot make the server receive and hold its body, nor get a
    /// `100 Continue` for a body that will be refused). An admitted key's token is only looked
    /// at here and taken by the handler, so a request is counted once; one refused here never
    /// gets there, so it is counted here, and answered as ``admit(_:_:_:_:_:)`` would: `429`
    /// over the limit, else `403`, with the `RateLimit-*` headers every authenticated answer
    /// carries.
    private func screen(_ access: Access) -> Router.Screen? {
        if case .open = access { return nil }
        let builder = self
        return { head, context in
            var headers = builder.sharedHeaders(head, context)
            do {
                try builder.authenticator.authenticate(head) { key in
                    let permitted = access.permits(key.role)
                    if let limiter = builder.rateLimiter {
                        let decision = permitted ? limiter.peek(key.id) : limiter.take(key.id)
                        headers += decision.headers
                        if !decision.allowed { throw APIError.tooManyRequests(retryAfter: decision.retryAfter, headers: []) }
                    }
                    if !permitted { throw APIError.forbidden("a \(key.role.rawValue) key may not do this") }
                }
                return nil
            } catch {
                return builder.render(.failure(error), extra: headers, context: context)
            }
        }
    }

    /// A request under `/v1` that no route takes is still authenticated first (API.md: a key on
    /// everything under `/v1`), from its head alone, so the route map is no answer to a client
    /// without a key: the `401` (or `429`) that refuses it, else the `RateLimit-*` headers every
    /// authenticated answer carries, for its `404` or `405`.
    func admitMiss(_ request: Request, _ context: RequestContext) -> MissAdmission {
        var headers: [(name: String, value: String)] = []
        do {
            try authenticator.authenticate(request) { key in
                guard let limiter = rateLimiter else { return }
                let decision = limiter.take(key.id)
                headers += decision.headers
                if !decision.allowed { throw APIError.tooManyRequests(retryAfter: decision.retryAfter, headers: []) }
            }
            return .admitted(headers)
        } catch {
            return .refused(render(.failure(error), extra: headers, context: context))
        }
    }

    enum MissAdmission {
        /// The request's answer: no key, an unknown or revoked one, or over its rate limit.
        case refused(Response)
        /// A known key: the headers its `404` or `405` carries.
        case admitted([(name: String, value: String)])
    }

    /// A write: `prepare` parses and validates on the calling thread and returns the job; the job
    /// runs on the database writer (inside `Idempotency-Key` handling for POSTs) and the
    /// response goes out after COMMIT.
    ///
    /// `withheld`: the response carries a secret and must never be stored for an
    /// `Idempotency-Key` replay; the text says what the first request created (see
    /// ``IdempotencyKey/perform(_:now:withheld:_:)``). `outermost`: a job of many records, each in
    /// its own savepoint (``Database/write(outermost:_:completion:)``).
    ///
    /// `then`: runs on the worker pool after the commit, on a successful answer (what the writer
    /// must not spend its time on; a full pool leaves the answer as the writer made it).
    func write(
        _ access: Access, database: Database, clock: CRMClock, withheld: String? = nil, outermost: Bool = false,
        then: (@Sendable (Response) throws -> Response)? = nil,
        _ prepare: @escaping @Sendable (APIRequest) throws -> @Sendable (StoreConnection, Timestamp) throws -> Response
    ) -> Router.Endpoint {
        let workers = self.workers
        return async(access, .workerWhen(Self.hasLargeBody)) { request, reply in
            // Writes take no query parameters: one sent is a mistake the client should hear of.
            _ = try QueryParameters(request.http, allowed: [])
            let job = try prepare(request)
            let idempotency = try IdempotencyHeader.key(of: request)
            let completion: Reply =
                if let then {
                    { result in
                        guard case .success(let response) = result, (200..<300).contains(response.status),
                            workers.submit({ reply(Result { try then(response) }) })
                        else { return reply(result) }
                    }
                } else {
                    reply
                }
            database.write(
                outermost: outermost,
                { connection in
                    let now = clock.now()
                    if let idempotency {
                        return try IdempotencyHeader.perform(idempotency, connection, now: now, withheld: withheld) {
                            try job(connection, now)
                        }
                    }
                    return try job(connection, now)
                }, completion: completion)
        }
    }

    /// Parsing and validating a body costs time in proportion to its size: past this a write's
    /// preparation moves off the event loop, so a large body never delays the loop's other
    /// connections (a small one is cheaper to handle in place than to hand over).
    static let largeBodyBytes = 16 << 10

    static func hasLargeBody(_ request: Request) -> Bool { request.body.count > largeBodyBytes }

    /// Adds the shared headers, or renders the error as problem+json.
    func render(_ result: Result<Response, any Error>, extra: [(name: String, value: String)], context: RequestContext) -> Response {
        var response: Response
        switch result {
        case .success(let success):
            response = success
        case .failure(let error as APIError):
            response = ProblemRenderer.response(error, requestID: context.requestID)
        case .failure(let error as CRMError):
            response = ProblemRenderer.response(APIError(error), requestID: context.requestID)
        case .failure(let error):
            if let fault = Database.fault(of: error) {
                // Busy is routine under load; a full or unwritable database needs the operator.
                if fault != .busy {
                    log.error("database fault", ["request_id": context.requestID, "route": context.route ?? "", "error": "\(error)"])
                }
                response = ProblemRenderer.response(.databaseFault(fault), requestID: context.requestID)
            } else {
                log.error("unhandled error", ["request_id": context.requestID, "route": context.route ?? "", "error": "\(error)"])
                response = ProblemRenderer.response(.internalError(), requestID: context.requestID)
            }
        }
        // One at a time: appending an array of tuples of strings goes through a generic path
        // that costs several times as much for the one or two headers there usually are.
        for header in extra { response.headers.append(header) }
        return response
    }
}
