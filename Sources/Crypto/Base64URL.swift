/// Base 64 encoding with the URL- and filename-safe alphabet of RFC 4648 §5,
/// without padding (RFC 4648 §3.2 allows omitting it when the length is known
/// from context, as in tokens and cursors).
///
/// ```swift
/// let token = Base64URL.encode(SecureRandom.bytes(32))   // 43 characters
/// let bytes = Base64URL.decode(token)                    // the same 32 bytes
/// ```
///
/// Decoding is strict, so each byte string has exactly one accepted spelling
/// (RFC 4648 §3.3, §3.5): padding, characters outside the alphabet (including
/// whitespace and the `+`/`/` of the standard alphabet), an impossible length,
/// and non-zero unused bits in the last character are all rejected.
public enum Base64URL {
    /// Encodes `bytes` as unpadded base64url.
    public static func encode(_ bytes: [UInt8]) -> String {
        let fullGroups = bytes.count / 3
        let remainder = bytes.count % 3
        let length = fullGroups * 4 + (remainder == 0 ? 0 : remainder + 1)
        return String(unsafeUninitializedCapacity: length) { output in
            encodeAlphabet.withUTF8Buffer { alphabet in
                bytes.withUnsafeBufferPointer { input in
                    var out = 0
                    var index = 0
                    for _ in 0..<fullGroups {
                        let group =
                            UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                        output[out] = alphabet[Int(group >> 18 & 0x3f)]
                        output[out + 1] = alphabet[Int(group >> 12 & 0x3f)]
                        output[out + 2] = alphabet[Int(group >> 6 & 0x3f)]
                        output[out + 3] = alphabet[Int(group & 0x3f)]
                        index += 3
                        out += 4
                    }
                    if remainder == 1 {
                        let group = UInt32(input[index]) << 16
                        output[out] = alphabet[Int(group >> 18 & 0x3f)]
                        output[out + 1] = alphabet[Int(group >> 12 & 0x3f)]
                    } else if remainder == 2 {
                        let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
                        output[out] = alphabet[Int(group >> 18 & 0x3f)]
                        output[out + 1] = alphabet[Int(group >> 12 & 0x3f)]
                        output[out + 2] = alphabet[Int(group >> 6 & 0x3f)]
                    }
                }
            }
            return length
        }
    }

    /// Decodes unpadded base64url, or returns `nil` if `string` is not the
    /// canonical encoding of any byte string.
    public static func decode(_ string: String) -> [UInt8]? {
        var string = string
        return string.withUTF8 { input -> [UInt8]? in
            let remainder = input.count % 4
            // One leftover character carries only 6 bits: never a whole byte.
            guard remainder != 1 else { return nil }
            var output = [UInt8]()
            output.reserveCapacity(input.count / 4 * 3 + (remainder == 0 ? 0 : remainder - 1))

            var accumulator: UInt32 = 0
            var pending = 0
            for character in input {
                let value = decodeTable[Int(character)]
                guard value != invalid else { return nil }
                accumulator = accumulator << 6 | UInt32(value)
                pending += 1
                if pending == 4 {
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                    output.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator = 0
                    pending = 0
                }
            }
            switch pending {
            case 2:
                // 12 bits: one byte and 4 unused bits that must be zero.
                guard accumulator & 0x0f == 0 else { return nil }
                output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
            case 3:
                // 18 bits: two bytes and 2 unused bits that must be zero.
                guard accumulator & 0x03 == 0 else { return nil }
                output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
            default:
                break
            }
            return output
        }
    }

    /// RFC 4648 §5, Table 2.
    private static let encodeAlphabet: StaticString =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    private static let invalid: UInt8 = 0xff

    /// Maps an ASCII byte to its 6-bit value, or to `invalid`.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        encodeAlphabet.withUTF8Buffer { alphabet in
            for (value, character) in alphabet.enumerated() {
                table[Int(character)] = UInt8(value)
            }
        }
        return table
    }()
}
