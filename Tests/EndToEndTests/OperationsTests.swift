import XCTest

final class OperationsTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    func testHealthzAndReadyzNeedNoKey() throws {
        let client = try server.client()
        let health = try client.request("GET", "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.header("Content-Type"), "application/json; charset=utf-8")
        let ready = try client.request("GET", "/readyz")
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(try ready.json()["status"] as? String, "ready")
    }

    /// A second server on one SQLite file would sleep through the first one's commits (long-polls,
    /// caches): it refuses to start, and starts once the first has stopped.
    func testASecondServerOnTheSameSQLiteDatabaseRefusesToStart() throws {
        try TestDatabase.requireSQLite("several nodes share one PostgreSQL database by design")
        XCTAssertThrowsError(try TestServer(joining: server)) { error in
            XCTAssertTrue("\(error)".contains("another crm-server is already serving"), "\(error)")
        }
        XCTAssertEqual(try server.client().request("GET", "/readyz").status, 200)
        server.application.shutdown()
        let next = try TestServer(joining: server)
        defer { next.stop() }
        XCTAssertEqual(try next.client().request("GET", "/readyz").status, 200)
    }

    func testMetricsCountRequestsByRouteAndStatus() throws {
        let client = try server.client()
        _ = try client.request("GET", "/healthz")
        _ = try client.request("GET", "/v1/api-keys")
        let metrics = try client.request("GET", "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") ?? false)
        let text = metrics.text
        XCTAssertTrue(text.contains("http_requests_total{route=\"/healthz\",status=\"200\"} 1"), text)
        XCTAssertTrue(text.contains("http_requests_total{route=\"/v1/api-keys\",status=\"401\"} 1"), text)
        XCTAssertTrue(text.contains("http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1"), text)
        XCTAssertTrue(text.contains("http_open_connections 1"), text)
        XCTAssertTrue(text.contains("crm_db_writer_queue_depth "), text)
    }

    func testOpenAPIDocumentIsServedWithoutKey() throws {
        let reply = try server.client().request("GET", "/v1/openapi.yaml")
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.text.contains("\nopenapi: 3.1"))
        XCTAssertEqual(reply.header("Content-Type"), "application/yaml; charset=utf-8")
    }

    func testMetricsCanBeServedOnASeparateAddress() throws {
        let separate = try TestServer { $0.metricsAddress = .init(host: "127.0.0.1", port: 0) }
        defer { separate.stop() }
        XCTAssertEqual(try separate.client().request("GET", "/metrics").status, 404)
        let metricsPort = try XCTUnwrap(separate.application.metricsPort)
        let reply = try RawClient(port: metricsPort).request("GET", "/metrics")
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.text.contains("http_open_connections"))
    }
}
