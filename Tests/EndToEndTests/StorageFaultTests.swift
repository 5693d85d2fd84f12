import Foundation
import SQLite
import XCTest

@testable import CRM

/// Storage faults under a running server (docs/operations.md, "Faults"): a full disk, and the
/// database file made read-only or removed. Each write then answers a `503` problem and changes
/// nothing, the process stays up (`/healthz`), and writes succeed again once the fault is gone,
/// without a restart.
final class StorageFaultTests: CustomerTestCase {
    private var path: String { server.application.database.path }

    override func setUpWithError() throws {
        try TestDatabase.requireSQLite("faults of the SQLite file (PostgreSQL's own are in PostgresFaultTests)")
        try super.setUpWithError()
    }

    /// SQLite's `SQLITE_FULL`, made deterministic: the file may grow by `pages` more pages (or
    /// without limit, nil). What a full disk does, without needing one.
    private func limitGrowth(to pages: Int?) throws {
        try server.application.database.writer!.exclusive { connection in
            let count = try connection.queryOne("PRAGMA page_count")?.int(0) ?? 0
            try connection.execute("PRAGMA max_page_count = \(pages.map { count + $0 } ?? 1_073_741_823)")
        }
    }

    private func status(_ path: String) throws -> Int { try api.send("GET", path, authorized: false).status }

    /// A `503` problem of type `type` with `Retry-After`.
    private func assertFault(
        _ reply: RawClient.Reply, type: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertEqual(reply.status, 503, reply.text, file: file, line: line)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json", file: file, line: line)
        XCTAssertNotNil(reply.header("Retry-After"), file: file, line: line)
        let problem = try reply.json()
        XCTAssertEqual(problem["type"] as? String, "https://crm.example/problems/\(type)", file: file, line: line)
        XCTAssertEqual(problem["status"] as? Int, 503, file: file, line: line)
        XCTAssertNotNil(problem["request_id"] as? String, file: file, line: line)
    }

    private func batch(_ prefix: String, count: Int, padding: Int = 0) -> [String: Any] {
        [
            "upsert_by": "external_id",
            "records": (0..<count).map { index in
                [
                    "external_id": "\(prefix)-\(index)", "type": "person", "name": "\(prefix) \(index)",
                    "attributes": ["padding": String(repeating: "p", count: padding)],
                ] as [String: Any]
            },
        ]
    }

    private func storedCount(prefix: String) throws -> Int {
        try server.application.database.read {
            try $0.queryOne("SELECT count(*) FROM customers WHERE external_id LIKE ?", [.text(prefix + "-%")])?.int(0)
        } ?? -1
    }

    func testAFullDiskAnswers503StorageFullWritesNothingAndWritesResumeOnceThereIsRoom() throws {
        let early = try api.createPerson("Before the disk filled")
        try limitGrowth(to: 8)

        // Writes go in until the disk is full; then every write is a 503 and stores nothing.
        var acknowledged = 1
        var refusal: RawClient.Reply?
        for index in 0..<200 {
            let reply = try api.send(
                "POST", "/v1/customers",
                json: ["type": "person", "name": "Filler \(index)", "attributes": ["padding": String(repeating: "f", count: 3000)]])
            if reply.status == 201 {
                acknowledged += 1
            } else {
                refusal = reply
                break
            }
        }
        let full = try XCTUnwrap(refusal, "the disk never filled")
        try assertFault(full, type: "storage-full")
        XCTAssertEqual(try api.storedCustomerCount(), acknowledged, "the refused write stored nothing")

        // A whole batch is refused at once: none of its records is stored, none is half there.
        try assertFault(try api.send("POST", "/v1/customers/batch", json: batch("full", count: 50, padding: 2000)), type: "storage-full")
        XCTAssertEqual(try storedCount(prefix: "full"), 0)
        let changes = try XCTUnwrap(try api.send("GET", "/v1/changes?limit=200").json()["data"] as? [[String: Any]])
        XCTAssertEqual(changes.count, acknowledged, "one change per acknowledged create, none for refused writes")

        // The server is up, and reads go on.
        XCTAssertEqual(try status("/healthz"), 200)
        XCTAssertEqual(try api.get(early).status, 200)
        XCTAssertEqual(try api.allIDs().count, acknowledged)

        // Space is back: the same writes succeed, with no restart.
        try limitGrowth(to: nil)
        let reply = try api.send("POST", "/v1/customers/batch", json: batch("full", count: 50, padding: 2000))
        XCTAssertEqual(reply.status, 200, reply.text)
        let results = try XCTUnwrap(try reply.json()["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["status"] as? Int }, Array(repeating: 201, count: 50))
        XCTAssertEqual(try storedCount(prefix: "full"), 50)
        try api.createPerson("After the disk was freed")
    }

    func testAReadOnlyDatabaseFileAnswers503AndReadyz503UntilItIsWritableAgain() throws {
        let early = try api.createPerson("Before read-only")
        XCTAssertEqual(try status("/readyz"), 200)
        // No write bit for anyone: read-only for every user, root included (whom modes do not stop).
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)

        try assertFault(try api.send("POST", "/v1/customers", json: ["type": "person", "name": "Refused"]), type: "unavailable")
        try assertFault(try api.send("POST", "/v1/customers/batch", json: batch("ro", count: 5)), type: "unavailable")
        try assertFault(try api.send("GET", "/readyz", authorized: false), type: "unavailable")
        XCTAssertEqual(try status("/healthz"), 200)
        XCTAssertEqual(try api.get(early).status, 200, "reads go on")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        XCTAssertEqual(try status("/readyz"), 200)
        try api.createPerson("After read-only")
        XCTAssertEqual(try api.storedCustomerCount(), 2)
        XCTAssertEqual(try storedCount(prefix: "ro"), 0)
    }

    func testARemovedDatabaseFileAnswers503AndReadyz503UntilItIsBack() throws {
        try api.createPerson("Before removal")
        // Removed or renamed under the server: SQLite would go on writing to the unlinked file,
        // acknowledging writes that no restart would see.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".away")

        try assertFault(try api.send("POST", "/v1/customers", json: ["type": "person", "name": "Lost"]), type: "unavailable")
        try assertFault(try api.send("GET", "/readyz", authorized: false), type: "unavailable")
        XCTAssertEqual(try status("/healthz"), 200)

        // Put back where it was (the same file): writes go on, and the refused one never happened.
        try FileManager.default.moveItem(atPath: path + ".away", toPath: path)
        XCTAssertEqual(try status("/readyz"), 200)
        try api.createPerson("After it was put back")
        XCTAssertEqual(try api.storedCustomerCount(), 2)
        let names = try Connection(path: path, readOnly: true).query("SELECT name FROM customers ORDER BY id").compactMap { $0.string(0) }
        XCTAssertEqual(names, ["Before removal", "After it was put back"], "what a restart would see")
    }
}
