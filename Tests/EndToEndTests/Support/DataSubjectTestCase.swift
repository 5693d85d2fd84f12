import CRM
import Foundation
import SQLite
import XCTest

/// A real server on a fixed clock, with a sales client and a support session (both admin keys),
/// and what the data-subject tests share: erasing, reading the feed, and reading the database's
/// raw bytes.
class DataSubjectTestCase: SalesTestCase {
    var support: SupportSession!

    override func setUpWithError() throws {
        clock = SalesTime.clock()
        server = try TestServer(clock: clock) { $0.allowPrivateWebhooks = true }
        sales = try SalesClient(server)
        support = try SupportSession(server)
    }

    /// A text no other value in the database shares: random hex after `zq` (lower case, as the
    /// search index keeps its terms, so a term is found as written).
    func marker() -> String {
        "zq" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(14)
    }

    /// `POST /v1/customers/{id}/erase` that must answer 200: the erased customer.
    @discardableResult
    func erase(_ id: Int, reason: String = "data subject request", file: StaticString = #filePath, line: UInt = #line) throws
        -> [String: Any]
    {
        try sales.expect(200, "POST", "/v1/customers/\(id)/erase", json: ["reason": reason], file: file, line: line)
    }

    /// The whole change feed.
    func feed() throws -> [[String: Any]] {
        var entries: [[String: Any]] = []
        var position = 0
        while true {
            let body = try sales.expect(200, "GET", "/v1/changes?after=\(position)&limit=200")
            entries += body["data"] as? [[String: Any]] ?? []
            position = body["next_after"] as? Int ?? position
            if body["has_more"] as? Bool != true { return entries }
        }
    }

    /// The database file and its write-ahead log, as bytes on disk now. On PostgreSQL, every row
    /// of every table as text (what SQL can reach; freed row versions wait for VACUUM there,
    /// docs/operations.md).
    func databaseBytes() throws -> (file: Data, log: Data) {
        if TestDatabase.engine == "postgres" {
            return (Data(try TestDatabase.postgresText(server.application.configuration.db)), Data())
        }
        let path = server.directory.appendingPathComponent("crm.sqlite").path
        let log = FileManager.default.fileExists(atPath: path + "-wal") ? try Data(contentsOf: URL(fileURLWithPath: path + "-wal")) : Data()
        return (try Data(contentsOf: URL(fileURLWithPath: path)), log)
    }

    /// The markers (or their last ten characters, which FTS5's prefix compression of neighbouring
    /// terms never drops) found in the database file or its log.
    func markersFound(_ markers: [String]) throws -> [String] {
        let (file, log) = try databaseBytes()
        return markers.filter { marker in
            let needles = [marker, String(marker.suffix(10))].map { Data($0.utf8) }
            return needles.contains { file.range(of: $0) != nil || log.range(of: $0) != nil }
        }
    }

    /// A truncating checkpoint on the server's writer, as an operator's `PRAGMA wal_checkpoint(TRUNCATE)`.
    func checkpoint() throws {
        guard TestDatabase.engine != "postgres" else { return }  // PostgreSQL has no log file of ours to truncate
        try server.application.database.writer!.exclusive { try $0.checkpointTruncating() }
    }
}
