/// HMAC with SHA-256 as the hash function, as specified by RFC 2104
/// (test vectors: RFC 4231).
///
/// ```swift
/// let tag = HMACSHA256.authenticationCode(for: Array(body.utf8), key: secret)
/// let ok = constantTimeEquals(tag, receivedTag)
/// ```
///
/// Used to sign webhook deliveries. Compare tags with ``constantTimeEquals(_:_:)``,
/// never with `==`.
public enum HMACSHA256 {
    /// The block size B of RFC 2104 §2 for SHA-256, in bytes.
    private static let blockByteCount = SHA256.blockByteCount

    /// Computes `H(K XOR opad, H(K XOR ipad, text))` (RFC 2104 §2).
    ///
    /// A key longer than the 64-byte block is first hashed; a shorter one is
    /// padded with zeros. The result is the full 32-byte tag.
    public static func authenticationCode(
        for message: some Sequence<UInt8>,
        key: some Sequence<UInt8>
    ) -> [UInt8] {
        var block = Array(key)
        if block.count > blockByteCount {
            block = SHA256.hash(block)
        }
        block.append(contentsOf: repeatElement(0, count: blockByteCount - block.count))

        // RFC 2104 §2: ipad = 0x36 and opad = 0x5C, each repeated B times.
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()

        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return outer.finalize()
    }
}
