/// What kind of network an IP address belongs to, for the SSRF rule that webhooks reach only
/// the public internet (``AddressPolicy``).
///
/// Ranges (IANA special-purpose registries, RFC 6890):
/// - unspecified: `0.0.0.0/8` ("this network", RFC 791; Linux connects `0.0.0.0` to the local
///   host), `::/128`.
/// - loopback: `127.0.0.0/8`, `::1/128`.
/// - private network: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918) and the
///   carrier-grade NAT space `100.64.0.0/10` (RFC 6598), and IPv6's deprecated site-local
///   `fec0::/10` (RFC 3879), the old private range.
/// - link-local: `169.254.0.0/16` (RFC 3927, where cloud metadata services listen),
///   `fe80::/10`.
/// - unique-local: `fc00::/7` (RFC 4193), IPv6's private range.
/// - multicast: `224.0.0.0/4`, `ff00::/8`. Broadcast: `255.255.255.255`.
/// - reserved: `240.0.0.0/4` (RFC 1112, "future use") and the deprecated IPv4-compatible IPv6
///   addresses `::a.b.c.d` (RFC 4291 §2.5.5.1).
/// - An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is classified by its IPv4 address: a
///   socket connecting to it reaches that IPv4 address.
/// - Everything else is global.
///
///     AddressClass(IPAddress(literal: "172.16.0.1")!)        // .privateNetwork
///     AddressClass(IPAddress(literal: "::ffff:127.0.0.1")!)  // .loopback
public enum AddressClass: Sendable, Hashable, CustomStringConvertible {
    case global
    case unspecified
    case loopback
    case privateNetwork
    case linkLocal
    case uniqueLocal
    case multicast
    case broadcast
    case reserved

    public init(_ address: IPAddress) {
        if let mapped = address.mappedIPv4 {
            self.init(mapped)
            return
        }
        switch address {
        case .v4(let value): self = AddressClass.classify(v4: value)
        case .v6(let high, let low): self = AddressClass.classify(v6High: high, low: low)
        }
    }

    /// Whether a webhook may be delivered to an address of this class: only `global` may.
    public var isForbidden: Bool { self != .global }

    /// The class in words, for an error message: "a loopback address".
    public var description: String {
        switch self {
        case .global: "a public address"
        case .unspecified: "an unspecified address"
        case .loopback: "a loopback address"
        case .privateNetwork: "a private network address"
        case .linkLocal: "a link-local address"
        case .uniqueLocal: "a unique-local address"
        case .multicast: "a multicast address"
        case .broadcast: "the broadcast address"
        case .reserved: "a reserved address"
        }
    }

    private static func classify(v4 value: UInt32) -> AddressClass {
        /// Whether `value` lies in `first/length`.
        func within(_ first: UInt32, _ length: UInt32) -> Bool {
            value >> (32 - length) == first >> (32 - length)
        }
        if value == 0xFFFF_FFFF { return .broadcast }
        if within(0x0000_0000, 8) { return .unspecified }
        if within(0x7F00_0000, 8) { return .loopback }
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) || within(0x6440_0000, 10) {
            return .privateNetwork
        }
        if within(0xA9FE_0000, 16) { return .linkLocal }
        if within(0xE000_0000, 4) { return .multicast }
        if within(0xF000_0000, 4) { return .reserved }
        return .global
    }

    private static func classify(v6High high: UInt64, low: UInt64) -> AddressClass {
        if high == 0 {
            switch low {
            case 0: return .unspecified
            case 1: return .loopback
            case ..<(1 << 32): return .reserved  // ::a.b.c.d, IPv4-compatible
            default: break
            }
        }
        if high >> 57 == 0xFC >> 1 { return .uniqueLocal }  // fc00::/7
        if high >> 54 == 0xFE80 >> 6 { return .linkLocal }  // fe80::/10
        if high >> 54 == 0xFEC0 >> 6 { return .privateNetwork }  // fec0::/10
        if high >> 56 == 0xFF { return .multicast }  // ff00::/8
        return .global
    }
}
