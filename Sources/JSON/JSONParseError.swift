/// Why ``JSONParser`` rejected a document, and where.
///
/// `offset` is the 0-based byte offset into the input at which the problem was
/// detected, so a client can find it in the body it sent:
/// `unexpected character 'x' at byte 17`.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Hashable {
        /// A byte that the RFC 8259 grammar does not allow here.
        case unexpectedCharacter(UInt8)
        /// The input ended inside a value (or was empty).
        case unexpectedEnd
        /// A byte sequence that is not well-formed UTF-8 (RFC 8259 §8.1, RFC 3629).
        case invalidUTF8
        /// A backslash escape that RFC 8259 §7 does not define, or a bad `\u` escape.
        case invalidEscape
        /// A `\u` escape for a UTF-16 surrogate that is not part of a valid pair.
        case loneSurrogate
        /// An unescaped control character (U+0000–U+001F) inside a string (RFC 8259 §7).
        case controlCharacterInString
        /// A number with a leading zero such as `012` (RFC 8259 §6).
        case leadingZero
        /// A number that is too large to represent as a finite `Double`.
        case numberOutOfRange
        /// A number a `Double` would change: it underflows or has more significant digits
        /// than a `Double` keeps, so it would not read back as written.
        case inexactNumber
        /// Arrays and objects nested deeper than ``JSONParser/maximumDepth``.
        case tooDeep
        /// An object that names the same member twice.
        case duplicateKey(String)
        /// Non-whitespace bytes after the top-level value.
        case trailingData
    }

    /// What went wrong.
    public let reason: Reason
    /// The byte offset in the input where it was detected.
    public let offset: Int
    /// For a number that cannot be stored, the name of the top-level object member it is in
    /// (`amount`, `attributes`), so a `422` can name the field; nil elsewhere.
    public internal(set) var member: String?

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// A short message for a `400` problem detail, e.g.
    /// `unexpected character 'x' at byte 17`.
    public var description: String {
        "\(message) at byte \(offset)"
    }

    /// The message without the position.
    public var message: String {
        switch reason {
        case .unexpectedCharacter(let byte):
            if byte >= 0x21 && byte < 0x7F {
                return "unexpected character '\(Character(Unicode.Scalar(byte)))'"
            }
            let hex = String(byte, radix: 16, uppercase: true)
            return "unexpected byte 0x\(hex.count == 1 ? "0" + hex : hex)"
        case .unexpectedEnd: return "unexpected end of input"
        case .invalidUTF8: return "invalid UTF-8"
        case .invalidEscape: return "invalid escape sequence"
        case .loneSurrogate: return "unpaired UTF-16 surrogate in \\u escape"
        case .controlCharacterInString: return "unescaped control character in string"
        case .leadingZero: return "number with leading zero"
        case .numberOutOfRange: return "number out of range"
        case .inexactNumber: return "number that cannot be stored exactly"
        case .tooDeep: return "nesting deeper than \(JSONParser.maximumDepth) levels"
        case .duplicateKey(let key): return "duplicate key \"\(key)\""
        case .trailingData: return "unexpected data after the JSON value"
        }
    }
}
