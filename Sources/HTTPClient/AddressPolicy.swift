#if canImport(Glibc)
    import Glibc
#endif

/// The SSRF rule for webhooks: deliveries go to the public internet only, never to this host,
/// its networks or a cloud metadata service (``AddressClass`` lists the ranges).
///
/// It is applied twice. When a webhook URL is saved, ``isForbiddenLiteral(host:)`` refuses
/// what can be judged without a lookup (`localhost`, `10.0.0.5`, `[::1]`), so a mistake is
/// reported at once. At delivery, `OutboundHTTP.post` checks every address the name resolves to
/// with ``isForbidden(_:)`` and connects to exactly the address it checked: a name that
/// resolved to a public address when it was saved may point anywhere by the time it is used.
///
///     AddressPolicy.isForbiddenLiteral(host: "LOCALHOST.")   // true
///     AddressPolicy.isForbiddenLiteral(host: "hooks.example") // false: judged at delivery
public enum AddressPolicy {
    /// Whether deliveries to `address` are refused: every class but ``AddressClass/global``.
    public static func isForbidden(_ address: IPAddress) -> Bool {
        AddressClass(address).isForbidden
    }

    /// Whether `host` (a URL's host, brackets around IPv6 allowed) names a forbidden address
    /// without resolving it: `localhost` and any name under `.localhost` (RFC 6761 §6.3
    /// reserves them for loopback), with or without a trailing dot and in any case; and IP
    /// literals in a forbidden range, including the shorthand IPv4 forms a resolver would
    /// accept (`127.1`, `2130706433`, `0x7f.0.0.1`). Other names are `false`: only delivery can
    /// judge them.
    public static func isForbiddenLiteral(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        // A zone (`fe80::1%eth0`) only ever qualifies a link-scoped IPv6 address.
        if name.contains("%") { return true }
        if let address = IPAddress(literal: name) ?? shorthandIPv4(name) {
            return isForbidden(address)
        }
        return false
    }

    /// The IPv4 shorthand `inet_aton` and so `getaddrinfo` accept: one to four parts, each
    /// decimal, octal (`0…`) or hex (`0x…`). Only hex digits, dots and `x` are let through,
    /// since `inet_aton` ignores anything after a space.
    private static func shorthandIPv4(_ name: String) -> IPAddress? {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "x") || $0.isHexDigit })
        else { return nil }
        var address = in_addr()
        guard inet_aton(name, &address) != 0 else { return nil }
        return .v4(UInt32(bigEndian: address.s_addr))
    }
}
