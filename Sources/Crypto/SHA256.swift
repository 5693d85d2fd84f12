/// SHA-256 as specified by FIPS 180-4 (Secure Hash Standard), §6.2.
///
/// An incremental hasher: feed bytes with ``update(_:)-(some Sequence<UInt8>)`` in
/// as many pieces as convenient, then call ``finalize()`` once. Whole 64-byte
/// blocks are compressed straight from the caller's buffer; only a partial
/// block is copied into the hasher's own 64-byte buffer.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Array("ab".utf8))
/// hasher.update(Array("c".utf8))
/// let digest = hasher.finalize()  // ba7816bf…f20015ad
/// ```
///
/// Used for API key hashes and HMAC-SHA256 (RFC 2104); it is not a password
/// hash and must not be used as one.
public struct SHA256 {
    /// Size of a digest in bytes (FIPS 180-4 §1: 256 bits).
    public static let digestByteCount = 32
    /// Size of a message block in bytes (FIPS 180-4 §1: 512 bits).
    public static let blockByteCount = 64

    // Hash value H(i), FIPS 180-4 §6.2.2. Eight scalars rather than an array so
    // the hot loop never touches the heap or a copy-on-write check.
    private var h0: UInt32 = 0x6a09_e667
    private var h1: UInt32 = 0xbb67_ae85
    private var h2: UInt32 = 0x3c6e_f372
    private var h3: UInt32 = 0xa54f_f53a
    private var h4: UInt32 = 0x510e_527f
    private var h5: UInt32 = 0x9b05_688c
    private var h6: UInt32 = 0x1f83_d9ab
    private var h7: UInt32 = 0x5be0_cd19

    /// Bytes of a not yet complete block; only the first `bufferedCount` are meaningful.
    private var buffer = [UInt8](repeating: 0, count: SHA256.blockByteCount)
    private var bufferedCount = 0
    /// Total message length in bytes so far; the bit length is this times 8
    /// modulo 2^64 (FIPS 180-4 §5.1.1 limits messages to < 2^64 bits).
    private var messageByteCount: UInt64 = 0

    /// A hasher in the initial state H(0) of FIPS 180-4 §5.3.3.
    public init() {}

    /// Appends `bytes` to the message.
    ///
    /// Contiguous collections (`[UInt8]`, `Data`, `String.UTF8View` of a native
    /// string) are hashed in place; other sequences are copied once.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { storage in
            update(UnsafeRawBufferPointer(storage))
        }
        if handled == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update($0) }
        }
    }

    /// Appends the bytes of `buffer` to the message.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard var base = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        messageByteCount &+= UInt64(remaining)

        // Top up a partial block first.
        if bufferedCount > 0 {
            let take = min(remaining, Self.blockByteCount - bufferedCount)
            let start = bufferedCount
            self.buffer.withUnsafeMutableBytes { block in
                block.baseAddress!.advanced(by: start).copyMemory(from: base, byteCount: take)
            }
            bufferedCount += take
            base += take
            remaining -= take
            guard bufferedCount == Self.blockByteCount else { return }
            compressBuffer()
            bufferedCount = 0
        }

        // Whole blocks straight from the caller's memory.
        while remaining >= Self.blockByteCount {
            compress(UnsafeRawPointer(base))
            base += Self.blockByteCount
            remaining -= Self.blockByteCount
        }

        // Keep the tail for later.
        if remaining > 0 {
            let tail = remaining
            self.buffer.withUnsafeMutableBytes { block in
                block.baseAddress!.copyMemory(from: base, byteCount: tail)
            }
            bufferedCount = tail
        }
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the 32-byte digest.
    ///
    /// The hasher is reset to its initial state afterwards, so the same value
    /// can hash a new message.
    public mutating func finalize() -> [UInt8] {
        let bitLength = messageByteCount &* 8
        // A single 1 bit, then zeros up to 56 mod 64, then the 64-bit length.
        var padding = [UInt8](repeating: 0, count: Self.blockByteCount + 8)
        padding[0] = 0x80
        let padLength = bufferedCount < 56 ? 56 - bufferedCount : 120 - bufferedCount
        for index in 0..<8 {
            padding[padLength + index] = UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * UInt64(index)))
        }
        padding.withUnsafeBytes { update(UnsafeRawBufferPointer(rebasing: $0[0..<(padLength + 8)])) }
        precondition(bufferedCount == 0, "SHA-256 padding must end on a block boundary")

        var digest = [UInt8](repeating: 0, count: Self.digestByteCount)
        for (index, word) in [h0, h1, h2, h3, h4, h5, h6, h7].enumerated() {
            digest[4 * index] = UInt8(truncatingIfNeeded: word >> 24)
            digest[4 * index + 1] = UInt8(truncatingIfNeeded: word >> 16)
            digest[4 * index + 2] = UInt8(truncatingIfNeeded: word >> 8)
            digest[4 * index + 3] = UInt8(truncatingIfNeeded: word)
        }
        self = SHA256()
        return digest
    }

    /// The SHA-256 digest of `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 digest of the UTF-8 encoding of `string`.
    public static func hash(_ string: String) -> [UInt8] {
        var string = string
        return string.withUTF8 { hash($0) }
    }

    private mutating func compressBuffer() {
        let copy = buffer  // shares storage; no allocation
        copy.withUnsafeBytes { compress($0.baseAddress!) }
    }

    /// The compression function of FIPS 180-4 §6.2.2 on one 64-byte block.
    private mutating func compress(_ block: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            // Step 1: the message schedule W(t).
            for t in 0..<16 {
                schedule[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
            }
            for t in 16..<64 {
                let w15 = schedule[t - 15]
                let w2 = schedule[t - 2]
                let sigma0 = w15.rotatedRight(7) ^ w15.rotatedRight(18) ^ (w15 >> 3)
                let sigma1 = w2.rotatedRight(17) ^ w2.rotatedRight(19) ^ (w2 >> 10)
                schedule[t] = sigma1 &+ schedule[t - 7] &+ sigma0 &+ schedule[t - 16]
            }

            // Steps 2–3: the 64 rounds.
            var a = h0
            var b = h1
            var c = h2
            var d = h3
            var e = h4
            var f = h5
            var g = h6
            var h = h7
            sha256RoundConstants.withUnsafeBufferPointer { k in
                for t in 0..<64 {
                    let bigSigma1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                    let choose = (e & f) ^ (~e & g)
                    let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ schedule[t]
                    let bigSigma0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = bigSigma0 &+ majority
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
            }

            // Step 4: the intermediate hash value H(i).
            h0 &+= a
            h1 &+= b
            h2 &+= c
            h3 &+= d
            h4 &+= e
            h5 &+= f
            h6 &+= g
            h7 &+= h
        }
    }
}

extension UInt32 {
    /// ROTR^n(x) of FIPS 180-4 §3.2.
    @inline(__always)
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
        (self >> count) | (self << (32 - count))
    }
}

/// The constants K(0)…K(63) of FIPS 180-4 §4.2.2: the first 32 bits of the
/// fractional parts of the cube roots of the first 64 primes.
private let sha256RoundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
]
