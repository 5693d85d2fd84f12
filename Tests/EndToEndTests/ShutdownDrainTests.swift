import XCTest

/// Graceful shutdown seen from keep-alive connections that were idle when it began (DESIGN.md,
/// "Server model": answer 503 with `Connection: close` to new requests on open connections,
/// finish in-flight ones): while a request is still in flight, a request sent on an idle
/// connection is refused with `503`, not dropped; and idle connections never hold the server up.
final class ShutdownDrainTests: XCTestCase {
    func testRequestOnIdleConnectionWhileAnotherIsInFlightGets503AndClose() throws {
        let server = try TestServer { $0.shutdownTimeout = .seconds(10) }
        let idle = try server.client()
        XCTAssertEqual(try idle.request("GET", "/healthz").status, 200)
        // The slow request: its head arrives before shutdown, its body only when the test says.
        let slow = try server.client()
        let body = "{\"name\":\"slow\",\"role\":\"viewer\"}"
        try slow.send(
            "POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.adminKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.2)

        let stopped = expectation(description: "shutdown returned")
        DispatchQueue.global().async {
            server.stop()
            stopped.fulfill()
        }
        Thread.sleep(forTimeInterval: 0.3)

        let refused = try idle.request("GET", "/healthz")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Connection"), "close")
        XCTAssertEqual(try refused.json()["status"] as? Int, 503)
        XCTAssertTrue(idle.isClosedByPeer())
        idle.closeNow()

        try slow.send(body)
        let served = try slow.readResponse()
        XCTAssertEqual(served.status, 201)
        XCTAssertEqual(served.header("Connection"), "close")
        slow.closeNow()
        wait(for: [stopped], timeout: 5)
    }

    func testIdleConnectionsDoNotHoldUpShutdown() throws {
        let server = try TestServer { $0.shutdownTimeout = .seconds(10) }
        let idle = try server.client()
        XCTAssertEqual(try idle.request("GET", "/healthz").status, 200)
        let silent = try server.client()
        let started = Date()
        server.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "nothing was in flight")
        XCTAssertTrue(idle.isClosedByPeer())
        XCTAssertTrue(silent.isClosedByPeer())
    }
}
