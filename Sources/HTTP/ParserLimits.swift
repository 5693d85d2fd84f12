/// Size limits that bound the memory one connection's ``RequestParser`` may hold.
///
/// Every limit is enforced as soon as it is exceeded by buffered bytes, without waiting for
/// the end of the line, head or body, so a peer cannot make the parser buffer more than
/// these amounts (plus chunked framing overhead and one socket read).
///
/// ```swift
/// var parser = RequestParser(limits: ParserLimits(maxBodyBytes: 1 << 20))
/// ```
public struct ParserLimits: Sendable, Hashable {
    /// Longest request line, without its line terminator; longer is `414 URI Too Long`
    /// (RFC 9112 §3: a server that receives a request-target longer than it wishes to parse
    /// responds 414). Also bounds a chunk-size line (longer is `400`).
    public var maxRequestLine: Int
    /// Longest head (request line + header fields + terminators, i.e. everything up to and
    /// including the empty line); longer is `431 Request Header Fields Too Large`
    /// (RFC 6585 §5). Also bounds a chunked trailer section.
    public var maxHeaderBytes: Int
    /// Largest body, after de-chunking; larger is `413 Content Too Large` (RFC 9110 §15.5.14).
    public var maxBodyBytes: Int

    public init(maxRequestLine: Int = 8192, maxHeaderBytes: Int = 16384, maxBodyBytes: Int = 10 << 20) {
        self.maxRequestLine = maxRequestLine
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }
}
