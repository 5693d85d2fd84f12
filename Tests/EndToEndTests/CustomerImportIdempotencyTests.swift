import Foundation
import XCTest

/// `Idempotency-Key` on `POST /v1/customers/import` (API.md "POST requests accept
/// Idempotency-Key"): the same file with the same key replays the whole first answer and writes
/// nothing; another file with the key is 422, also writing nothing; both hold for an import
/// written in several transactions (chunks of 500 rows).
final class CustomerImportIdempotencyTests: CustomerTestCase {
    private func importCSV(_ csv: String, key: String) throws -> RawClient.Reply {
        try api.send("POST", "/v1/customers/import", json: csv, headers: [("Content-Type", "text/csv"), ("Idempotency-Key", key)])
    }

    private func csv(rows: Int, prefix: String) -> String {
        "type,name,email\n" + (0..<rows).map { "person,\(prefix) \($0),\(prefix.lowercased())\($0)@example.com\n" }.joined()
    }

    func testTheSameFileWithTheSameKeyReplaysTheFirstAnswerAndCreatesNothing() throws {
        let file = csv(rows: 3, prefix: "Once")
        let first = try importCSV(file, key: "import-once-1")
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertNil(first.header("Idempotent-Replayed"))
        XCTAssertEqual(try api.storedCustomerCount(), 3)

        let replay = try importCSV(file, key: "import-once-1")
        XCTAssertEqual(replay.status, 200, replay.text)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(replay.text, first.text)
        XCTAssertEqual(replay.header("Content-Type"), first.header("Content-Type"))
        XCTAssertEqual(try api.storedCustomerCount(), 3)
    }

    func testTheSameKeyWithAnotherFileIs422AndCreatesNothing() throws {
        let first = try importCSV(csv(rows: 2, prefix: "First"), key: "import-reused")
        XCTAssertEqual(first.status, 200, first.text)
        let reused = try importCSV(csv(rows: 2, prefix: "Other"), key: "import-reused")
        XCTAssertEqual(reused.status, 422, reused.text)
        XCTAssertNil(reused.header("Idempotent-Replayed"))
        XCTAssertTrue(reused.text.contains("Idempotency-Key"), reused.text)
        XCTAssertEqual(try api.storedCustomerCount(), 2)
        XCTAssertEqual(try api.allIDs([("q", "Other")]), [])
    }

    func testAnImportOfSeveralChunksReplaysEveryChunksResults() throws {
        // 1,201 rows: three writer transactions, the key reserved in the first, the answer stored in the last.
        let file = csv(rows: 1201, prefix: "Chunked")
        let first = try importCSV(file, key: "import-chunked")
        XCTAssertEqual(first.status, 200)
        let results = try XCTUnwrap(try first.json()["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1201)
        XCTAssertEqual(Set(results.compactMap { $0["status"] as? Int }), [201])
        XCTAssertEqual(try api.storedCustomerCount(), 1201)

        let replay = try importCSV(file, key: "import-chunked")
        XCTAssertEqual(replay.status, 200)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(replay.text, first.text)
        XCTAssertEqual(try api.storedCustomerCount(), 1201)
    }

    func testAHeaderOnlyFileKeepsItsAnswerToo() throws {
        let first = try importCSV("type,name\n", key: "import-empty")
        XCTAssertEqual(first.status, 200, first.text)
        let replay = try importCSV("type,name\n", key: "import-empty")
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(replay.text, first.text)
        XCTAssertEqual(try importCSV("type,name\nperson,Late\n", key: "import-empty").status, 422)
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    func testWithoutAKeyTheSameFileImportsTwice() throws {
        // No emails: those are unique, and a second create of one would be that row's 422.
        let file = "type,name\nperson,Twice 0\nperson,Twice 1\n"
        for _ in 0..<2 {
            let reply = try api.send("POST", "/v1/customers/import", json: file, headers: [("Content-Type", "text/csv")])
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertNil(reply.header("Idempotent-Replayed"))
        }
        XCTAssertEqual(try api.storedCustomerCount(), 4)
    }
}
