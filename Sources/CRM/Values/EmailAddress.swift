/// Validation and normalisation of e-mail addresses for the API's `email` fields.
///
/// The rule is deliberately pragmatic rather than the full RFC 5321/5322
/// grammar (quoted local parts, comments and IP-literal domains are legal
/// there but are nearly always typos in a CRM):
///
/// - exactly one `@`; at most 254 bytes of UTF-8 in total (RFC 5321 §4.5.3.1.3
///   path limit less the angle brackets);
/// - local part: 1–64 bytes (RFC 5321 §4.5.3.1.1), no whitespace or control
///   characters, none of the RFC 5322 §3.2.3 specials that need quoting
///   (`( ) < > [ ] : ; , \ "`), and dots only between other characters
///   (RFC 5322 `dot-atom`); non-ASCII is allowed (RFC 6531);
/// - domain: at least two dot-separated labels of 1–63 bytes (RFC 1035
///   §2.3.4) made of letters, digits and hyphens, not starting or ending with
///   a hyphen; Unicode letters and marks are allowed so that internationalised
///   domain names (RFC 5890) can be entered as typed; the last label must
///   contain a letter, which rules out bare IP addresses.
///
/// ```swift
/// EmailAddress.isValid("li.lei@example.cn")         // true
/// EmailAddress.normalized("  Li.Lei@Example.CN ")   // "li.lei@example.cn"
/// ```
///
/// Uniqueness (API.md §2) is case-insensitive, so callers store and compare
/// ``normalized(_:)``.
public enum EmailAddress {
    /// Whether `s` (as given, not trimmed) is an acceptable address.
    public static func isValid(_ s: String) -> Bool {
        guard s.utf8.count <= 254 else { return false }
        // Nearly every address is ASCII, where a character is a byte (CR LF aside, which both
        // paths refuse): checked on the bytes, without splitting into Substrings or grapheme
        // breaking, which cost more than the rest of a create's validation.
        var text = s
        if let verdict = text.withUTF8({ isValidASCII($0) }) { return verdict }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return isValidLocalPart(parts[0]) && isValidDomain(parts[1])
    }

    /// The stored form: surrounding whitespace removed and lowercased.
    /// Lowercasing the local part is not RFC-correct in theory but is what
    /// every real mail provider does, and it makes uniqueness meaningful.
    public static func normalized(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last]).lowercased()
    }

    /// The same rules as below on ASCII bytes; nil when `bytes` holds a non-ASCII one.
    private static func isValidASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        var at: Int? = nil
        for (index, byte) in bytes.enumerated() {
            guard byte < 0x80 else { return nil }
            if byte == UInt8(ascii: "@") {
                guard at == nil else { return false }
                at = index
            }
        }
        guard let at else { return false }
        let local = UnsafeBufferPointer(rebasing: bytes[..<at])
        let domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
        guard !local.isEmpty, local.count <= 64, local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".") else {
            return false
        }
        var previous: UInt8 = 0
        for byte in local {
            switch byte {
            case 0...0x20, 0x7F, 0x28, 0x29, 0x3C, 0x3E, 0x5B, 0x5D, 0x3A, 0x3B, 0x2C, 0x5C, 0x22: return false
            case UInt8(ascii: ".") where previous == UInt8(ascii: "."): return false
            default: previous = byte
            }
        }
        var labels = 0
        var labelStart = 0
        var lastLabelHasLetter = false
        for index in 0...domain.count {
            guard index == domain.count || domain[index] == UInt8(ascii: ".") else { continue }
            let label = UnsafeBufferPointer(rebasing: domain[labelStart..<index])
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                return false
            }
            lastLabelHasLetter = false
            for byte in label {
                let letter = (0x61...0x7A).contains(byte | 0x20)
                guard letter || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") else { return false }
                lastLabelHasLetter = lastLabelHasLetter || letter
            }
            labels += 1
            labelStart = index + 1
        }
        return labels >= 2 && lastLabelHasLetter
    }

    private static let quotedSpecials: Set<Unicode.Scalar> = ["(", ")", "<", ">", "[", "]", ":", ";", ",", "\\", "\""]

    private static func isValidLocalPart(_ local: Substring) -> Bool {
        guard !local.isEmpty, local.utf8.count <= 64,
            local.first != ".", local.last != ".", !local.contains("..")
        else { return false }
        for scalar in local.unicodeScalars {
            if scalar.isASCII {
                // ASCII (nearly every address): control, space, DEL and the specials, without
                // Unicode property lookups, which cost far more.
                switch scalar.value {
                case 0...0x20, 0x7F, 0x28, 0x29, 0x3C, 0x3E, 0x5B, 0x5D, 0x3A, 0x3B, 0x2C, 0x5C, 0x22: return false
                default: continue
                }
            }
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
                || quotedSpecials.contains(scalar)
            {
                return false
            }
        }
        return true
    }

    private static func isValidDomain(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else {
                return false
            }
            for scalar in label.unicodeScalars where !isLabelScalar(scalar) {
                return false
            }
        }
        return labels.last!.unicodeScalars.contains { scalar in
            scalar.isASCII ? (0x61...0x7A).contains(scalar.value | 0x20) : scalar.properties.isAlphabetic
        }
    }

    /// ASCII letters, digits and `-`, or a non-ASCII letter, mark or digit (IDN).
    private static func isLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (0x61...0x7A).contains(value | 0x20) || (0x30...0x39).contains(value) || value == 0x2D
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }
}
