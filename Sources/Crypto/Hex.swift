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
