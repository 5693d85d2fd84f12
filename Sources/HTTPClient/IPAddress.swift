#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address as numbers, so that ranges are plain comparisons
/// (``AddressClass``) and the address a name resolved to is exactly the one connected to.
///
///     IPAddress(literal: "192.168.1.10")    // .v4(0xC0A8_010A)
///     IPAddress(literal: "::ffff:127.0.0.1") // .v6(high: 0, low: 0xFFFF_7F00_0001)
///     IPAddress(literal: "example.com")     // nil: never resolved here
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bits in host byte order: `10.0.0.1` is `0x0A00_0001`.
    case v4(UInt32)
    /// The 128 bits in host byte order, split in two: `fe80::1` is `high: 0xFE80 << 48, low: 1`.
    case v6(high: UInt64, low: UInt64)

    /// Parses the strict textual forms only (`inet_pton`): IPv4 as four decimal parts without
    /// leading zeros, IPv6 as RFC 4291 §2.2 text without brackets or a zone (`%eth0`). The
    /// shorthand IPv4 forms the resolver also accepts (`127.1`, `0x7f000001`) are not
    /// addresses here; ``AddressPolicy/isForbiddenLiteral(host:)`` deals with them.
    public init?(literal: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    /// Four (IPv4) or sixteen (IPv6) bytes in network order, as in a `sockaddr`; any other
    /// count is `nil`.
    public init?(bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        func number(_ range: Range<Int>) -> UInt64 {
            bytes[range].reduce(0) { $0 << 8 | UInt64($1) }
        }
        switch bytes.count {
        case 4: self = .v4(UInt32(number(0..<4)))
        case 16: self = .v6(high: number(0..<8), low: number(8..<16))
        default: return nil
        }
    }

    /// Network byte order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2)
    /// carries; `nil` for any other address.
    public var mappedIPv4: IPAddress? {
        guard case .v6(0, let low) = self, low >> 32 == 0xFFFF else { return nil }
        return .v4(UInt32(truncatingIfNeeded: low))
    }

    /// The canonical text (`inet_ntop`): `10.0.0.1`, `::1`, `::ffff:127.0.0.1`.
    public var description: String {
        var bytes = self.bytes
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, &bytes, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
