/// Percent-decoding of URI components (RFC 3986 §2.1) and of
/// `application/x-www-form-urlencoded` query strings (WHATWG URL §5.1: `+` is a space).
///
/// Decoded bytes must be valid UTF-8 (RFC 3986 §2.5 leaves the charset open; this server
/// speaks UTF-8 only), so a result is always a faithful `String` or `nil`.
///
/// ```swift
/// PercentDecoding.decode("%E5%BC%A0")                    // "张"
/// PercentDecoding.decode("a+b%2Bc", plusAsSpace: true)   // "a b+c"
/// PercentDecoding.decode("%G1")                          // nil
/// ```
public enum PercentDecoding {
    /// `text` with every `%XX` replaced by its byte (and `+` by a space when `plusAsSpace`),
    /// or `nil` when a `%` is not followed by two hex digits or the result is not UTF-8.
    public static func decode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        var text = String(text)
        return text.withUTF8 { raw -> String? in
            if !plusAsSpace || !raw.contains(UInt8(ascii: "+")), !raw.contains(UInt8(ascii: "%")) {
                return String(decoding: raw, as: UTF8.self)
            }
            guard let bytes = decodeBytes(raw, plusAsSpace: plusAsSpace), isValidUTF8(bytes) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The decoded bytes of `raw`, or `nil` when a `%` is not followed by two hex digits.
    static func decodeBytes(_ raw: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            if byte == UInt8(ascii: "%") {
                guard i + 2 < raw.count, let high = raw[i + 1].hexValue, let low = raw[i + 2].hexValue else {
                    return nil
                }
                out.append(UInt8(high << 4 | low))
                i += 3
            } else {
                out.append(plusAsSpace && byte == UInt8(ascii: "+") ? 0x20 : byte)
                i += 1
            }
        }
        return out
    }

    /// Whether every `%` in `raw` is followed by two hex digits.
    static func isWellFormed(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "%") {
                guard i + 2 < raw.count, raw[i + 1].hexValue != nil, raw[i + 2].hexValue != nil else { return false }
                i += 3
            } else {
                i += 1
            }
        }
        return true
    }

    /// Whether `bytes` is well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates,
    /// nothing above U+10FFFF).
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard i + length <= n else { return false }
            let b1 = bytes[i + 1]
            guard b1 >= lower, b1 <= upper else { return false }
            for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 {
                return false
            }
            i += length
        }
        return true
    }
}
