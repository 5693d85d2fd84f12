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
        let methodName = method?.name
        // The literal pieces, the timestamp and two 19-digit numbers take under 200 bytes.
        let capacity =
            200 + ByteWriter.length(requestID) + (methodName.map(ByteWriter.length) ?? 0) + (route.map(ByteWriter.length) ?? 0)
        // Milliseconds with three decimals, from whole microseconds.
        let micros = max(0, Int((seconds * 1_000_000).rounded()))
        buffer.appendWriting(capacity: capacity) { writer in
            writer.write("{\"ts\":\"")
            clock.writeNow(into: &writer)
            writer.write("\",\"level\":\"info\",\"request_id\":\"")
            writer.write(requestID)
            if let methodName {
                writer.write("\",\"method\":\"")
                writer.write(methodName)
            }
            if let route {
                writer.write("\",\"route\":\"")
                writer.write(route)
                writer.write("\",\"status\":")
            } else {
                writer.write("\",\"route\":null,\"status\":")
            }
            writer.writeDecimal(status)
            writer.write(",\"duration_ms\":")
            writer.writeDecimal(micros / 1000)
            let fraction = micros % 1000
            writer.write(byte: UInt8(ascii: "."))
            writer.write(byte: UInt8(ascii: "0") + UInt8(truncatingIfNeeded: fraction / 100))
            writer.write(byte: UInt8(ascii: "0") + UInt8(truncatingIfNeeded: fraction / 10 % 10))
            writer.write(byte: UInt8(ascii: "0") + UInt8(truncatingIfNeeded: fraction % 10))
            writer.write("}\n")
        }
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
        buffer.appendWriting(capacity: 32) { writeNow(into: &$0) }
    }

    /// `2026-11-24T05:14:09.123Z`: 24 bytes.
    mutating func writeNow(into writer: inout ByteWriter) {
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
        writer.write(prefix)
        let millis = Int(spec.tv_nsec / 1_000_000)
        writer.write(byte: UInt8(ascii: "0") + UInt8(millis / 100))
        writer.write(byte: UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        writer.write(byte: UInt8(ascii: "0") + UInt8(millis % 10))
        writer.write(byte: UInt8(ascii: "Z"))
    }
}
