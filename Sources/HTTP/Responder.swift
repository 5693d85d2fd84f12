/// The one-shot reply channel of a request. A handler calls ``respond(_:)`` exactly once, from
/// any thread: synchronously on the event loop (the fast path for short reads), or later from a
/// worker or the database writer, in which case the response hops back to the connection's loop.
public struct Responder: Sendable {
    private let deliver: @Sendable (Response) -> Void

    init(deliver: @escaping @Sendable (Response) -> Void) {
        self.deliver = deliver
    }

    public func respond(_ response: Response) {
        deliver(response)
    }

    /// A responder that hands the response to `body`: for tests that call handlers directly.
    public static func capturing(_ body: @escaping @Sendable (Response) -> Void) -> Responder {
        Responder(deliver: body)
    }
}
