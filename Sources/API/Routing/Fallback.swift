import HTTP

/// Answers what no route takes: `404`, `405` with `Allow`, and `OPTIONS` (CORS preflight or a
/// plain capability query), all as problem+json where there is a body. Under `/v1` a request
/// other than `OPTIONS` (a preflight carries no credentials) is authenticated first
/// (``EndpointBuilder/admitMiss(_:_:)``).
enum Fallback {
    static func make(endpoints: EndpointBuilder) -> Router.Fallback {
        let cors = endpoints.cors
        return { request, context, miss, responder in
            let underV1 = request.path.hasPrefix("/v1")
            var response: Response
            switch underV1 && request.method != .options ? endpoints.admitMiss(request, context) : .admitted([]) {
            case .refused(let refusal):
                response = refusal
            case .admitted(let admitted):
                response = answer(request, context, miss, cors: cors)
                for header in admitted { response.headers.append(header) }
            }
            if underV1 {
                if response.header("Access-Control-Allow-Origin") == nil { response.headers += cors.responseHeaders(for: request) }
                if response.header("Vary") == nil { response.headers.append(("Vary", "Origin")) }
            }
            responder.respond(response)
        }
    }

    private static let serverMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

    private static func answer(_ request: Request, _ context: RequestContext, _ miss: Router.RouteMiss, cors: CORSPolicy) -> Response {
        switch miss {
        case .notFound where request.method == .options && request.target == "*":
            // `OPTIONS *` asks about the server as a whole (RFC 9110 §9.3.7): the methods some
            // path takes.
            return Response(status: 204, headers: [("Allow", serverMethods)])
        case .notFound:
            return ProblemRenderer.response(.notFound("no route for \(request.path)"), requestID: context.requestID)
        case .methodNotAllowed(let allowed):
            // Every routed path answers OPTIONS too, so its `Allow` says so, in the 405 as well.
            let methods = allowed + [.options]
            if request.method == .options {
                return cors.preflight(request, methods: methods)
                    ?? Response(status: 204, headers: [("Allow", methods.map(\.name).joined(separator: ", "))])
            }
            return ProblemRenderer.response(.methodNotAllowed(methods.map(\.name)), requestID: context.requestID)
        }
    }
}
