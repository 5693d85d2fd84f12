import Foundation
import PostgresTestSupport
import XCTest

/// PostgreSQL going away under a running server: while it is down every request that needs the
/// database is a `503` problem and `/readyz` says so; once it is back the server serves again,
/// without a restart of its own.
final class PostgresFaultTests: XCTestCase {
    private var server: TestServer!

    override func setUpWithError() throws {
        try TestDatabase.requirePostgres("faults of the PostgreSQL server")
        server = try TestServer()
    }

    override func tearDown() {
        server?.stop()
    }

    private func send(_ method: String, _ target: String, body: String? = nil) throws -> RawClient.Reply {
        try server.client(timeout: 15).request(method, target, headers: [("Authorization", "Bearer \(server.adminKey)")], body: body)
    }

    private func create(_ name: String) throws -> RawClient.Reply {
        try send("POST", "/v1/customers", body: "{\"name\":\"\(name)\",\"type\":\"person\"}")
    }

    func testARestartOfPostgreSQLIs503WhileItIsDownAndServesAgainOnceItIsBack() throws {
        let cluster = try TestCluster.shared.get()
        XCTAssertEqual(try create("赵六").status, 201)
        // The tests' cluster commits without waiting for its log (synchronous_commit = off): give
        // the WAL writer its 200 ms to hand the commit to the file before the crash.
        Thread.sleep(forTimeInterval: 0.5)

        try cluster.stopImmediately()
        var restarted = false
        defer { if !restarted { try? cluster.start() } }
        for (method, target, body) in [
            ("GET", "/v1/customers/1", nil), ("GET", "/v1/customers", nil),
            ("POST", "/v1/customers", "{\"name\":\"x\",\"type\":\"person\"}"),
        ] {
            let reply = try send(method, target, body: body)
            XCTAssertEqual(reply.status, 503, "\(method) \(target): \(reply.text)")
            XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        }
        XCTAssertEqual(try server.client().request("GET", "/readyz").status, 503)
        XCTAssertEqual(try server.client().request("GET", "/healthz").status, 200, "the process itself is fine")

        try cluster.start()
        restarted = true
        let deadline = Date().addingTimeInterval(15)
        var status = 0
        while Date() < deadline {
            status = try send("GET", "/v1/customers/1").status
            if status == 200 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertEqual(status, 200, "reads recover without restarting crm-server")
        XCTAssertEqual(try create("孙七").status, 201, "and so do writes")
        XCTAssertEqual(try server.client().request("GET", "/readyz").status, 200)
        let names = try send("GET", "/v1/customers").json()["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(names.compactMap { $0["name"] as? String }, ["赵六", "孙七"], "the write refused while it was down left nothing")
    }
}
