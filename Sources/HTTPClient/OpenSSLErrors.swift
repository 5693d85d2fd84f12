import COpenSSL

/// OpenSSL's thread-local error queue, turned into text at the boundary.
enum OpenSSLErrors {
    /// The queued errors, oldest first (at most three), separated by `; `; the queue is left
    /// empty. `fallback` when nothing was queued.
    static func drain(or fallback: String) -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            guard messages.count < 3 else { continue }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            messages.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? fallback : messages.joined(separator: "; ")
    }
}
