#if canImport(Glibc)
    import Glibc
#endif

/// The `Date` header value (RFC 9110 §5.6.7 IMF-fixdate), formatted at most once a second per loop.
final class HTTPDateCache {
    private var second: Int = -1
    private(set) var bytes: [UInt8] = []

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The current date as header bytes, e.g. `Tue, 24 Nov 2026 05:14:09 GMT`.
    func current() -> [UInt8] {
        var now = time(nil)
        if now != second {
            second = now
            bytes = Array(Self.format(&now).utf8)
        }
        return bytes
    }

    static func format(_ seconds: inout time_t) -> String {
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
