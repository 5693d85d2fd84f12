/// How the connection answers the head of a request with a body that it refused before reading
/// the body: the route's screen (or the body budget) gave a response, or no route takes the
/// request. ``ConnectionStateMachine`` carries it, unread, to the exchange it starts for the
/// answer, so that the answer and the screen share one request id.
struct HeadRefusal {
    enum Answer {
        /// The screen's refusal (`401`, `403`, …) or the body budget's `503`.
        case response(Response)
        /// No route: the router's fallback renders `404`/`405` (or answers a CORS preflight).
        case routeMiss(Router.RouteMiss)
    }

    let requestID: String
    /// The matched route template, for the log; `nil` on a miss.
    let route: String?
    let answer: Answer
    /// Whether the body is read and dropped after the answer so the connection stays open (a
    /// refusal of this request); not for the body budget's `503`, which refuses to take more
    /// bytes in, so its connection closes.
    var skipsBody = true
}
