/// The text FTS5 indexes for a customer, and the query for `q` (API.md: "full-text search,
/// prefix matching, Chinese text works").
///
/// SQLite's unicode61 tokenizer keeps a run of CJK characters as one token, so `张` would not find
/// `张伟`. Both the document and the query therefore put a space around every CJK character:
/// `张伟` is indexed as the tokens `张` `伟`, and the query `张伟` becomes the phrase `"张 伟"`,
/// which matches those tokens in a row. Latin words match by prefix (`acme` finds `Acme Ltd`).
/// Both also fold the letters the tokenizer keeps but PostgreSQL's `unaccent` folds
/// (``SearchFolding``: `ø` is `o`, `Ｔｏｋｙｏ` is `Tokyo`).
public enum SearchDocument {
    public static func make(name: String?, email: String?, phone: String?, company: String?, tags: [String]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func add(_ bytes: some Collection<UInt8>) {
            if !out.isEmpty { out.append(UInt8(ascii: " ")) }
            out.append(contentsOf: bytes)
        }
        for text in [name, email, company] + tags.map(Optional.some) {
            if let text, !text.isEmpty { add(segmentedUTF8(text)) }
        }
        if let phone, !phone.isEmpty {
            add(segmentedUTF8(phone))
            // Each run of digit groups to the end as one token ("+1 555 010 9999" → 15550109999,
            // 5550109999, 0109999), so a number is found with or without its country code.
            // (Valid phones hold ASCII digits only.)
            let groups = phone.utf8.split(whereSeparator: { $0 &- UInt8(ascii: "0") >= 10 })
            for start in 0..<max(0, groups.count - 1) { add(groups[start...].joined()) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An FTS5 MATCH expression for a user's query, or nil when it holds nothing searchable.
    /// Every term must match (AND); each is a quoted phrase, so no FTS5 syntax can be injected.
    ///
    /// A phrase that ends in a CJK character is not a prefix: that character is a token of its own
    /// in every document, so no longer token starts with it and a prefix could find nothing more —
    /// while FTS5 answers a prefix it keeps no index for by reading every match up front (`张伟`
    /// on 1,000,000 customers: 0.7 ms as a prefix, 0.2 ms as a phrase that stops after the page).
    public static func query(_ text: String) -> String? {
        let terms = phrases(text).map { pieces -> String in
            let phrase = "\"\(pieces.joined(separator: " ").replacingQuotes())\""
            return isCJKCharacter(pieces.last) ? phrase : phrase + "*"
        }
        return terms.isEmpty ? nil : terms.joined(separator: " AND ")
    }

    /// Whether `piece` is one CJK character (a token of its own, ``segmentedUTF8(_:)``).
    private static func isCJKCharacter(_ piece: String?) -> Bool {
        guard let scalars = piece?.unicodeScalars, let scalar = scalars.first, scalars.count == 1 else { return false }
        return isCJK(scalar.value)
    }

    /// The same query as a PostgreSQL tsquery: each phrase's pieces in a row (`<->`), the last a
    /// prefix (`:*`), the phrases ANDed. Pieces hold letters and digits only, and each is quoted,
    /// so no tsquery syntax can be injected.
    public static func tsquery(_ text: String) -> String? {
        let terms = phrases(text).map { pieces in pieces.map { "'\($0)'" }.joined(separator: " <-> ") + ":*" }
        return terms.isEmpty ? nil : terms.joined(separator: " & ")
    }

    /// Each word of `text` as the tokens the index holds for it.
    private static func phrases(_ text: String) -> [[String]] {
        var phrases: [[String]] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let tokens = segment(String(word)).split(separator: " ").filter { !$0.isEmpty }
            // Punctuation inside a word (an email's @ and dots) separates tokens the same way the
            // tokenizer does, so the word becomes a phrase of its pieces.
            let pieces = tokens.flatMap { token in
                token.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
            }
            if !pieces.isEmpty { phrases.append(pieces) }
        }
        return phrases
    }

    /// Puts spaces around CJK characters.
    static func segment(_ text: String) -> String {
        String(decoding: segmentedUTF8(text), as: UTF8.self)
    }

    /// `text`'s UTF-8 with a space around every CJK character and the letters ``SearchFolding``
    /// folds replaced, decoded byte by byte (documents are made for every customer a bulk load
    /// writes).
    /// Without `spacingCJK` it folds only: a document made before the folding, made again
    /// (``SearchDocumentRefoldStore``).
    static func segmentedUTF8(_ text: String, spacingCJK: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        var text = text
        text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let lead = bytes[index]
                let length = lead < 0xE0 ? (lead < 0x80 ? 1 : 2) : (lead < 0xF0 ? 3 : 4)
                let end = min(index + length, bytes.count)
                guard length >= 2, end - index == length else {
                    out.append(contentsOf: bytes[index..<end])
                    index = end
                    continue
                }
                let value = scalarValue(bytes, at: index, length: length)
                // CJK ranges start at U+3040: three- and four-byte sequences only.
                if spacingCJK, length >= 3, isCJK(value) {
                    out.append(UInt8(ascii: " "))
                    out.append(contentsOf: bytes[index..<end])
                    out.append(UInt8(ascii: " "))
                } else if let replacement = SearchFolding.replacement(for: value) {
                    replacement.withUTF8Buffer { out.append(contentsOf: $0) }
                } else if let ascii = SearchFolding.fullWidthASCII(value) {
                    out.append(ascii)
                } else if let lowered = SearchFolding.lowercased(value) {
                    out.append(contentsOf: lowered.utf8)
                } else {
                    out.append(contentsOf: bytes[index..<end])
                }
                index = end
            }
        }
        return out
    }

    private static func scalarValue(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> UInt32 {
        let lead = UInt32(bytes[index])
        var value = length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07
        for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
        return value
    }

    static func isCJK(_ value: UInt32) -> Bool {
        switch value {
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
