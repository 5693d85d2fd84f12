/// Compares two byte strings in time that depends only on their lengths,
/// never on where they first differ.
///
/// Use it for secrets and authentication tags (API key hashes, HMAC
/// signatures): an early-exit `==` lets an attacker learn a secret one byte
/// at a time from response timings. Lengths are public (every SHA-256 digest
/// is 32 bytes), so a length mismatch returns `false` at once.
///
/// ```swift
/// guard constantTimeEquals(SHA256.hash(presented), storedHash) else { throw … }
/// ```
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    a.withUnsafeBufferPointer { left in
        b.withUnsafeBufferPointer { right in
            for index in 0..<left.count {
                difference |= left[index] ^ right[index]
            }
        }
    }
    return difference == 0
}
