/// Why ``SecretBox/open(_:associatedData:)`` refused a sealed value.
///
/// None of the cases says which byte was wrong, and none comes with partial
/// plaintext: nothing is decrypted before the tag matches.
public enum SecretBoxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than the smallest sealed value (``SecretBox/overhead``): cut short,
    /// or never sealed by ``SecretBox``.
    case truncated(byteCount: Int)
    /// A first byte other than ``SecretBox/version``: sealed by another version of the
    /// code, or not a sealed value at all.
    case unknownVersion(UInt8)
    /// The tag does not match: the bytes were changed, cut or extended, or the key or
    /// the associated data differ from the ones it was sealed with.
    case authenticationFailed

    public var description: String {
        switch self {
        case .truncated(let byteCount):
            "sealed value of \(byteCount) bytes is shorter than the \(SecretBox.overhead) every sealed value has"
        case .unknownVersion(let version):
            "sealed value has version \(version); this server reads version \(SecretBox.version) only"
        case .authenticationFailed:
            "sealed value failed authentication: altered, or sealed with another key or associated data"
        }
    }
}
