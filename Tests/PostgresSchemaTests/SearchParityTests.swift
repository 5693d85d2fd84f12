import CRM
import Foundation
import XCTest

/// `q` on both engines: the same documents (SearchDocument, as the store writes them) in
/// `customers_fts`, searched with FTS5's MATCH there and with a tsquery over `terms` here, find
/// the same customers. The tsquery is made from the FTS5 query the way the dialect layer will:
/// each quoted phrase `"a b"*` is `'a' <-> 'b':*`, and the phrases are ANDed.
final class SearchParityTests: SchemaTestCase {
    private let customers: [(name: String, email: String?, phone: String?, company: String?, tags: [String])] = [
        ("张伟", "zhang.wei@example.cn", "+86 138 0013 8000", "腾讯科技", ["vip"]),
        ("张三丰", nil, nil, "武当", []),
        ("李娜", "li.na@acme.cn", "13800000000", "Acme Ltd", ["tennis", "vip"]),
        ("Jane Doe", "jane@acme.cn", "+1 555 010 9999", "Acme-Widgets", []),
        ("José Müller", "jose@example.com", nil, "Café Zürich", ["b2b"]),
        ("ACME Holdings", nil, nil, "ACME", []),
        ("O'Brien", "ob@x.io", nil, "foo_bar & sons", []),
        ("山田太郎", nil, nil, "トヨタ", []),
        ("김민수", nil, nil, "삼성", []),
        ("Søren Ørsted", "soren@example.dk", nil, "Łódź Straße", ["ｖｉｐ"]),
        ("Αθηνά Ёлкина", nil, nil, "Ｔｏｋｙｏ ﬁnance", []),
    ]

    private let queries = [
        "张", "张伟", "伟", "张 伟", "三丰", "腾讯", "讯科", "李娜 vip", "acme", "ac", "ACME", "a", "acme ltd", "jane@acme",
        "jane@acme.cn", "acme.cn", "555", "0109999", "15550109999", "5550109999", "138", "jose", "José", "muller", "Müller",
        "cafe", "zürich", "o'brien", "brien", "foo", "foo_bar", "sons", "widgets", "acme-widgets", "山田", "トヨタ", "민수",
        "vip", "tennis vip", "nobody", "zhang.wei", "example", "soren", "Søren", "SØREN", "orsted", "lodz", "łódź", "strasse",
        "straße", "tokyo", "ＴＯＫＹＯ", "finance", "αθηνα", "Αθηνά", "елкина", "ёлкина",
    ]

    func testEveryQueryFindsTheSameCustomersOnBothEngines() throws {
        let engines = try bothEngines()
        for (offset, customer) in customers.enumerated() {
            let document = SearchDocument.make(
                name: customer.name, email: customer.email, phone: customer.phone, company: customer.company, tags: customer.tags)
            // The store's own statement, the same on both.
            try engines.run("INSERT INTO customers_fts (rowid, document) VALUES (?, ?)", [.integer(Int64(offset + 1)), .text(document)])
        }
        var found = 0
        for text in queries {
            guard let match = SearchDocument.query(text) else {
                XCTFail("nothing searchable in \(text)")
                continue
            }
            let fromSQLite = try engines.sqlite.query(
                "SELECT rowid FROM customers_fts WHERE customers_fts MATCH ? ORDER BY rowid", [.text(match)]
            ).compactMap { $0.int(0) }
            let fromPostgres = try engines.postgres.query(
                "SELECT rowid FROM customers_fts WHERE terms @@ to_tsquery('crm_search', $1) ORDER BY rowid",
                [.text(Self.tsquery(fromMatch: match))]
            ).compactMap { $0.int(0) }
            XCTAssertEqual(fromPostgres, fromSQLite, "q=\(text) (\(match))")
            found += fromSQLite.isEmpty ? 0 : 1
        }
        XCTAssertGreaterThan(found, queries.count - 3, "the queries mostly find someone")
    }

    func testTheSearchIndexServesAPrefixQuery() throws {
        let engines = try bothEngines()
        try engines.postgres.execute(
            "INSERT INTO customers_fts (rowid, document) SELECT n, 'customer ' || n FROM generate_series(1, 2000) AS n")
        try engines.postgres.execute("ANALYZE customers_fts")
        try engines.postgres.execute("SET enable_seqscan = off")
        let plan = try engines.postgres.query(
            "EXPLAIN SELECT rowid FROM customers_fts WHERE terms @@ to_tsquery('crm_search', 'acme:*')"
        ).compactMap { $0.string(0) }.joined(separator: "\n")
        XCTAssertTrue(plan.contains("customers_fts_terms"), plan)
    }

    /// `"a b"* AND "c"*` → `'a' <-> 'b':* & 'c':*`, `"张 伟"` → `'张' <-> '伟'`. The pieces are letters and digits only
    /// (SearchDocument.query splits on everything else), so quoting them is enough.
    static func tsquery(fromMatch match: String) -> String {
        match.components(separatedBy: " AND ").map { term in
            // `"…"*` is a prefix phrase, `"…"` (ending in a CJK character) a whole one.
            let prefix = term.hasSuffix("*")
            let phrase = term.dropFirst().dropLast(prefix ? 2 : 1).replacingOccurrences(of: "\"\"", with: "\"")
            let pieces = phrase.split(separator: " ").map { "'\($0)'" }
            return pieces.joined(separator: " <-> ") + (prefix ? ":*" : "")
        }.joined(separator: " & ")
    }
}
