import CRM
import Foundation
import JSON

/// Structured logs: one JSON object per line on stderr (DESIGN.md). Request lines are written by
/// the HTTP server; this is for everything else (start-up, shutdown, unexpected errors).
struct Logger: Sendable {
    let enabled: Bool

    func info(_ message: String, _ fields: [String: String] = [:]) { write("info", message, fields) }
    func error(_ message: String, _ fields: [String: String] = [:]) { write("error", message, fields) }

    private func write(_ level: String, _ message: String, _ fields: [String: String]) {
        guard enabled else { return }
        var object = JSONObject()
        object["ts"] = .string(CRMClock.system.now().rfc3339)
        object["level"] = .string(level)
        object["message"] = .string(message)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { object[key] = .string(value) }
        FileHandle.standardError.write(Data(JSONValue.object(object).serialized() + [10]))
    }
}
