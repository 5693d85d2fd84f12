/// Matches method + path against templates such as `/v1/customers/{id}`, built once at start-up.
///
/// Literal segments win over parameters (`/v1/customers/export` before `/v1/customers/{id}`);
/// a path that exists under other methods is a ``RouteMatch/methodNotAllowed(_:)`` carrying the
/// methods for the `Allow` header. `HEAD` is served by the `GET` route (the connection drops
/// the body).
///
///     var router = Router()
///     router.add(.get, "/v1/customers/{id}") { request, context, responder in … }
public struct Router: Sendable {
    public typealias Handler = @Sendable (Request, RequestContext, Responder) -> Void
    /// Looks at the head of a request that has a body, before any of the body is read, and
    /// returns the response that refuses it (`401`, `403`, …) or `nil` to read the body. Runs on
    /// the event loop: it must answer from memory or a short read.
    public typealias Screen = @Sendable (Request, RequestContext) -> Response?

    /// What a route runs: its handler, and optionally a screen for the heads of requests with
    /// bodies, so that a client the handler would refuse cannot make the server read (and hold)
    /// a body first.
    public struct Endpoint: Sendable {
        public let handler: Handler
        public let screen: Screen?

        public init(screen: Screen? = nil, handler: @escaping Handler) {
            self.screen = screen
            self.handler = handler
        }
    }
    /// Answers requests no route takes: the API renders its own 404/405 and CORS preflights.
    public typealias Fallback = @Sendable (Request, RequestContext, RouteMiss, Responder) -> Void

    public enum RouteMiss: Sendable, Equatable {
        case notFound
        case methodNotAllowed(allowed: [HTTPMethod])
    }

    public enum RouteMatch: Sendable {
        case found(template: String, parameters: [String: String], endpoint: Endpoint)
        case miss(RouteMiss)
    }

    private final class Node: @unchecked Sendable {
        // @unchecked Sendable: nodes are mutated only while the router is being built, before
        // it is handed to the server; afterwards they are read-only.
        var literals: [String: Node] = [:]
        var parameter: (name: String, node: Node)?
        var handlers: [HTTPMethod: (template: String, endpoint: Endpoint)] = [:]
    }

    private var root = Node()
    public var fallback: Fallback = { _, _, miss, responder in
        switch miss {
        case .notFound:
            responder.respond(Response(status: 404))
        case .methodNotAllowed(let allowed):
            responder.respond(Response(status: 405, headers: [("Allow", allowed.map(\.name).joined(separator: ", "))]))
        }
    }

    public init() {}

    /// Registers `handler` for `method` on `template`; `{name}` segments capture one path segment.
    public mutating func add(_ method: HTTPMethod, _ template: String, _ handler: @escaping Handler) {
        add(method, template, Endpoint(handler: handler))
    }

    /// Registers `endpoint` for `method` on `template`; `{name}` segments capture one path segment.
    public mutating func add(_ method: HTTPMethod, _ template: String, _ endpoint: Endpoint) {
        var node = root
        for segment in template.split(separator: "/", omittingEmptySubsequences: true) {
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names at \(template)")
                    node = existing.node
                } else {
                    let child = Node()
                    node.parameter = (name, child)
                    node = child
                }
            } else if let child = node.literals[String(segment)] {
                node = child
            } else {
                let child = Node()
                node.literals[String(segment)] = child
                node = child
            }
        }
        precondition(node.handlers[method] == nil, "duplicate route \(method.name) \(template)")
        node.handlers[method] = (template, endpoint)
    }

    /// Finds the handler for a decoded path.
    public func match(_ method: HTTPMethod, segments: [String]) -> RouteMatch {
        var parameters: [String: String] = [:]
        guard let node = Self.find(root, segments[...], &parameters) else { return .miss(.notFound) }
        let lookup = method == .head ? HTTPMethod.get : method
        if let entry = node.handlers[lookup] {
            return .found(template: entry.template, parameters: parameters, endpoint: entry.endpoint)
        }
        if node.handlers.isEmpty { return .miss(.notFound) }
        var allowed = Array(node.handlers.keys)
        if allowed.contains(.get) { allowed.append(.head) }
        return .miss(.methodNotAllowed(allowed: allowed.sorted { $0.name < $1.name }))
    }

    /// Depth-first: literals first, then the parameter, backtracking when a branch dead-ends.
    private static func find(_ node: Node, _ segments: ArraySlice<String>, _ parameters: inout [String: String]) -> Node? {
        guard let segment = segments.first else { return node.handlers.isEmpty ? nil : node }
        let rest = segments.dropFirst()
        if let literal = node.literals[segment], let found = find(literal, rest, &parameters) {
            return found
        }
        if let (name, child) = node.parameter, !segment.isEmpty {
            if let found = find(child, rest, &parameters) {
                parameters[name] = segment
                return found
            }
        }
        return nil
    }
}
