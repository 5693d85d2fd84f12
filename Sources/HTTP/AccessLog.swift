#if canImport(Glibc)
    import Glibc
#endif

/// One JSON object per request, appended to the loop's log buffer (flushed to stderr once per
/// loop iteration, so logging costs one write for a whole batch of requests).
///
///     {"ts":"2026-11-24T05:14:09.123Z","level":"info","request_id":"…","method":"GET","route":"/healthz","status":200,"duration_ms":0.041}
///
/// The path itself is not logged: it can carry personal data (emails in filters). Request ids
/// are either generated or checked against a safe character set, and route templates are the
/// server's own, so neither needs escaping. Written as bytes: this runs for every request.
enum AccessLog {
    static func append(
        requestID: String, method: HTTPMethod?, route: String?, status: Int, seconds: Double, into buffer: inout [UInt8],
        clock: inout TimestampCache
    ) {
        // Literal pieces are copied from static strings and the variable ones from their own
        // storage: no intermediate String, no array to retain.
        ResponseEncoder.appendStatic("{\"ts\":\"", into: &buffer)
        clock.appendNow(into: &buffer)
        ResponseEncoder.appendStatic("\",\"level\":\"info\",\"request_id\":\"", into: &buffer)
        ResponseEncoder.appendUTF8(requestID, into: &buffer)
        if let method {
            ResponseEncoder.appendStatic("\",\"method\":\"", into: &buffer)
            ResponseEncoder.appendUTF8(method.name, into: &buffer)
        }
        if let route {
            ResponseEncoder.appendStatic("\",\"route\":\"", into: &buffer)
            ResponseEncoder.appendUTF8(route, into: &buffer)
            ResponseEncoder.appendStatic("\",\"status\":", into: &buffer)
        } else {
            ResponseEncoder.appendStatic("\",\"route\":null,\"status\":", into: &buffer)
        }
        ResponseEncoder.appendDecimal(status, into: &buffer)
        ResponseEncoder.appendStatic(",\"duration_ms\":", into: &buffer)
        // Milliseconds with three decimals, from whole microseconds.
        let micros = max(0, Int((seconds * 1_000_000).rounded()))
        ResponseEncoder.appendDecimal(micros / 1000, into: &buffer)
        let fraction = micros % 1000
        buffer.append(UInt8(ascii: "."))
        buffer.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: fraction / 100))
        buffer.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: fraction / 10 % 10))
        buffer.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: fraction % 10))
        ResponseEncoder.appendStatic("}\n", into: &buffer)
    }

    /// Writes a structured line for events outside requests (start-up, shutdown, failures).
    static func event(_ level: String, _ message: String, fields: [(String, String)] = []) {
        var clock = TimestampCache()
        var bytes = Array("{\"ts\":\"".utf8)
        clock.appendNow(into: &bytes)
        bytes += Array("\",\"level\":\"\(level)\",\"message\":\"\(jsonEscaped(message))\"".utf8)
        for (key, value) in fields { bytes += Array(",\"\(key)\":\"\(jsonEscaped(value))\"".utf8) }
        bytes += Array("}\n".utf8)
        bytes.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
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

/// RFC 3339 UTC timestamps with milliseconds for log lines; the part up to the seconds is
/// formatted once per second.
struct TimestampCache {
    private var second: Int = -1
    private var prefix: [UInt8] = []

    mutating func appendNow(into buffer: inout [UInt8]) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        if spec.tv_sec != second {
            second = spec.tv_sec
            var seconds = spec.tv_sec
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func pad(_ value: Int32, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            prefix = Array(
                ("\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
                    + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).").utf8)
        }
        buffer.append(contentsOf: prefix)
        let millis = Int(spec.tv_nsec / 1_000_000)
        buffer.append(UInt8(ascii: "0") + UInt8(millis / 100))
        buffer.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        buffer.append(UInt8(ascii: "0") + UInt8(millis % 10))
        buffer.append(UInt8(ascii: "Z"))
    }
}
