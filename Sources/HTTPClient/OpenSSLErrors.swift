import COpenSSL

/// OpenSSL's thread-local error queue, turned into text at the boundary.
enum OpenSSLErrors {
    /// The reasons of the queued errors, oldest first, without repeats, separated by `; `
    /// (`No such file or directory; no such file`); the queue is left empty. `fallback` when
    /// nothing was queued.
    static func drain(or fallback: String) -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            let reason: String
            if let text = ERR_reason_error_string(code) {
                reason = String(cString: text)
            } else {
                var text = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &text, text.count)
                reason = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            if !reasons.contains(reason) { reasons.append(reason) }
        }
        return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
    }
}
