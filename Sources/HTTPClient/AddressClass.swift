/// What kind of network an IP address belongs to, for the SSRF rule that webhooks reach only
/// the public internet (``AddressPolicy``).
///
/// Ranges (the IANA IPv4 and IPv6 special-purpose address registries, RFC 6890: every block they
/// mark not globally reachable):
/// - unspecified: `0.0.0.0/8` ("this network", RFC 791; Linux connects `0.0.0.0` to the local
///   host), `::/128`.
/// - loopback: `127.0.0.0/8`, `::1/128`.
/// - private network: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918) and the
///   carrier-grade NAT space `100.64.0.0/10` (RFC 6598), IPv6's deprecated site-local
///   `fec0::/10` (RFC 3879), the old private range, and the local-use IPv4/IPv6 translation
///   prefix `64:ff9b:1::/48` (RFC 8215), a network's own translator.
/// - link-local: `169.254.0.0/16` (RFC 3927, where cloud metadata services listen),
///   `fe80::/10`.
/// - unique-local: `fc00::/7` (RFC 4193), IPv6's private range.
/// - documentation: `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` (RFC 5737),
///   `2001:db8::/32` (RFC 3849), `3fff::/20` (RFC 9637).
/// - benchmarking: `198.18.0.0/15` (RFC 2544), `2001:2::/48` (RFC 5180).
/// - multicast: `224.0.0.0/4`, `ff00::/8`. Broadcast: `255.255.255.255`.
/// - reserved: `240.0.0.0/4` (RFC 1112, "future use"); the IETF protocol assignments
///   `192.0.0.0/24` (RFC 6890) and `2001::/23` (RFC 2928, Teredo's `2001::/32` included), but for
///   the few anycast and AS112 blocks in them the registries mark globally reachable; the
///   deprecated 6to4 relay anycast `192.88.99.0/24` (RFC 7526); the discard-only `100::/64`
///   (RFC 6666) and dummy `100:0:0:1::/64` (RFC 9780) prefixes; segment-routing SIDs `5f00::/16`
///   (RFC 9602); the deprecated IPv4-compatible IPv6 addresses `::a.b.c.d` (RFC 4291 §2.5.5.1);
///   and any other IPv6 address outside `2000::/3`, the only space IANA allocates for global
///   unicast (the rest is reserved by the IETF, e.g. `::ffff:0:a.b.c.d`, the IPv4-translated
///   form a SIIT translator would carry to an IPv4 address).
/// - An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is classified by its IPv4 address: a
///   socket connecting to it reaches that IPv4 address. So are the NAT64 well-known prefix's
///   `64:ff9b::a.b.c.d` (RFC 6052) and 6to4's `2002:AABB:CCDD::/48` (RFC 3056): a translator or
///   relay carries them to the embedded IPv4 address, which is what they reach.
/// - Everything else is global.
///
///     AddressClass(IPAddress(literal: "172.16.0.1")!)        // .privateNetwork
///     AddressClass(IPAddress(literal: "::ffff:127.0.0.1")!)  // .loopback
///     AddressClass(IPAddress(literal: "64:ff9b::10.0.0.1")!) // .privateNetwork
public enum AddressClass: Sendable, Hashable, CustomStringConvertible {
    case global
    case unspecified
    case loopback
    case privateNetwork
    case linkLocal
    case uniqueLocal
    case documentation
    case benchmarking
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
        case .documentation: "a documentation address"
        case .benchmarking: "a benchmarking address"
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
        if within(0xC000_0200, 24) || within(0xC633_6400, 24) || within(0xCB00_7100, 24) { return .documentation }
        if within(0xC612_0000, 15) { return .benchmarking }
        // 192.0.0.9 (PCP anycast) and 192.0.0.10 (TURN anycast) are the registry's globally
        // reachable exceptions within 192.0.0.0/24.
        if within(0xC000_0000, 24) && value != 0xC000_0009 && value != 0xC000_000A { return .reserved }
        if within(0xC058_6300, 24) { return .reserved }
        if within(0xE000_0000, 4) { return .multicast }
        if within(0xF000_0000, 4) { return .reserved }
        return .global
    }

    private static func classify(v6High high: UInt64, low: UInt64) -> AddressClass {
        /// Whether the address lies in `first/length`, for a prefix of 1 to 64 bits.
        func within(_ first: UInt64, _ length: UInt64) -> Bool {
            high >> (64 - length) == first >> (64 - length)
        }
        if high == 0 {
            switch low {
            case 0: return .unspecified
            case 1: return .loopback
            case ..<(1 << 32): return .reserved  // ::a.b.c.d, IPv4-compatible
            default: break
            }
        }
        // NAT64's well-known prefix (64:ff9b::/96) reaches the embedded IPv4 address through a
        // translator, so that address decides; the local-use prefix is a network's own.
        if high == 0x0064_FF9B_0000_0000 && low >> 32 == 0 { return classify(v4: UInt32(truncatingIfNeeded: low)) }
        if within(0x0064_FF9B_0001_0000, 48) { return .privateNetwork }
        // 6to4 (2002::/16) reaches the IPv4 address in bits 16 to 47 through a relay.
        if within(0x2002_0000_0000_0000, 16) { return classify(v4: UInt32(truncatingIfNeeded: high >> 16)) }
        if within(0x2001_0DB8_0000_0000, 32) || within(0x3FFF_0000_0000_0000, 20) { return .documentation }
        if within(0x2001_0002_0000_0000, 48) { return .benchmarking }
        if within(0x2001_0000_0000_0000, 23) && !isGlobalProtocolAssignment(high: high, low: low) { return .reserved }
        if high >> 56 == 0xFF { return .multicast }  // ff00::/8
        if high >> 57 == 0xFC >> 1 { return .uniqueLocal }  // fc00::/7
        if high >> 54 == 0xFE80 >> 6 { return .linkLocal }  // fe80::/10
        if high >> 54 == 0xFEC0 >> 6 { return .privateNetwork }  // fec0::/10
        // Only 2000::/3 is allocated for global unicast; the discard-only 100::/64, the dummy
        // 100:0:0:1::/64 and the SRv6 SIDs' 5f00::/16 lie outside it, like all the IETF's
        // reserved space.
        if !within(0x2000_0000_0000_0000, 3) { return .reserved }
        return .global
    }

    /// The blocks of the IETF protocol assignments `2001::/23` that the IPv6 special-purpose
    /// registry marks globally reachable: the PCP, TURN and DNS-SD SRP anycast addresses
    /// `2001:1::1` to `2001:1::3`, AMT's `2001:3::/32`, AS112's `2001:4:112::/48`, ORCHIDv2's
    /// `2001:20::/28` and DRIP's `2001:30::/28`.
    private static func isGlobalProtocolAssignment(high: UInt64, low: UInt64) -> Bool {
        if high == 0x2001_0001_0000_0000 && (1...3).contains(low) { return true }
        let prefix32 = high >> 32
        if prefix32 == 0x2001_0003 { return true }
        if high >> 16 == 0x2001_0004_0112 { return true }
        return prefix32 >> 4 == 0x2001_0020 >> 4 || prefix32 >> 4 == 0x2001_0030 >> 4
    }
}
