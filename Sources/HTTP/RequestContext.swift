/// What the server knows about a request beyond its bytes: its id, the route it matched and
/// that route's path parameters.
public struct RequestContext: Sendable {
    /// The `X-Request-Id` the response will carry.
    public let requestID: String
    /// The matched route template (`/v1/customers/{id}`), or `nil` when no route matched.
    public let route: String?
    /// Path parameters by name, percent-decoded.
    public let parameters: PathParameters
    /// When the request was dispatched, in monotonic nanoseconds.
    public let receivedAt: UInt64

    public init(requestID: String, route: String?, parameters: PathParameters = PathParameters(), receivedAt: UInt64 = 0) {
        self.requestID = requestID
        self.route = route
        self.parameters = parameters
        self.receivedAt = receivedAt
    }

    public subscript(parameter name: String) -> String? { parameters[name] }
}
