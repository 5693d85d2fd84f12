import Foundation
import SQLite
import XCTest

/// `kill -9` during batch imports (docs/operations.md, "Faults"): the real `crm-server` binary
/// takes customer batches (`POST /v1/customers/batch`) and CSV imports (`POST
/// /v1/customers/import`, one transaction up to 500 rows) from several connections at once and
/// is killed with SIGKILL mid-way. After the restart every acknowledged batch is there whole, and
/// every other one is either whole or absent: never half there.
final class BatchCrashTests: XCTestCase {
    private static let recordsPerBatch = 100

    /// What the clients sent and what the server acknowledged, by batch prefix.
    private struct Ledger {
        var sent: Set<String> = []
        var acknowledged: Set<String> = []
        var unexpected: [String] = []
    }

    private static func batchBody(_ prefix: String) -> String {
        jsonText([
            "upsert_by": "external_id",
            "records": (0..<recordsPerBatch).map { ["external_id": "\(prefix)-r\($0)", "type": "person", "name": "\(prefix) \($0)"] },
        ])
    }

    private static func csvBody(_ prefix: String) -> String {
        "external_id,type,name\n" + (0..<recordsPerBatch).map { "\(prefix)-r\($0),person,\(prefix) \($0)\n" }.joined()
    }

    /// Sends batches one after another on one connection until the server goes away.
    private static func client(_ name: String, port: Int, key: String, csv: Bool, ledger: Locked<Ledger>) {
        guard var connection = try? RawClient(port: port, receiveTimeout: 10) else { return }
        for number in 0... {
            let prefix = "\(name)b\(number)"
            ledger.withLock { _ = $0.sent.insert(prefix) }
            let reply: RawClient.Reply
            do {
                reply =
                    csv
                    ? try connection.request(
                        "POST", "/v1/customers/import", headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "text/csv")],
                        body: csvBody(prefix))
                    : try connection.request(
                        "POST", "/v1/customers/batch", headers: [("Authorization", "Bearer \(key)")], body: batchBody(prefix))
            } catch {
                return  // killed: this batch was not acknowledged
            }
            let statuses = ((try? reply.json())?["results"] as? [[String: Any]])?.compactMap { $0["status"] as? Int }
            guard reply.status == 200, statuses == Array(repeating: 201, count: recordsPerBatch) else {
                ledger.withLock { $0.unexpected.append("\(prefix): \(reply.status) \(reply.text.prefix(300))") }
                return
            }
            ledger.withLock { _ = $0.acknowledged.insert(prefix) }
            if reply.header("Connection")?.lowercased() == "close" {
                guard let next = try? RawClient(port: port, receiveTimeout: 10) else { return }
                connection = next
            }
        }
    }

    func testKill9DuringBatchImportsLosesNoAcknowledgedBatchAndLeavesNoHalfBatch() throws {
        let binary = try ServerProcess.binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-batch-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("crm.sqlite").path
        let arguments = ["serve", "--db", db, "--host", "127.0.0.1", "--port", "0"]

        let first = try ServerProcess(binary: binary, arguments: arguments)
        var firstAlive = true
        defer { if firstAlive { first.kill9() } }
        let key = try XCTUnwrap(first.bootstrapKey, first.log)
        let ledger = Locked(Ledger())
        let clients = DispatchGroup()
        for (name, csv) in [("a", false), ("b", false), ("c", false), ("i", true)] {
            clients.enter()
            let port = first.port
            Thread.detachNewThread {
                Self.client(name, port: port, key: key, csv: csv, ledger: ledger)
                clients.leave()
            }
        }
        // Killed while the clients keep sending, at a moment that varies from run to run: some
        // batches are being parsed, some written, some committed but not yet answered.
        func acknowledged(_ count: Int) -> Bool {
            eventually(timeout: 30) { ledger.current.acknowledged.count >= count || !ledger.current.unexpected.isEmpty }
        }
        _ = acknowledged(4)
        let start = Date()
        let enough = acknowledged(12)
        // The clients move in step (their batches share commits): two rounds took this long.
        Thread.sleep(forTimeInterval: .random(in: 0...(Date().timeIntervalSince(start) / 2)))
        first.kill9()
        firstAlive = false
        XCTAssertTrue(enough, "batches were acknowledged before the kill: \(first.log.suffix(2000))")
        XCTAssertEqual(clients.wait(timeout: .now() + 15), .success, "every client saw the server go")
        let outcome = ledger.current
        XCTAssertEqual(outcome.unexpected, [])
        let unacknowledged = outcome.sent.subtracting(outcome.acknowledged)
        XCTAssertFalse(unacknowledged.isEmpty, "batches were in flight at the kill")

        // The restarted server recovers the database and serves.
        let second = try ServerProcess(binary: binary, arguments: arguments)
        defer { second.stop() }
        var client = try RawClient(port: second.port)
        XCTAssertEqual(try client.request("GET", "/readyz").status, 200, second.log)

        let connection = try Connection(path: db, readOnly: true)
        XCTAssertEqual(try connection.queryOne("PRAGMA integrity_check")?.string(0), "ok")
        var stored: [String: Int] = [:]
        for row in try connection.query(
            "SELECT substr(external_id, 1, instr(external_id, '-r') - 1), count(*) FROM customers WHERE deleted_at IS NULL GROUP BY 1")
        {
            stored[row.string(0) ?? "", default: 0] += row.int(1) ?? 0
        }
        for prefix in outcome.acknowledged {
            XCTAssertEqual(stored[prefix], Self.recordsPerBatch, "acknowledged batch \(prefix) is there whole")
        }
        for (prefix, count) in stored {
            XCTAssertTrue(outcome.sent.contains(prefix), "\(prefix) was sent")
            XCTAssertEqual(count, Self.recordsPerBatch, "batch \(prefix) is whole or absent, never half there")
        }

        // Writes go on after the restart.
        client = try RawClient(port: second.port)
        let reply = try client.request(
            "POST", "/v1/customers/batch", headers: [("Authorization", "Bearer \(key)")], body: Self.batchBody("after"))
        XCTAssertEqual(reply.status, 200, reply.text)
    }
}
