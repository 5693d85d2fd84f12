/// The text FTS5 indexes for a customer, and the query for `q` (API.md: "full-text search,
/// prefix matching, Chinese text works").
///
/// SQLite's unicode61 tokenizer keeps a run of CJK characters as one token, so `张` would not find
/// `张伟`. Both the document and the query therefore put a space around every CJK character:
/// `张伟` is indexed as the tokens `张` `伟`, and the query `张伟` becomes the phrase `"张 伟"`,
/// which matches those tokens in a row. Latin words match by prefix (`acme` finds `Acme Ltd`).
public enum SearchDocument {
    public static func make(name: String?, email: String?, phone: String?, company: String?, tags: [String]) -> String {
        var parts: [String] = []
        for text in [name, email, company] + tags.map(Optional.some) {
            if let text, !text.isEmpty { parts.append(segment(text)) }
        }
        if let phone, !phone.isEmpty {
            parts.append(segment(phone))
            // Each run of digit groups to the end as one token ("+1 555 010 9999" → 15550109999,
            // 5550109999, 0109999), so a number is found with or without its country code.
            let groups = phone.split(whereSeparator: { !$0.isNumber }).map(String.init)
            for start in 0..<max(0, groups.count - 1) { parts.append(groups[start...].joined()) }
        }
        return parts.joined(separator: " ")
    }

    /// An FTS5 MATCH expression for a user's query, or nil when it holds nothing searchable.
    /// Every term must match (AND); each is a quoted phrase, so no FTS5 syntax can be injected.
    public static func query(_ text: String) -> String? {
        var terms: [String] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let tokens = segment(String(word)).split(separator: " ").filter { !$0.isEmpty }
            // Punctuation inside a word (an email's @ and dots) separates tokens the same way the
            // tokenizer does, so the word becomes a phrase of its pieces.
            let pieces = tokens.flatMap { token in
                token.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
            }
            guard !pieces.isEmpty else { continue }
            let phrase = pieces.joined(separator: " ").replacingQuotes()
            terms.append("\"\(phrase)\"*")
        }
        return terms.isEmpty ? nil : terms.joined(separator: " AND ")
    }

    /// Puts spaces around CJK characters.
    static func segment(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if isCJK(scalar) {
                out.unicodeScalars.append(" ")
                out.unicodeScalars.append(scalar)
                out.unicodeScalars.append(" ")
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FA1F: true
        default: false
        }
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"")
    }
}
