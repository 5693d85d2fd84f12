/// What the client needs of a final response's head: its status, and how to find the end of
/// the body it then discards.
struct ResponseHead: Sendable, Hashable {
    /// How the body that follows the head ends (RFC 9112 §6.3).
    enum Framing: Sendable, Hashable {
        /// No body: `204`, `304` (§6.3 rule 1).
        case none
        /// `Content-Length` bytes (§6.3 rule 5).
        case length(Int)
        /// When the server closes: `Transfer-Encoding` (its chunks are not decoded, only
        /// discarded, and a server answering `Connection: close` closes after the last one) or
        /// neither header (§6.3 rules 3, 4 and 8).
        case untilClose
    }

    /// 100–599; never `1xx`, which the parser skips.
    let statusCode: Int
    let framing: Framing
}
