/// What became of one `POST`: the status the server answered, whatever it was, or why there was
/// none.
///
/// A `3xx` is a response like any other: redirects are never followed, since the target of a
/// redirect would escape the address check the URL passed.
public enum OutboundResult: Sendable, Hashable {
    case response(statusCode: Int)
    case failure(OutboundFailure)

    /// The status code, if the server answered.
    public var statusCode: Int? {
        if case .response(let statusCode) = self { return statusCode }
        return nil
    }

    /// The failure, if there was no answer.
    public var failure: OutboundFailure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
