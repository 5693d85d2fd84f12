/// Authenticated encryption for secrets the server must read back (webhook signing
/// secrets), so they are not kept in clear in the SQLite file.
///
/// A one-way hash will not do here: the server signs each delivery with the secret
/// itself. So the secret is encrypted with a master key kept outside the database
/// (``SecretKeyFile``): a copy of the database alone reveals nothing.
///
/// ```swift
/// let box = SecretBox(key: try SecretKeyFile.loadOrCreate(path: "/var/lib/crm/secret.key"))
/// let sealed = box.seal(Array(secret.utf8), associatedData: Array("webhook:42".utf8))
/// let secret = try box.open(sealed, associatedData: Array("webhook:42".utf8))
/// ```
///
/// Construction, encrypt-then-MAC:
/// - two keys from the 32-byte master key, each HKDF-Expand (RFC 5869 §2.3) of one
///   block with its own label: `HMAC-SHA256(master, label || 0x01)`. The master key is
///   uniformly random, so it serves as HKDF's pseudorandom key directly (RFC 5869 §3.3);
/// - a fresh random 12-byte nonce per seal and ChaCha20 (RFC 8439 §2.4) from counter 1;
/// - a tag `HMAC-SHA256(macKey, version || nonce || ciphertext || associatedData ||
///   UInt64(associatedData.count) little-endian)`. Read from the end, that input splits
///   back into its parts one way only, so no two different (nonce, ciphertext,
///   associated data) share it.
///
/// Sealed layout: `version (1) || nonce (12) || ciphertext (as long as the plaintext) ||
/// tag (32)`. ``open(_:associatedData:)`` checks the tag, in constant time, before it
/// decrypts anything.
///
/// Associated data is authenticated, not stored: pass the same bytes to `open`. Bind a
/// ciphertext to its row with it ("webhook:42"), and a ciphertext copied into another
/// row fails to open there. No associated data and empty associated data are the same.
///
/// Random nonces are safe for far more seals than this server makes with one key: the
/// chance of two of 2^32 seals sharing a 96-bit nonce is below 2^-32.
public struct SecretBox: Sendable {
    /// Size of the master key in bytes.
    public static let keyByteCount = 32
    /// The first byte of every sealed value this version writes; a new construction
    /// would take a new number, and ``open(_:associatedData:)`` refuses the others.
    public static let version: UInt8 = 1
    /// Bytes a sealed value has beyond its plaintext: version, nonce and tag (45).
    public static let overhead = 1 + ChaCha20.nonceByteCount + SHA256.digestByteCount

    /// Labels for key derivation: the two keys differ, and no other use of the master
    /// key shares a label with them.
    private static let encryptionLabel = "crm-server secret-box v1 encryption"
    private static let authenticationLabel = "crm-server secret-box v1 authentication"
    /// Block 0 is left unused, as in RFC 8439's own examples (§2.4.2).
    private static let initialCounter: UInt32 = 1

    private let encryptionKey: [UInt8]
    private let authenticationKey: [UInt8]

    /// A box for a 32-byte master key; another size is a bug and traps.
    public init(key: [UInt8]) {
        precondition(key.count == Self.keyByteCount, "SecretBox: key of \(key.count) bytes, not 32")
        encryptionKey = Self.expand(key, label: Self.encryptionLabel)
        authenticationKey = Self.expand(key, label: Self.authenticationLabel)
    }

    /// Encrypts and authenticates `plaintext` under a fresh random nonce, so sealing
    /// the same plaintext twice gives different bytes.
    public func seal(_ plaintext: [UInt8], associatedData: [UInt8] = []) -> [UInt8] {
        let nonce = SecureRandom.bytes(ChaCha20.nonceByteCount)
        var sealed = [Self.version]
        sealed.reserveCapacity(plaintext.count + Self.overhead)
        sealed += nonce
        sealed += ChaCha20(key: encryptionKey, nonce: nonce).xor(plaintext, counter: Self.initialCounter)
        sealed += tag(sealed[...], associatedData: associatedData)
        return sealed
    }

    /// The plaintext of `sealed`, if it was sealed by this key with this associated data.
    ///
    /// Throws ``SecretBoxError`` when it was not: bytes changed, cut short or added, a
    /// different key or associated data, or a version this code does not know.
    public func open(_ sealed: [UInt8], associatedData: [UInt8] = []) throws(SecretBoxError) -> [UInt8] {
        guard sealed.count >= Self.overhead else { throw .truncated(byteCount: sealed.count) }
        guard sealed[0] == Self.version else { throw .unknownVersion(sealed[0]) }
        let tagStart = sealed.count - SHA256.digestByteCount
        let expected = tag(sealed[..<tagStart], associatedData: associatedData)
        guard constantTimeEquals(expected, Array(sealed[tagStart...])) else { throw .authenticationFailed }

        let ciphertextStart = 1 + ChaCha20.nonceByteCount
        let nonce = Array(sealed[1..<ciphertextStart])
        let ciphertext = Array(sealed[ciphertextStart..<tagStart])
        return ChaCha20(key: encryptionKey, nonce: nonce).xor(ciphertext, counter: Self.initialCounter)
    }

    /// The tag over `header` (version, nonce and ciphertext) and the associated data.
    private func tag(_ header: ArraySlice<UInt8>, associatedData: [UInt8]) -> [UInt8] {
        var message = Array(header)
        message.reserveCapacity(header.count + associatedData.count + 8)
        message += associatedData
        let length = UInt64(associatedData.count)
        for shift in stride(from: 0, to: 64, by: 8) {
            message.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
        }
        return HMACSHA256.authenticationCode(for: message, key: authenticationKey)
    }

    /// HKDF-Expand (RFC 5869 §2.3) of `key` to one 32-byte block for `label`.
    private static func expand(_ key: [UInt8], label: String) -> [UInt8] {
        HMACSHA256.authenticationCode(for: Array(label.utf8) + [0x01], key: key)
    }
}
