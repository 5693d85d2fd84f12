extension Array where Element == UInt8 {
    /// The bytes as lowercase hexadecimal, two digits per byte
    /// (the "base16" alphabet of RFC 4648 §8, in lower case).
    ///
    /// ```swift
    /// SHA256.hash("abc").hexString  // "ba7816bf8f01cfea…"
    /// ```
    public var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: count * 2) { output in
            digits.withUTF8Buffer { alphabet in
                for (index, byte) in enumerated() {
                    output[2 * index] = alphabet[Int(byte >> 4)]
                    output[2 * index + 1] = alphabet[Int(byte & 0x0f)]
                }
            }
            return count * 2
        }
    }
}

extension Array where Element == UInt8 {
    /// The bytes spelled by `hexString`, two hexadecimal digits per byte in either
    /// case, or `nil` for an odd number of digits or any other character
    /// (whitespace and a `0x` prefix included).
    ///
    /// ```swift
    /// [UInt8](hexString: "000fAB")  // [0x00, 0x0f, 0xab]
    /// ```
    public init?(hexString: String) {
        let digits = Array(hexString.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexDigitValue(digits[index]), let low = hexDigitValue(digits[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        self = bytes
    }
}

/// The value of one ASCII hexadecimal digit, or `nil`.
private func hexDigitValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
}
