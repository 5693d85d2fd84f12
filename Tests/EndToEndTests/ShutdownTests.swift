import XCTest

/// Graceful shutdown (DESIGN.md, "Server model"): an in-flight request finishes, idle
/// connections close, and the server stops within the timeout.
final class ShutdownTests: XCTestCase {
    func testInFlightRequestFinishesDuringShutdown() throws {
        let server = try TestServer { $0.shutdownTimeout = .seconds(5) }
        let client = try server.client()
        let idle = try server.client()
        XCTAssertEqual(try idle.request("GET", "/healthz").status, 200)
        let body = "{\"name\":\"late\",\"role\":\"viewer\"}"
        // The head arrives before shutdown; the body only after it began.
        try client.send(
            "POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.adminKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.2)
        let stopped = expectation(description: "shutdown returned")
        DispatchQueue.global().async {
            server.stop()
            stopped.fulfill()
        }
        Thread.sleep(forTimeInterval: 0.2)
        try client.send(body)
        let reply = try client.readResponse()
        XCTAssertEqual(reply.status, 201)
        XCTAssertEqual(reply.header("Connection"), "close")
        XCTAssertTrue(idle.isClosedByPeer())
        wait(for: [stopped], timeout: 5)
    }

    func testNewConnectionsAreRefusedAfterShutdown() throws {
        let server = try TestServer()
        let port = server.port
        server.stop()
        XCTAssertThrowsError(try RawClient(port: port).request("GET", "/healthz"))
    }
}
