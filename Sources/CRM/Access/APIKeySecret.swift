import Crypto

/// The format of key secrets: `crm_<id>_<43 base64url chars>` (256 random bits).
///
/// The id lets the server fetch the one candidate row by primary key and then compare hashes in
/// constant time, instead of searching an index by a secret-derived value.
public enum APIKeySecret {
    static let prefix = "crm_"
    static let randomByteCount = 32

    /// Fresh random material for a new key (the part after the id).
    static func makeRandomPart() -> String {
        Base64URL.encode(SecureRandom.bytes(randomByteCount))
    }

    static func compose(id: Int64, randomPart: String) -> String {
        "\(prefix)\(id)_\(randomPart)"
    }

    /// Splits a presented secret into its id and random part, or `nil` if it is not shaped like one.
    static func parse(_ secret: String) -> (id: Int64, randomPart: String)? {
        guard secret.hasPrefix(prefix), secret.utf8.count <= 128 else { return nil }
        let rest = secret.dropFirst(prefix.count)
        guard let separator = rest.firstIndex(of: "_"), let id = RecordID.parse(rest[..<separator]) else { return nil }
        let randomPart = String(rest[rest.index(after: separator)...])
        guard !randomPart.isEmpty else { return nil }
        return (id, randomPart)
    }

    static func hash(_ randomPart: String) -> [UInt8] {
        SHA256.hash(randomPart)
    }
}
