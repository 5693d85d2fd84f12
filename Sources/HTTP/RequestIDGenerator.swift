/// Request ids: the client's own `X-Request-Id` when it is sane, else a fresh one.
///
/// Generated ids are a per-process random prefix, the loop index and a counter: unique within
/// the process, unguessable across restarts, and free of locks.
struct RequestIDGenerator {
    private static let processPrefix: String = {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }()

    private let prefix: [UInt8]
    private var counter: UInt64 = 0

    init(loopIndex: Int) {
        prefix = Array("\(Self.processPrefix)-\(loopIndex)-".utf8)
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// The prefix and the counter in lowercase hex, written straight into the new string's
    /// storage: one allocation per request instead of three (hex, concatenation, growth).
    mutating func next() -> String {
        counter &+= 1
        let value = counter
        let digits = (UInt64.bitWidth - value.leadingZeroBitCount + 3) / 4
        return prefix.withUnsafeBufferPointer { prefix in
            String(unsafeUninitializedCapacity: prefix.count + digits) { buffer in
                var index = 0
                for byte in prefix {
                    buffer[index] = byte
                    index += 1
                }
                let hex = Self.hexDigits.utf8Start
                var shift = (digits - 1) * 4
                while shift >= 0 {
                    buffer[index] = hex[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                    shift -= 4
                }
                return index
            }
        }
    }

    /// A client-supplied id is echoed only if it is 1–128 visible characters from a safe set,
    /// so it can never inject into headers or logs.
    static func isAcceptable(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard (1...128).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: ":"):
                return true
            default:
                return false
            }
        }
    }
}
