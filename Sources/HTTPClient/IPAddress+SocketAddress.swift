#if canImport(Glibc)
    import Glibc
#endif

/// Between ``IPAddress`` and the `sockaddr` structures `getaddrinfo` returns and `connect`
/// takes.
extension IPAddress {
    /// The address in a `sockaddr_in` or `sockaddr_in6`; `nil` for other families.
    init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let address = UnsafeRawPointer(socketAddress).loadUnaligned(as: sockaddr_in.self)
            self = .v4(UInt32(bigEndian: address.sin_addr.s_addr))
        case AF_INET6:
            var address = UnsafeRawPointer(socketAddress).loadUnaligned(as: sockaddr_in6.self)
            self.init(bytes: withUnsafeBytes(of: &address.sin6_addr) { Array($0) })
        default:
            return nil
        }
    }

    var family: Int32 {
        if case .v4 = self { return AF_INET }
        return AF_INET6
    }

    /// Calls `body` with this address and `port` as a `sockaddr_in` or `sockaddr_in6`.
    func withSocketAddress<Result>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch self {
        case .v4(let value):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = value.bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            let bytes = self.bytes
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// `127.0.0.1:80`, `[::1]:443`: an address and port as in a log line.
    func endpoint(port: Int) -> String {
        if case .v4 = self { return "\(self):\(port)" }
        return "[\(self)]:\(port)"
    }
}
