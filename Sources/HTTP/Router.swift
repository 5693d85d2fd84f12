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
        case found(template: String, parameters: PathParameters, endpoint: Endpoint)
        case miss(RouteMiss)
    }

    /// A node of the tree as it is being built (``add(_:_:_:)-swift.method``).
    private final class Builder {
        var literals: [(segment: [UInt8], node: Builder)] = []
        var parameter: (name: String, node: Builder)?
        var handlers: [(method: HTTPMethod, template: String, endpoint: Endpoint)] = []

        init() {}

        /// A mutable copy of a frozen tree.
        init(_ node: Node) {
            literals = node.literals.map { ($0.segment, Builder($0.node)) }
            parameter = node.parameter.map { ($0.name, Builder($0.node)) }
            handlers = node.handlers
        }
    }

    /// A node of the tree requests are matched against: immutable, so reading it needs no
    /// run-time exclusivity check, and Sendable as it is.
    private final class Node: Sendable {
        /// Literal children, each with its segment's UTF-8: a few entries per node, compared
        /// length first, so a lookup hashes nothing and allocates nothing.
        let literals: [(segment: [UInt8], node: Node)]
        let parameter: (name: String, node: Node)?
        /// A handful of methods at most: a list is cheaper to search than a dictionary to hash.
        let handlers: [(method: HTTPMethod, template: String, endpoint: Endpoint)]

        init(_ builder: Builder) {
            literals = builder.literals.map { ($0.segment, Node($0.node)) }
            parameter = builder.parameter.map { ($0.name, Node($0.node)) }
            handlers = builder.handlers
        }

        func literal(_ segment: UnsafeBufferPointer<UInt8>) -> Node? {
            for entry in literals where entry.segment.count == segment.count {
                let equal = entry.segment.withUnsafeBufferPointer { $0.elementsEqual(segment) }
                if equal { return entry.node }
            }
            return nil
        }

        func handler(for method: HTTPMethod) -> (template: String, endpoint: Endpoint)? {
            for entry in handlers where entry.method == method { return (entry.template, entry.endpoint) }
            return nil
        }
    }

    /// Replaced as a whole by every ``add(_:_:_:)-swift.method``, which thaws it, adds and freezes
    /// it again (a few dozen routes, once, at start-up); never changed in place, so copies of a
    /// router stay apart.
    private var root = Node(Builder())
    /// The most segments any template has: a longer path matches nothing and is not split.
    private var maximumDepth = 0
    public var fallback: Fallback = { _, _, miss, responder in
        switch miss {
        case .notFound:
            responder.respond(Response(status: 404))
        case .methodNotAllowed(let allowed):
            responder.respond(Response(status: 405, headers: [("Allow", allowed.map(\.name).joined(separator: ", "))]))
        }
    }

    public init() {}

    /// Registers `handler` for `method` on `template`; `{name}` segments capture one path segment,
    /// and `{id}` only a record id (``isRecordID(_:)``): any other spelling names nothing, so it is a
    /// `404` under every method, never a `405` that would say the path exists.
    public mutating func add(_ method: HTTPMethod, _ template: String, _ handler: @escaping Handler) {
        add(method, template, Endpoint(handler: handler))
    }

    /// Registers `endpoint` for `method` on `template`; `{name}` segments capture one path segment
    /// (`{id}` only a record id).
    public mutating func add(_ method: HTTPMethod, _ template: String, _ endpoint: Endpoint) {
        let builder = Builder(root)
        var node = builder
        var depth = 0
        for segment in template.split(separator: "/", omittingEmptySubsequences: true) {
            depth += 1
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names at \(template)")
                    node = existing.node
                } else {
                    let child = Builder()
                    node.parameter = (name, child)
                    node = child
                }
            } else {
                let bytes = Array(segment.utf8)
                if let child = node.literals.first(where: { $0.segment == bytes })?.node {
                    node = child
                } else {
                    let child = Builder()
                    node.literals.append((bytes, child))
                    node = child
                }
            }
        }
        precondition(!node.handlers.contains { $0.method == method }, "duplicate route \(method.name) \(template)")
        node.handlers.append((method, template, endpoint))
        maximumDepth = max(maximumDepth, depth)
        root = Node(builder)
    }

    /// Finds the handler for a request-target (`/v1/customers/42?x=1`; the query is ignored).
    ///
    /// Only the canonical spelling of a path names a resource: `/` alone, or segments joined by
    /// single slashes with no trailing slash (`/v1/customers/1/` and `/v1//customers/1` are
    /// `404`; see ``Request/hasCanonicalPath``). Segments are percent-decoded before they are
    /// compared or captured, so `%2F` stays inside its segment (`/v1/a%2Fb` has two). A target
    /// that is not a path (`*`) has no segments.
    ///
    /// Matching reads the target's bytes in place: a path without `%` is split into ranges on the
    /// stack, literals are compared as bytes, and the only strings made are the captured values.
    public func match(_ method: HTTPMethod, target: String) -> RouteMatch {
        var target = target
        let maximumDepth = self.maximumDepth
        return target.withUTF8 { bytes in
            guard bytes.first == UInt8(ascii: "/") else { return resolve(method, bytes, UnsafeBufferPointer(start: nil, count: 0)) }
            let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
            if end == 1 { return resolve(method, bytes, UnsafeBufferPointer(start: nil, count: 0)) }
            // One more slot than any template needs, so that a longer path is seen as such.
            return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: maximumDepth + 1) { ranges in
                var count = 0
                var start = 1
                var hasPercent = false
                for index in 1...end {
                    if index == end || bytes[index] == UInt8(ascii: "/") {
                        // An empty segment: a doubled or trailing slash, never canonical.
                        guard start < index else { return .miss(.notFound) }
                        guard count < ranges.count else { return .miss(.notFound) }
                        ranges[count] = start..<index
                        count += 1
                        start = index + 1
                    } else if bytes[index] == UInt8(ascii: "%") {
                        hasPercent = true
                    }
                }
                let split = UnsafeBufferPointer(rebasing: ranges[0..<count])
                guard hasPercent else { return resolve(method, bytes, split) }
                let decoded = Self.decode(bytes, split)
                return decoded.bytes.withUnsafeBufferPointer { decodedBytes in
                    decoded.ranges.withUnsafeBufferPointer { decodedRanges in
                        resolve(method, decodedBytes, decodedRanges)
                    }
                }
            }
        }
    }

    /// Each segment percent-decoded (kept raw when it does not decode to UTF-8, which only a
    /// hand-built request can hold: the parser refuses such targets), laid end to end.
    private static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, _ ranges: UnsafeBufferPointer<Range<Int>>
    ) -> (bytes: [UInt8], ranges: [Range<Int>]) {
        var decoded: [UInt8] = []
        var decodedRanges: [Range<Int>] = []
        decodedRanges.reserveCapacity(ranges.count)
        for range in ranges {
            let raw = UnsafeBufferPointer(rebasing: bytes[range])
            let start = decoded.count
            if raw.contains(UInt8(ascii: "%")), let bytes = PercentDecoding.decodeBytes(raw, plusAsSpace: false),
                PercentDecoding.isValidUTF8(bytes)
            {
                decoded.append(contentsOf: bytes)
            } else {
                decoded.append(contentsOf: raw)
            }
            decodedRanges.append(start..<decoded.count)
        }
        return (decoded, decodedRanges)
    }

    /// The route for the segments `ranges` of `bytes`, or why there is none.
    private func resolve(_ method: HTTPMethod, _ bytes: UnsafeBufferPointer<UInt8>, _ ranges: UnsafeBufferPointer<Range<Int>>) -> RouteMatch
    {
        var names: [String] = []
        var values: [String] = []
        guard let node = Self.find(root, bytes, ranges[...], &names, &values) else { return .miss(.notFound) }
        let lookup = method == .head ? HTTPMethod.get : method
        if let entry = node.handler(for: lookup) {
            // Captured while unwinding, so last segment first.
            let parameters = names.isEmpty ? PathParameters() : PathParameters(names: names.reversed(), values: values.reversed())
            return .found(template: entry.template, parameters: parameters, endpoint: entry.endpoint)
        }
        if node.handlers.isEmpty { return .miss(.notFound) }
        var allowed = node.handlers.map(\.method)
        if allowed.contains(.get) { allowed.append(.head) }
        return .miss(.methodNotAllowed(allowed: allowed.sorted { $0.name < $1.name }))
    }

    /// Depth-first: literals first, then the parameter, backtracking when a branch dead-ends.
    private static func find(
        _ node: Node, _ bytes: UnsafeBufferPointer<UInt8>, _ ranges: Slice<UnsafeBufferPointer<Range<Int>>>,
        _ names: inout [String], _ values: inout [String]
    ) -> Node? {
        guard let range = ranges.first else { return node.handlers.isEmpty ? nil : node }
        let rest = ranges.dropFirst()
        let segment = UnsafeBufferPointer(rebasing: bytes[range])
        if let literal = node.literal(segment), let found = find(literal, bytes, rest, &names, &values) {
            return found
        }
        if let (name, child) = node.parameter, !segment.isEmpty, name != "id" || isRecordID(segment) {
            if let found = find(child, bytes, rest, &names, &values) {
                names.append(name)
                values.append(String(decoding: segment, as: UTF8.self))
                return found
            }
        }
        return nil
    }

    /// A positive decimal integer within `Int64`, written without sign or leading zeros: the one
    /// spelling of a record id (`01`, `+1`, `1.0` and `abc` name nothing).
    static func isRecordID(_ segment: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = segment.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9"), segment.count <= 19 else {
            return false
        }
        var value: Int64 = 0
        for byte in segment {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return false }
            value = sum
        }
        return true
    }
}
