import Foundation
import SQLite
import XCTest

@testable import CRM

/// SearchDocument: what FTS5 indexes for a customer and the MATCH expression for `q`
/// (API.md: full-text search, prefix matching, Chinese text works), run against the real
/// `customers_fts` table of a freshly migrated database.
final class SearchDocumentTests: TemporaryDatabaseTestCase {
    // MARK: Helpers

    private func tokens(_ text: String) -> [String] {
        SearchDocument.segment(text).split(separator: " ").map(String.init)
    }

    private struct Document: Sendable {
        var name: String?
        var email: String?
        var phone: String?
        var company: String?
        var tags: [String] = []
    }

    private func index(_ documents: [Int64: Document]) throws {
        try database.writeAndWait { connection in
            for (id, document) in documents {
                let text = SearchDocument.make(
                    name: document.name, email: document.email, phone: document.phone, company: document.company, tags: document.tags)
                try connection.run("INSERT INTO customers_fts (rowid, document) VALUES (?, ?)", [.integer(id), .text(text)])
            }
        }
    }

    /// The rowids `q` finds, sorted; nil when the query holds nothing searchable.
    private func search(_ q: String, file: StaticString = #filePath, line: UInt = #line) -> [Int64]? {
        guard let match = SearchDocument.query(q) else { return nil }
        do {
            return try database.read { connection in
                try connection.query("SELECT rowid FROM customers_fts WHERE customers_fts MATCH ? ORDER BY rowid", [.text(match)])
                    .compactMap { $0.int64(0) }
            }
        } catch {
            XCTFail("SQLite refused MATCH \(match.debugDescription) for q=\(q.debugDescription): \(error)", file: file, line: line)
            return []
        }
    }

    private static let zhangWei: Int64 = 1
    private static let acme: Int64 = 2
    private static let huaxin: Int64 = 3
    private static let sarah: Int64 = 4
    private static let liNa: Int64 = 5
    private static let kimTokyo: Int64 = 6
    private static let mueller: Int64 = 7

    private func indexFixtures() throws {
        try index([
            Self.zhangWei: Document(name: "张伟", email: "zw@example.cn", tags: ["重点客户"]),
            Self.acme: Document(name: "Acme Ltd", email: "info@acme.example.com", company: "Acme Ltd", tags: ["vip"]),
            Self.huaxin: Document(name: "王芳", company: "华信科技有限公司"),
            Self.sarah: Document(
                name: "Sarah Clark", email: "sarah.clark@globex.example.com", phone: "+1 415-555-0199", company: "Globex Inc"),
            Self.liNa: Document(name: "李娜", phone: "+86 138-0013-8000"),
            Self.kimTokyo: Document(name: "김민수", company: "東京タワー株式会社"),
            Self.mueller: Document(name: "Jürgen Müller", email: "j.mueller@example.de"),
        ])
    }

    // MARK: Segmentation

    func testChineseCharactersBecomeSingleTokens() {
        XCTAssertEqual(tokens("张伟"), ["张", "伟"])
        XCTAssertEqual(tokens("华信科技有限公司"), ["华", "信", "科", "技", "有", "限", "公", "司"])
    }

    func testJapaneseKanaAndKanjiBecomeSingleTokens() {
        XCTAssertEqual(tokens("東京タワー"), ["東", "京", "タ", "ワ", "ー"])
        XCTAssertEqual(tokens("ひらがな"), ["ひ", "ら", "が", "な"])
    }

    func testKoreanSyllablesBecomeSingleTokens() {
        XCTAssertEqual(tokens("김민수"), ["김", "민", "수"])
    }

    func testLatinWordsAndDigitsStayWhole() {
        XCTAssertEqual(tokens("Acme Ltd 2026"), ["Acme", "Ltd", "2026"])
        XCTAssertEqual(tokens("Acme中国分公司"), ["Acme", "中", "国", "分", "公", "司"])
        XCTAssertEqual(tokens("zw@example.cn"), ["zw@example.cn"], "punctuation is left to the tokenizer")
    }

    func testRareCJKExtensionCharactersAreSegmented() {
        XCTAssertEqual(tokens("𠀀𠀁"), ["𠀀", "𠀁"])  // CJK Extension B
        XCTAssertEqual(tokens("㐀"), ["㐀"])  // Extension A
    }

    func testDocumentHoldsEveryFieldAndThePhoneDigits() {
        let document = SearchDocument.make(
            name: "张伟", email: "zw@example.cn", phone: "+86 138-0013-8000", company: "Acme", tags: ["vip", "重点"])
        let words = document.split(separator: " ").map(String.init)
        for expected in ["张", "伟", "zw@example.cn", "Acme", "vip", "重", "点", "+86", "138-0013-8000", "8613800138000"] {
            XCTAssertTrue(words.contains(expected), "\(expected) in \(words)")
        }
        XCTAssertEqual(SearchDocument.make(name: nil, email: nil, phone: nil, company: nil, tags: []), "")
        XCTAssertEqual(SearchDocument.make(name: "A", email: "", phone: "", company: nil, tags: []), "A")
    }

    // MARK: Query building

    func testQueryIsOneQuotedPrefixPhrasePerWordJoinedByAND() {
        XCTAssertEqual(SearchDocument.query("acme"), "\"acme\"*")
        XCTAssertEqual(SearchDocument.query("  acme   ltd "), "\"acme\"* AND \"ltd\"*")
        XCTAssertEqual(SearchDocument.query("zw@example.cn"), "\"zw example cn\"*")
        XCTAssertEqual(SearchDocument.query("中国Acme"), "\"中 国 Acme\"*")
    }

    /// A CJK character is a whole token in every document: a phrase ending in one needs no prefix
    /// (which FTS5 would answer by reading every match up front), and finds the same rows.
    func testAPhraseEndingInACJKCharacterIsNotAPrefix() {
        XCTAssertEqual(SearchDocument.query("张伟"), "\"张 伟\"")
        XCTAssertEqual(SearchDocument.query("华信，科技"), "\"华 信 科 技\"")
        XCTAssertEqual(SearchDocument.query("Acme中国 ltd"), "\"Acme 中 国\" AND \"ltd\"*")
        XCTAssertEqual(SearchDocument.query("김"), "\"김\"")
        XCTAssertEqual(SearchDocument.query("𠀀"), "\"𠀀\"")
        // That they find the same rows is what the Chinese, Japanese and Korean tests below check.
    }

    func testQueryWithNothingSearchableIsNil() {
        for q in ["", "   ", "\t\n", "!!!", "\"", "\"\"", "*", "* - ^ :", "()", "，。"] {
            XCTAssertNil(SearchDocument.query(q), q.debugDescription)
        }
    }

    func testQueryNeverCarriesFTS5Syntax() {
        let hostile = [
            "\"", "acme\"", "\"acme", "ac\"me", "acme\" OR \"x", "*", "acme*", "a OR b", "a AND b", "NOT a", "a NOT b",
            "NEAR(a b)", "NEAR(a b, 2)", "document:acme", "-acme", "^acme", "+acme", "{document}: acme", "(a OR b)",
            "a\"b\"c", "\"\"\"", "a'b", "a;DROP TABLE customers", "张\"伟", "OR", "AND", "NOT", "NEAR", "a:b*c",
            "\u{0}", "a\u{0}b", "\\\"",
        ]
        for q in hostile {
            guard let match = SearchDocument.query(q) else { continue }
            // Every term is "…"* and nothing outside the quotes but AND.
            var outside = ""
            var inQuotes = false
            for character in match {
                if character == "\"" { inQuotes.toggle() } else if !inQuotes { outside.append(character) }
            }
            XCTAssertFalse(inQuotes, "balanced quotes in \(match.debugDescription)")
            let operators = outside.replacingOccurrences(of: "*", with: " ").split(separator: " ")
            XCTAssertTrue(
                operators.allSatisfy { $0 == "AND" }, "only AND outside phrases: \(match.debugDescription) for \(q.debugDescription)")
        }
    }

    func testEveryHostileQueryIsAcceptedBySQLite() throws {
        try indexFixtures()
        let hostile = [
            "\"", "acme\"", "\"acme", "ac\"me", "acme\" OR \"x", "*", "acme*", "a OR b", "NEAR(a b)", "NEAR(a b, 2)",
            "document:acme", "-acme", "^acme", "+acme", "{document}: acme", "(a OR b", "a\"b\"c", "\"\"\"", "a'b",
            "a;DROP TABLE customers", "张\"伟", "OR", "AND", "NOT", "NEAR", "a:b*c", "a\u{0}b", "\\\"", "a AND", "AND a",
        ]
        for q in hostile {
            _ = search(q)  // fails the test if SQLite refuses the expression
        }
        let count = try database.read { try $0.queryOne("SELECT count(*) FROM customers_fts")?.int(0) }
        XCTAssertEqual(count, 7, "nothing was dropped or changed")
    }

    func testOperatorWordsAreSearchedAsWordsNotOperators() throws {
        try indexFixtures()
        // As an operator, `acme OR globex` would find both; as words, every term must match.
        XCTAssertEqual(search("acme OR globex"), [])
        XCTAssertEqual(search("globex NOT acme"), [], "as an operator, NOT would find Sarah Clark")
        XCTAssertEqual(search("NEAR(acme ltd)"), [], "NEAR( is the word near, which no customer has")
        XCTAssertEqual(search("acme*"), [Self.acme], "a star is punctuation, not a second prefix operator")
    }

    // MARK: Matching

    func testChineseNameIsFoundByAnyRunOfItsCharacters() throws {
        try indexFixtures()
        XCTAssertEqual(search("张伟"), [Self.zhangWei])
        XCTAssertEqual(search("张"), [Self.zhangWei])
        XCTAssertEqual(search("伟"), [Self.zhangWei])
        XCTAssertEqual(search("伟张"), [], "characters must be in order")
        XCTAssertEqual(search("张芳"), [])
        XCTAssertEqual(search("重点客户"), [Self.zhangWei], "tags are searchable")
    }

    func testChineseCompanyIsFoundByItsParts() throws {
        try indexFixtures()
        XCTAssertEqual(search("华信科技有限公司"), [Self.huaxin])
        XCTAssertEqual(search("华信"), [Self.huaxin])
        XCTAssertEqual(search("科技"), [Self.huaxin])
        XCTAssertEqual(search("有限公司"), [Self.huaxin])
        XCTAssertEqual(search("华信 有限"), [Self.huaxin])
        XCTAssertEqual(search("信华"), [])
        XCTAssertEqual(search("华信 张伟"), [], "every word must match the same customer")
    }

    func testJapaneseAndKoreanAreFound() throws {
        try indexFixtures()
        XCTAssertEqual(search("민수"), [Self.kimTokyo])
        XCTAssertEqual(search("김민수"), [Self.kimTokyo])
        XCTAssertEqual(search("東京"), [Self.kimTokyo])
        XCTAssertEqual(search("タワー"), [Self.kimTokyo])
        XCTAssertEqual(search("京東"), [])
    }

    func testLatinWordsMatchByPrefixCaseInsensitively() throws {
        try indexFixtures()
        XCTAssertEqual(search("acme"), [Self.acme])
        XCTAssertEqual(search("ACME"), [Self.acme])
        XCTAssertEqual(search("ac"), [Self.acme])
        XCTAssertEqual(search("Acme Ltd"), [Self.acme])
        XCTAssertEqual(search("ltd acme"), [Self.acme], "word order does not matter")
        XCTAssertEqual(search("acme globex"), [])
        XCTAssertEqual(search("cme"), [], "prefix, not infix")
        XCTAssertEqual(search("muller"), [Self.mueller], "diacritics are folded")
        XCTAssertEqual(search("Müller"), [Self.mueller])
    }

    /// Prefixes of 2 to 6 characters are answered from their own prefix indexes (migration 0028:
    /// a longer prefix merges every matching term's doclist before its first match); every length
    /// finds the same customers either way.
    func testEveryPrefixOfAWordFindsIt() throws {
        try indexFixtures()
        let definition = try database.read { connection in
            try connection.queryOne("SELECT sql FROM sqlite_master WHERE name = 'customers_fts'")?.string(0)
        }
        XCTAssertTrue(definition?.contains("prefix = '2 3 4 5 6'") == true, definition ?? "no customers_fts")
        for length in 2...7 {
            XCTAssertEqual(
                search(String("example".prefix(length))), [Self.zhangWei, Self.acme, Self.sarah, Self.mueller], "example's first \(length)")
        }
        XCTAssertEqual(search("examples"), [])
    }

    func testEmailIsFoundWholeOrByItsParts() throws {
        try indexFixtures()
        XCTAssertEqual(search("zw@example.cn"), [Self.zhangWei])
        XCTAssertEqual(search("ZW@EXAMPLE.CN"), [Self.zhangWei])
        XCTAssertEqual(search("sarah.clark"), [Self.sarah])
        XCTAssertEqual(search("sarah.clark@globex"), [Self.sarah])
        XCTAssertEqual(search("globex"), [Self.sarah])
        XCTAssertEqual(search("example.cn"), [Self.zhangWei])
        XCTAssertEqual(search("example"), [Self.zhangWei, Self.acme, Self.sarah, Self.mueller])
        XCTAssertEqual(search("zw@example.com"), [])
    }

    func testPhoneIsFoundAsTypedOrAsDigits() throws {
        try indexFixtures()
        XCTAssertEqual(search("+86 138-0013-8000"), [Self.liNa])
        XCTAssertEqual(search("138-0013-8000"), [Self.liNa])
        XCTAssertEqual(search("8613800138000"), [Self.liNa])
        XCTAssertEqual(search("861380013"), [Self.liNa], "digits by prefix")
        XCTAssertEqual(search("415-555-0199"), [Self.sarah])
        XCTAssertEqual(search("0199"), [Self.sarah])
        XCTAssertEqual(search("138-0013-9999"), [])
    }

    // MARK: Folding

    func testLettersTheTokenizerKeepsAreFoldedInDocumentsAndQueries() {
        XCTAssertEqual(SearchDocument.segment("Søren Łukasz Đorđe Þór Æsa Œuvre Straße"), "Soren Lukasz Dorde THór AEsa OEuvre Strasse")
        XCTAssertEqual(SearchDocument.segment("Ｔｏｋｙｏ Ｓｈｏｐ ２４"), "Tokyo Shop 24")
        XCTAssertEqual(SearchDocument.segment("Ελλάδα ΆΝΝΑ Ёлка ﬁnance"), "ελλαδα αννα елка finance")
        XCTAssertEqual(
            SearchDocument.segment("ÉLODIE Über"), "éLODIE über", "capitals outside ASCII are lowered (both engines lower ASCII)")
        XCTAssertEqual(SearchDocument.segment("张伟ø"), " 张  伟 o", "folding and segmenting together")
        XCTAssertEqual(SearchDocument.segment("Müller José Nguyễn"), "Müller José Nguyễn", "what the tokenizer folds itself is left to it")
        XCTAssertEqual(SearchDocument.query("søren"), "\"soren\"*")
        XCTAssertEqual(SearchDocument.tsquery("Łódź"), "'Lódź':*")
    }

    func testAFoldedNameIsFoundWithOrWithoutItsMarks() throws {
        try index([
            1: Document(name: "Søren Kierkegaard", company: "Ørsted"),
            2: Document(name: "Łukasz Żółć", email: "lukasz@example.pl"),
            3: Document(name: "Ｔｏｋｙｏ Ｄｅｓｉｇｎ"),
            4: Document(name: "Αθηνά Παπαδοπούλου"),
            5: Document(name: "Đặng Thị Hà"),
        ])
        XCTAssertEqual(search("soren"), [1])
        XCTAssertEqual(search("Søren"), [1])
        XCTAssertEqual(search("SØREN"), [1])
        XCTAssertEqual(search("orsted"), [1])
        XCTAssertEqual(search("lukasz zolc"), [2])
        XCTAssertEqual(search("Łukasz"), [2])
        XCTAssertEqual(search("tokyo"), [3])
        XCTAssertEqual(search("ＴＯＫＹＯ"), [3])
        XCTAssertEqual(search("αθηνα"), [4])
        XCTAssertEqual(search("παπαδοπουλου"), [4])
        XCTAssertEqual(search("dang thi ha"), [5])
    }
}
