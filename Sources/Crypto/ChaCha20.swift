/// The ChaCha20 stream cipher of RFC 8439 §2.4: a 256-bit key, a 96-bit nonce
/// and a 32-bit block counter.
///
/// ```swift
/// let cipher = ChaCha20(key: key, nonce: nonce)        // 32 and 12 bytes
/// let ciphertext = cipher.xor(plaintext, counter: 1)
/// let plaintext = cipher.xor(ciphertext, counter: 1)  // the same call decrypts
/// ```
///
/// It only hides bytes; it does not detect changes to them. Never use it on its
/// own: ``SecretBox`` pairs it with HMAC-SHA256. A key and nonce pair must never
/// encrypt two different messages (RFC 8439 §4): the XOR of the ciphertexts would
/// be the XOR of the plaintexts.
public struct ChaCha20: Sendable {
    /// Size of a key in bytes (RFC 8439 §2.3: 256 bits).
    public static let keyByteCount = 32
    /// Size of a nonce in bytes (RFC 8439 §2.3: 96 bits).
    public static let nonceByteCount = 12
    /// Size of one keystream block in bytes (RFC 8439 §2.3: sixteen 32-bit words).
    public static let blockByteCount = 64

    /// The initial state of RFC 8439 §2.3 with word 12, the block counter, left at
    /// zero: constants, key and nonce are the same for every block.
    private let state: [UInt32]

    /// A cipher for `key` (32 bytes) and `nonce` (12 bytes); other sizes are a bug and trap.
    public init(key: [UInt8], nonce: [UInt8]) {
        precondition(key.count == Self.keyByteCount, "ChaCha20: key of \(key.count) bytes, not 32")
        precondition(nonce.count == Self.nonceByteCount, "ChaCha20: nonce of \(nonce.count) bytes, not 12")
        // RFC 8439 §2.3: "expand 32-byte k", then the key and the nonce, each read as
        // little-endian 32-bit words.
        var state: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]
        state.reserveCapacity(16)
        state += littleEndianWords(key)
        state.append(0)
        state += littleEndianWords(nonce)
        self.state = state
    }

    /// The 64-byte keystream block for `counter`: the ChaCha20 block function of
    /// RFC 8439 §2.3, serialized as §2.3.2 shows.
    public func block(counter: UInt32) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.blockByteCount) { buffer, initializedCount in
            keystream(counter: counter, into: UnsafeMutableRawBufferPointer(buffer))
            initializedCount = Self.blockByteCount
        }
    }

    /// `bytes` XORed with the keystream that starts at block `counter` (RFC 8439 §2.4):
    /// encryption and decryption are the same operation.
    ///
    /// The counter must not wrap: `bytes` may span at most `2^32 - counter` blocks
    /// (256 GiB from counter 0); more is a bug and traps.
    public func xor(_ bytes: [UInt8], counter: UInt32) -> [UInt8] {
        let blockCount = (bytes.count + Self.blockByteCount - 1) / Self.blockByteCount
        precondition(
            UInt64(counter) + UInt64(blockCount) <= 1 << 32,
            "ChaCha20: \(blockCount) blocks from counter \(counter) would wrap the 32-bit counter"
        )
        var output = bytes
        withUnsafeTemporaryAllocation(byteCount: Self.blockByteCount, alignment: 4) { keystream in
            output.withUnsafeMutableBytes { output in
                var blockCounter = counter
                var offset = 0
                while offset < output.count {
                    self.keystream(counter: blockCounter, into: keystream)
                    let length = min(Self.blockByteCount, output.count - offset)
                    for index in 0..<length {
                        output[offset + index] ^= keystream[index]
                    }
                    offset += length
                    // Wraps only after the last block, which the precondition allows.
                    blockCounter &+= 1
                }
            }
        }
        return output
    }

    /// Writes the block for `counter` into the first 64 bytes of `output`.
    private func keystream(counter: UInt32, into output: UnsafeMutableRawBufferPointer) {
        state.withUnsafeBufferPointer { initial in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { working in
                for index in 0..<16 {
                    working[index] = initial[index]
                }
                working[12] = counter
                // RFC 8439 §2.3: 20 rounds, as 10 pairs of a column round and a diagonal round.
                for _ in 0..<10 {
                    quarterRound(working, 0, 4, 8, 12)
                    quarterRound(working, 1, 5, 9, 13)
                    quarterRound(working, 2, 6, 10, 14)
                    quarterRound(working, 3, 7, 11, 15)
                    quarterRound(working, 0, 5, 10, 15)
                    quarterRound(working, 1, 6, 11, 12)
                    quarterRound(working, 2, 7, 8, 13)
                    quarterRound(working, 3, 4, 9, 14)
                }
                // Add the initial state back in, then serialize little-endian.
                for index in 0..<16 {
                    let added = working[index] &+ (index == 12 ? counter : initial[index])
                    output.storeBytes(of: added.littleEndian, toByteOffset: 4 * index, as: UInt32.self)
                }
            }
        }
    }
}

/// QUARTERROUND(a, b, c, d) of RFC 8439 §2.2 on four words of the state.
@inline(__always)
private func quarterRound(_ x: UnsafeMutableBufferPointer<UInt32>, _ a: Int, _ b: Int, _ c: Int, _ d: Int) {
    x[a] &+= x[b]
    x[d] = (x[d] ^ x[a]).rotatedLeft(16)
    x[c] &+= x[d]
    x[b] = (x[b] ^ x[c]).rotatedLeft(12)
    x[a] &+= x[b]
    x[d] = (x[d] ^ x[a]).rotatedLeft(8)
    x[c] &+= x[d]
    x[b] = (x[b] ^ x[c]).rotatedLeft(7)
}

/// `bytes` (a multiple of 4 long) read as little-endian 32-bit words.
private func littleEndianWords(_ bytes: [UInt8]) -> [UInt32] {
    bytes.withUnsafeBytes { raw in
        stride(from: 0, to: raw.count, by: 4).map { offset in
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }
    }
}

extension UInt32 {
    /// The `<<<` of RFC 8439 §2.1.
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt32) -> UInt32 {
        (self << count) | (self >> (32 - count))
    }
}
