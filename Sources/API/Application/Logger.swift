import CRM
import Foundation
import JSON

/// Structured logs: one JSON object per line on stderr (DESIGN.md). Request lines are written by
/// the HTTP server; this is for everything else (start-up, shutdown, unexpected errors).
///
/// Every line starts with `ts`, in the request lines' form (RFC 3339 UTC with milliseconds), so
/// a log reader can order and filter all lines by time, not only the requests:
///
///     {"ts":"2026-11-24T05:14:09.123Z","level":"info","message":"listening","address":"127.0.0.1:8080"}
public struct Logger: Sendable {
    let enabled: Bool

    public init(enabled: Bool = true) {
        self.enabled = enabled
    }

    public func info(_ message: String, _ fields: [String: String] = [:]) { write("info", message, fields) }
    public func error(_ message: String, _ fields: [String: String] = [:]) { write("error", message, fields) }

    private func write(_ level: String, _ message: String, _ fields: [String: String]) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(Self.line(level, message, fields, at: CRMClock.system.now())))
    }

    /// One line as written: `ts`, `level`, `message`, then `fields` by name, and a newline.
    static func line(_ level: String, _ message: String, _ fields: [String: String], at time: Timestamp) -> [UInt8] {
        var object = JSONObject()
        object["ts"] = .string(time.rfc3339)
        object["level"] = .string(level)
        object["message"] = .string(message)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { object[key] = .string(value) }
        return JSONValue.object(object).serialized() + [10]
    }
}
