import HTTP

/// Answers what no route takes: `404`, `405` with `Allow`, and `OPTIONS` (CORS preflight or a
/// plain capability query), all as problem+json where there is a body.
enum Fallback {
    static func make(cors: CORSPolicy) -> Router.Fallback {
        { request, context, miss, responder in
            var response: Response
            switch miss {
            case .notFound:
                response = ProblemRenderer.response(.notFound("no route for \(request.path)"), requestID: context.requestID)
            case .methodNotAllowed(let allowed):
                if request.method == .options {
                    let methods = allowed + [.options]
                    response =
                        cors.preflight(request, methods: methods)
                        ?? Response(status: 204, headers: [("Allow", methods.map(\.name).joined(separator: ", "))])
                } else {
                    response = ProblemRenderer.response(.methodNotAllowed(allowed.map(\.name)), requestID: context.requestID)
                }
            }
            if request.path.hasPrefix("/v1") {
                if response.header("Access-Control-Allow-Origin") == nil { response.headers += cors.responseHeaders(for: request) }
                if response.header("Vary") == nil { response.headers.append(("Vary", "Origin")) }
            }
            responder.respond(response)
        }
    }
}
