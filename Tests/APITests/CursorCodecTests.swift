import CRM
import HTTP
import JSON
import XCTest

@testable import API

/// List cursors (API.md §1, "Lists"): opaque, tamper-evident, bound to their list's sort and
/// filters; anything else is a 400 naming `cursor`, never a SQL error.
final class CursorCodecTests: XCTestCase {
    private let codec = CursorCodec(key: Array("a test key of thirty-two bytes!!".utf8))
    private let scope = "customers?sort=name"

    private func assertRejected(
        _ cursor: String, scope: String? = nil, codec: CursorCodec? = nil, _ message: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let position = try (codec ?? self.codec).decode(cursor, scope: scope ?? self.scope)
            XCTFail("accepted \(cursor.debugDescription) as \(position) \(message)", file: file, line: line)
        } catch let error as APIError {
            XCTAssertEqual(error.status, 400, message, file: file, line: line)
            XCTAssertEqual(error.errors.map(\.field), ["cursor"], message, file: file, line: line)
        } catch {
            XCTFail("expected an APIError, got \(error) \(message)", file: file, line: line)
        }
    }

    func testRoundTrip() throws {
        let positions: [JSONValue] = [
            [.string("张伟"), 42], [1_234_567, 9], [.double(12.5), 3], [.string(""), 1], [.null, 7], [.string("quote \" , . \n"), 8],
            [.int(.max), .int(.max)], [.int(.min), 1],
        ]
        for position in positions {
            let cursor = codec.encode(position, scope: scope)
            XCTAssertEqual(try codec.decode(cursor, scope: scope), position)
        }
    }

    func testCursorIsOpaqueURLSafeText() {
        let cursor = codec.encode([.string("张伟"), 42], scope: scope)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
        XCTAssertTrue(cursor.allSatisfy { allowed.contains($0) }, cursor)
        XCTAssertFalse(cursor.contains("张伟"))
        XCTAssertFalse(cursor.contains("42"), "the position is encoded, not shown")
    }

    func testEncodingIsDeterministic() {
        XCTAssertEqual(codec.encode([.string("a"), 1], scope: scope), codec.encode([.string("a"), 1], scope: scope))
        XCTAssertNotEqual(codec.encode([.string("a"), 1], scope: scope), codec.encode([.string("a"), 2], scope: scope))
    }

    func testEverySingleAlteredCharacterIsRejected() {
        let cursor = Array(codec.encode([.string("Acme Ltd"), 42], scope: scope))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
        for index in cursor.indices {
            // Two substitutes per position: a neighbour in the alphabet and a far one.
            let original = cursor[index]
            let position = alphabet.firstIndex(of: original) ?? 0
            for substitute in [alphabet[(position + 1) % alphabet.count], alphabet[(position + 32) % alphabet.count]]
            where substitute != original {
                var altered = cursor
                altered[index] = substitute
                assertRejected(String(altered), "character \(index) \(original)→\(substitute)")
            }
        }
    }

    func testTruncatedExtendedAndSplicedCursorsAreRejected() {
        let cursor = codec.encode([.string("Acme"), 42], scope: scope)
        for length in 0..<cursor.count {
            assertRejected(String(cursor.prefix(length)), "first \(length) characters")
        }
        assertRejected(cursor + "A")
        assertRejected(cursor + ".")
        assertRejected("A" + cursor)
        assertRejected(cursor + "=")
        // The payload of one cursor with the tag of another.
        let other = codec.encode([.string("Zed"), 99], scope: scope)
        let spliced = cursor.split(separator: ".")[0] + "." + other.split(separator: ".")[1]
        assertRejected(String(spliced))
    }

    func testACursorOfAnotherScopeIsRejected() {
        let cursor = codec.encode([.string("Acme"), 42], scope: "customers?sort=name")
        for other in [
            "customers?sort=-name", "customers?", "orders?sort=name", "customers?country=CN&sort=name", "customers?sort=name ", "",
        ] {
            assertRejected(cursor, scope: other, other)
        }
        XCTAssertNoThrow(try codec.decode(cursor, scope: "customers?sort=name"))
    }

    func testACursorSignedWithAnotherKeyIsRejected() {
        let other = CursorCodec(key: Array("another key of thirty-two bytes!".utf8))
        assertRejected(other.encode([.string("Acme"), 42], scope: scope))
        assertRejected(codec.encode([.string("Acme"), 42], scope: scope), codec: other)
    }

    func testGarbageIsRejected() {
        let garbage = [
            "", ".", "..", "abc", "abc.def", "a.b.c", "!!!.???", "eyJ4IjoxfQ", "eyJ4IjoxfQ.", ".eyJ4IjoxfQ",
            "WzEsMl0.AAAAAAAAAAAAAAAAAAAAAA",
            "张伟.张伟", "%20.%20", "null", "0", String(repeating: "A", count: 5000),
            String(repeating: "A", count: 100) + "." + String(repeating: "A", count: 22),
            "WzEsMl0=.AAAAAAAAAAAAAAAAAAAAAA", " WzEsMl0.AAAAAAAAAAAAAAAAAAAAAA", "\u{0}",
        ]
        for cursor in garbage {
            assertRejected(cursor, cursor.debugDescription)
        }
    }

    // MARK: Through ListParameters: a cursor is bound to its list's sort and filters

    private func parameters(_ query: String) throws -> ListParameters {
        try ListParameters(
            Request(method: .get, target: "/v1/customers?\(query)"), resource: "customers", fields: CustomerSchema.listFields,
            searchable: true, cursors: codec)
    }

    private func nextCursor(_ query: String, key: JSONValue, id: Int64) throws -> String {
        let page = ListPage<Int>(items: [], next: (key, id))
        return try XCTUnwrap(try parameters(query).nextCursor(page, cursors: codec))
    }

    func testListCursorContinuesTheSameListWhateverTheParameterOrderAndLimit() throws {
        let cursor = try nextCursor("sort=name&country=CN&limit=2", key: .string("Acme"), id: 42)
        for query in [
            "sort=name&country=CN&limit=2&cursor=\(cursor)", "cursor=\(cursor)&country=CN&sort=name",
            "country=CN&sort=name&limit=200&cursor=\(cursor)",
        ] {
            let request = try parameters(query).request
            XCTAssertEqual(request.after?.key, .string("Acme"), query)
            XCTAssertEqual(request.after?.id, 42, query)
        }
        let numeric = try nextCursor("sort=-metrics.total_spent", key: .int(12_990), id: 7)
        XCTAssertEqual(try parameters("sort=-metrics.total_spent&cursor=\(numeric)").request.after?.key, .int(12_990))
        XCTAssertNil(try parameters("sort=name&country=CN").request.after)
    }

    func testListCursorOfAnotherSortOrFilterSetIsABadRequest() throws {
        let cursor = try nextCursor("sort=name&country=CN", key: .string("Acme"), id: 42)
        let others = [
            "sort=-name&country=CN", "sort=created_at&country=CN", "country=CN", "sort=name", "sort=name&country=DE",
            "sort=name&country=CN,DE", "sort=name&country=CN&type=person", "sort=name&country=CN&q=acme",
            "sort=name&country=CN&include_deleted=true",
        ]
        for query in others {
            do {
                _ = try parameters("\(query)&cursor=\(cursor)")
                XCTFail("accepted the cursor for \(query)")
            } catch let error as APIError {
                XCTAssertEqual(error.status, 400, query)
                XCTAssertEqual(error.errors.map(\.field), ["cursor"], query)
            }
        }
    }

    func testListCursorThatIsValidButNotAPositionIsABadRequest() throws {
        // Correctly signed, but not [key, id]: still a 400, never a crash or a SQL error.
        for position: JSONValue in [.null, [1], [1, 2, 3], ["a", "b"], ["a", 1.5], ["k": 1]] {
            let cursor = codec.encode(position, scope: "customers?sort=name")
            do {
                _ = try parameters("sort=name&cursor=\(cursor)")
                XCTFail("accepted \(position)")
            } catch let error as APIError {
                XCTAssertEqual(error.status, 400, "\(position)")
            }
        }
    }
}
