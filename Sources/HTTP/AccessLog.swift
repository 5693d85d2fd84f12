#if canImport(Glibc)
    import Glibc
#endif

/// One JSON object per request, appended to the loop's log buffer (flushed to stderr once per
/// loop iteration, so logging costs one write for a whole batch of requests).
///
///     {"ts":"2026-11-24T05:14:09.123Z","level":"info","request_id":"…","method":"GET","route":"/healthz","status":200,"duration_ms":0.041}
///
/// The path itself is not logged: it can carry personal data (emails in filters).
enum AccessLog {
    static func append(requestID: String, method: HTTPMethod?, route: String?, status: Int, seconds: Double, into buffer: inout [UInt8]) {
        var line = "{\"ts\":\"\(timestamp())\",\"level\":\"info\",\"request_id\":\"\(requestID)\""
        if let method { line += ",\"method\":\"\(method.name)\"" }
        line += ",\"route\":" + (route.map { "\"\(jsonEscaped($0))\"" } ?? "null")
        let millis = (seconds * 1_000_000).rounded() / 1000
        line += ",\"status\":\(status),\"duration_ms\":\(millis)}\n"
        buffer.append(contentsOf: line.utf8)
    }

    /// Writes a structured line for events outside requests (start-up, shutdown, failures).
    static func event(_ level: String, _ message: String, fields: [(String, String)] = []) {
        var line = "{\"ts\":\"\(timestamp())\",\"level\":\"\(level)\",\"message\":\"\(jsonEscaped(message))\""
        for (key, value) in fields { line += ",\"\(key)\":\"\(jsonEscaped(value))\"" }
        line += "}\n"
        let bytes = Array(line.utf8)
        bytes.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }

    static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(spec.tv_nsec / 1_000_000), 3))Z"
    }

    static func jsonEscaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
