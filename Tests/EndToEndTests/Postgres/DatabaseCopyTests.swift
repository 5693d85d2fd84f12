import CRM
import Foundation
import PostgresTestSupport
import XCTest

/// `crm-server copy-db`: a SQLite database copied into PostgreSQL serves the same answers — the
/// same records with the same ids and versions, the same feed with the same seqs, the same audit
/// log — and goes on from there (new ids and seqs follow the copied ones).
final class DatabaseCopyTests: XCTestCase {
    private func send(_ server: TestServer, _ method: String, _ target: String, body: String? = nil) throws -> RawClient.Reply {
        try server.client().request(method, target, headers: [("Authorization", "Bearer \(server.adminKey)")], body: body)
    }

    private func created(_ server: TestServer, _ target: String, _ body: String) throws -> Int {
        let reply = try send(server, "POST", target, body: body)
        guard reply.status == 201, let id = try reply.json()["id"] as? Int else {
            throw RawClient.ClientError("\(target): \(reply.status) \(reply.text)")
        }
        return id
    }

    func testACopiedDatabaseAnswersAsTheOriginalAndGoesOn() throws {
        try TestDatabase.requirePostgres("copying into PostgreSQL")
        let sqlite = try TestServer {
            $0.db = FileManager.default.temporaryDirectory.appendingPathComponent("copy-\(UUID().uuidString).sqlite").path
        }
        let company = try created(sqlite, "/v1/customers", #"{"name":"腾讯科技","type":"company"}"#)
        let person = try created(
            sqlite, "/v1/customers",
            #"{"name":"张伟","type":"person","email":"zhang.wei@example.cn","tags":["vip"],"account_id":\#(company),"attributes":{"level":"gold","score":5}}"#
        )
        let twin = try created(sqlite, "/v1/customers", #"{"name":"张伟 (dup)","type":"person"}"#)
        XCTAssertEqual(try send(sqlite, "POST", "/v1/customers/\(person)/merge", body: #"{"from":[\#(twin)]}"#).status, 200)
        _ = try created(
            sqlite, "/v1/orders", #"{"customer_id":\#(person),"amount":199900,"currency":"CNY","ordered_at":"2026-11-01T10:00:00Z"}"#)
        _ = try created(sqlite, "/v1/tickets", #"{"customer_id":\#(person),"subject":"发票","priority":"high"}"#)
        XCTAssertEqual(try send(sqlite, "PATCH", "/v1/customers/\(person)", body: #"{"city":"深圳"}"#).status, 200)
        let paths = [
            "/v1/customers/\(person)", "/v1/customers/\(company)", "/v1/customers?limit=50", "/v1/changes?limit=200",
            "/v1/audit-log?limit=200", "/v1/customers?q=%E5%BC%A0", "/v1/customers/\(person)/timeline", "/v1/orders", "/v1/tickets",
            "/v1/customers/\(twin)",
        ]
        let before = try paths.map { try send(sqlite, "GET", $0) }
        // The database and its key file move on together; the test server's folder goes with it.
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: kept) }
        let keyFile = kept.appendingPathComponent("crm.key").path
        try FileManager.default.copyItem(atPath: try XCTUnwrap(sqlite.application.configuration.secretKeyFile), toPath: keyFile)
        let sqlitePath = sqlite.application.configuration.db
        defer { try? FileManager.default.removeItem(atPath: sqlitePath) }
        let adminKey = sqlite.adminKey
        sqlite.stop()

        let cluster = try TestCluster.shared.get()
        let url = cluster.tcpConfiguration(database: try cluster.createDatabase()).connectionString
        let summary = try DatabaseCopy.copy(sqlitePath: sqlitePath, postgresURL: url)
        XCTAssertGreaterThan(summary.rows, 10)
        XCTAssertThrowsError(try DatabaseCopy.copy(sqlitePath: sqlitePath, postgresURL: url), "only into an empty database")

        let postgres = try TestServer(adminKey: adminKey) {
            $0.db = url
            $0.secretKeyFile = keyFile
        }
        defer { postgres.stop() }
        for (path, original) in zip(paths, before) {
            let copy = try send(postgres, "GET", path)
            XCTAssertEqual(copy.status, original.status, path)
            var (copied, originally) = (try copy.json(), try original.json())
            // A problem names the request that got it; the rest must match.
            (copied["request_id"], originally["request_id"]) = (nil, nil)
            XCTAssertEqual(copied as NSDictionary, originally as NSDictionary, path)
        }
        let lastSeq = try XCTUnwrap((try before[3].json()["data"] as? [[String: Any]])?.last?["seq"] as? Int)
        let next = try created(postgres, "/v1/customers", #"{"name":"新客户","type":"person"}"#)
        XCTAssertEqual(next, twin + 1, "new ids follow the copied ones")
        let feed = try send(postgres, "GET", "/v1/changes?after=\(lastSeq)").json()["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(feed.compactMap { $0["seq"] as? Int }, [lastSeq + 1], "and so does the feed")
    }
}
