import XCTest

/// HTTP/1.1 behaviour over a real socket: keep-alive, pipelining, limits, timeouts, routing.
final class ConnectionTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws {
        server = try TestServer { configuration in
            configuration.headerTimeout = .milliseconds(300)
            configuration.idleTimeout = .milliseconds(600)
            configuration.maxRequestLine = 256
            configuration.maxHeaderBytes = 1024
            configuration.maxBodyBytes = 2048
        }
    }

    override func tearDown() {
        server.stop()
    }

    func testKeepAliveReusesOneConnectionForManyRequests() throws {
        let client = try server.client()
        for _ in 0..<20 {
            let reply = try client.request("GET", "/healthz")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.text, "{\"status\":\"ok\"}")
            XCTAssertNil(reply.header("Connection"))
        }
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let client = try server.client()
        let auth = [("Authorization", "Bearer \(server.adminKey)")]
        let batch =
            RawClient.format("GET", "/healthz", headers: [("X-Request-Id", "first")])
            + RawClient.format("GET", "/v1/api-keys", headers: auth + [("X-Request-Id", "second")])
            + RawClient.format("GET", "/nope", headers: [("X-Request-Id", "third")])
            + RawClient.format("GET", "/readyz", headers: [("X-Request-Id", "fourth")])
        try client.send(batch)
        let replies = try (0..<4).map { _ in try client.readResponse() }
        XCTAssertEqual(replies.map(\.status), [200, 200, 404, 200])
        XCTAssertEqual(replies.map { $0.header("X-Request-Id") }, ["first", "second", "third", "fourth"])
    }

    func testAnswersQueuedInOneLoopIterationAllReachTheirClients() throws {
        // Many connections with requests ready at once are handled in one pass of the event loop,
        // whose answers are written together at its end: each must reach its own client, in order.
        let clients = try (0..<24).map { _ in try server.client() }
        let auth = [("Authorization", "Bearer \(server.adminKey)")]
        for (index, client) in clients.enumerated() {
            try client.send(
                (0..<5).map {
                    RawClient.format(
                        "GET", $0 % 2 == 0 ? "/healthz" : "/v1/api-keys", headers: auth + [("X-Request-Id", "c\(index)-\($0)")])
                }
                .joined())
        }
        for (index, client) in clients.enumerated() {
            let replies = try (0..<5).map { _ in try client.readResponse() }
            XCTAssertEqual(replies.map(\.status), [200, 200, 200, 200, 200])
            XCTAssertEqual(replies.map { $0.header("X-Request-Id") }, (0..<5).map { "c\(index)-\($0)" })
        }
        // And the connections stay usable.
        XCTAssertEqual(try clients[7].request("GET", "/healthz").status, 200)
    }

    func testRequestSplitAcrossManyWritesIsServed() throws {
        let client = try server.client()
        for byte in Array(RawClient.format("GET", "/healthz").utf8) {
            try client.send([byte])
        }
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    func testEveryResponseCarriesDateServerAndRequestID() throws {
        let reply = try server.client().request("GET", "/healthz")
        XCTAssertNotNil(reply.header("Date"))
        XCTAssertEqual(reply.header("Server"), "crm-server")
        XCTAssertFalse(reply.header("X-Request-Id")?.isEmpty ?? true)
        XCTAssertEqual(reply.header("Content-Length"), "15")
    }

    func testInsaneRequestIDIsReplaced() throws {
        let reply = try server.client().request("GET", "/healthz", headers: [("X-Request-Id", "bad id with spaces")])
        XCTAssertNotEqual(reply.header("X-Request-Id"), "bad id with spaces")
    }

    func testUnknownPathIs404ProblemAndKeepsConnection() throws {
        let client = try server.client()
        let reply = try client.request("GET", "/v1/nothing-here", headers: [("Authorization", "Bearer \(server.adminKey)")])
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        XCTAssertEqual(try reply.json()["status"] as? Int, 404)
        XCTAssertNotNil(reply.header("RateLimit-Remaining"), "an authenticated answer, counted against its key")
        XCTAssertEqual(try client.request("GET", "/nothing-here").status, 404, "outside /v1 nothing needs a key")
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
    }

    /// Everything under `/v1` needs a key (API.md), routes or not: a client without one learns
    /// nothing of which paths and methods exist.
    func testAnUnknownPathOrMethodUnderV1WithoutAKeyIs401() throws {
        let client = try server.client()
        for (method, path) in [("GET", "/v1/nothing-here"), ("PUT", "/v1/customers"), ("DELETE", "/v1/pipelines/1")] {
            let reply = try client.request(method, path)
            XCTAssertEqual(reply.status, 401, "\(method) \(path)")
            XCTAssertEqual(reply.header("WWW-Authenticate"), "Bearer", "\(method) \(path)")
            XCTAssertNil(reply.header("Allow"), "\(method) \(path)")
            let unknownKey = try client.request(method, path, headers: [("Authorization", "Bearer crm_1_bogus")])
            XCTAssertEqual(unknownKey.status, 401, "\(method) \(path)")
        }
        let known = try client.request("DELETE", "/v1/pipelines/1", headers: [("Authorization", "Bearer \(server.adminKey)")])
        XCTAssertEqual(known.status, 405)
        XCTAssertEqual(known.header("Allow"), "GET, HEAD, PATCH, OPTIONS")
        XCTAssertEqual(try client.request("OPTIONS", "/v1/customers").status, 204, "a preflight carries no key")
    }

    /// `01`, `+1` or `abc` where an id goes names nothing: a `404` under every method (a `405`
    /// with `Allow` would say the path exists), and to a preflight without a key too.
    func testAnIDSpelledOtherwiseIs404UnderEveryMethod() throws {
        let client = try server.client()
        let auth = [("Authorization", "Bearer \(server.adminKey)")]
        for path in ["/v1/webhooks/01", "/v1/customers/+1", "/v1/customers/abc", "/v1/webhooks/abc/deliveries"] {
            for method in ["GET", "PUT", "POST", "PATCH", "DELETE"] {
                XCTAssertEqual(try client.request(method, path, headers: auth).status, 404, "\(method) \(path)")
            }
            let preflight = try client.request("OPTIONS", path)
            XCTAssertEqual(preflight.status, 404, "OPTIONS \(path)")
            XCTAssertNil(preflight.header("Allow"), "OPTIONS \(path)")
        }
        XCTAssertEqual(try client.request("PUT", "/v1/webhooks/1", headers: auth).status, 405, "a real id's path exists")
    }

    func testAbsoluteFormTargetsAreServedAndOptionsAsteriskAnswersForTheServer() throws {
        let client = try server.client()
        let auth = [("Authorization", "Bearer \(server.adminKey)")]
        XCTAssertEqual(try client.request("GET", "http://crm.example/healthz").text, "{\"status\":\"ok\"}")
        let keys = try client.request("GET", "HTTP://127.0.0.1:\(server.port)/v1/api-keys?limit=1", headers: auth)
        XCTAssertEqual(keys.status, 200)
        XCTAssertEqual(try client.request("GET", "http://crm.example/v1/api-keys").status, 401)
        let options = try client.request("OPTIONS", "*")
        XCTAssertEqual(options.status, 204)
        XCTAssertEqual(options.header("Allow"), "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
        XCTAssertEqual(try client.request("OPTIONS", "http://crm.example").status, 204)
        XCTAssertEqual(try client.request("GET", "http://a@crm.example/healthz").status, 400)
    }

    func testWrongMethodIs405WithAllow() throws {
        let client = try server.client()
        let reply = try client.request("DELETE", "/healthz")
        XCTAssertEqual(reply.status, 405)
        XCTAssertEqual(reply.header("Allow"), "GET, HEAD, OPTIONS")
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
    }

    /// The methods of HTTP no route implements (TRACE, CONNECT, QUERY) are a 405 with `Allow` on a known
    /// path and a 404 elsewhere, like any method a path does not take (under `/v1`, once the key
    /// is known: without one it is a 401 that shows nothing of the routes); a method the server
    /// does not recognise is a 501, and the connection closes.
    func testUnimplementedMethodsAre405OnKnownPathsAndUnknownOnes501() throws {
        for method in ["PROPFIND", "BREW", "get"] {
            let client = try server.client()
            let reply = try client.request(method, "/v1/customers")
            XCTAssertEqual(reply.status, 501, method)
            XCTAssertEqual(reply.header("Connection"), "close", method)
            XCTAssertTrue(client.isClosedByPeer(), method)
        }
        let client = try server.client()
        let auth = [("Authorization", "Bearer \(server.adminKey)")]
        for method in ["TRACE", "CONNECT", "QUERY"] {
            let reply = try client.request(method, "/v1/customers", headers: auth)
            XCTAssertEqual(reply.status, 405, method)
            XCTAssertEqual(reply.header("Allow"), "GET, HEAD, POST, OPTIONS", method)
            XCTAssertEqual(try client.request(method, "/v1/no-such-thing", headers: auth).status, 404, method)
            let anonymous = try client.request(method, "/v1/customers")
            XCTAssertEqual(anonymous.status, 401, method)
            XCTAssertNil(anonymous.header("Allow"), method)
        }
        XCTAssertEqual(try client.request("TRACE", "/healthz").status, 405, "outside /v1 nothing needs a key")
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
    }

    func testHeadAnswersGetHeadersWithoutBody() throws {
        let client = try server.client()
        let reply = try client.request("HEAD", "/healthz")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.header("Content-Length"), "15")
        XCTAssertTrue(reply.body.isEmpty)
        XCTAssertEqual(try client.request("GET", "/healthz").text, "{\"status\":\"ok\"}")
    }

    func testConnectionCloseIsHonoured() throws {
        let client = try server.client()
        let reply = try client.request("GET", "/healthz", headers: [("Connection", "close")])
        XCTAssertEqual(reply.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testHTTP10ClosesUnlessKeepAliveAsked() throws {
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let kept = try client.readResponse()
        XCTAssertEqual(kept.header("Connection"), "keep-alive")
        try client.send("GET /healthz HTTP/1.0\r\n\r\n")
        let closed = try client.readResponse()
        XCTAssertEqual(closed.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testOverlongRequestLineIs414AndCloses() throws {
        try assertRejected("GET /\(String(repeating: "a", count: 400)) HTTP/1.1\r\nHost: x\r\n\r\n", status: 414)
    }

    func testOversizedHeadersAre431AndClose() throws {
        try assertRejected("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n", status: 431)
    }

    func testOversizedBodyIs413BeforeTheBodyIsSent() throws {
        try assertRejected("POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n", status: 413)
    }

    /// Answers given before a handler runs still echo the client's `X-Request-Id`.
    func testEarlyRefusalsEchoTheClientsRequestID() throws {
        let cases = [
            (413, "big-1", "POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nX-Request-Id: big-1\r\nContent-Length: 4096\r\n\r\n"),
            (
                400, "chunk-2",
                "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.adminKey)\r\nX-Request-Id: chunk-2\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
            ),
            (400, "host-3", "GET /healthz HTTP/1.1\r\nX-Request-Id: host-3\r\n\r\n"),
        ]
        for (status, id, raw) in cases {
            let client = try server.client()
            try client.send(raw)
            let reply = try client.readResponse()
            XCTAssertEqual(reply.status, status, id)
            XCTAssertEqual(reply.header("X-Request-Id"), id)
        }
    }

    func testAmbiguousFramingIs400AndCloses() throws {
        try assertRejected(
            "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400)
    }

    func testMissingHostIs400() throws {
        try assertRejected("GET /healthz HTTP/1.1\r\n\r\n", status: 400)
    }

    func testUnsupportedVersionIs505AndAnUnknownTransferCoding501() throws {
        try assertRejected("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", status: 505)
        try assertRejected("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501)
    }

    func testHeaderTimeoutAnswers408AndCloses() throws {
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let reply = try client.readResponse()
        XCTAssertEqual(reply.status, 408)
        XCTAssertEqual(reply.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        let client = try server.client()
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
        let started = Date()
        XCTAssertTrue(client.isClosedByPeer())
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testExpectContinueGetsInterimResponseThenAnswer() throws {
        let client = try server.client()
        let body = "{\"name\":\"ci\",\"role\":\"viewer\"}"
        try client.send(
            "POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.adminKey)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        var interim = [UInt8](repeating: 0, count: 25)
        let count = interim.withUnsafeMutableBytes { recv(client.descriptor, $0.baseAddress, 25, 0) }
        XCTAssertEqual(String(decoding: interim[0..<max(0, count)], as: UTF8.self), "HTTP/1.1 100 Continue\r\n\r\n")
        try client.send(body)
        XCTAssertEqual(try client.readResponse().status, 201)
    }

    func testChunkedRequestBodyIsAccepted() throws {
        let client = try server.client()
        let body = "{\"name\":\"chunky\",\"role\":\"viewer\"}"
        let first = String(body.prefix(10))
        let rest = String(body.dropFirst(10))
        try client.send(
            "POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.adminKey)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "\(String(first.utf8.count, radix: 16));ext=1\r\n\(first)\r\n\(String(rest.utf8.count, radix: 16))\r\n\(rest)\r\n0\r\nX-Trailer: t\r\n\r\n"
        )
        let reply = try client.readResponse()
        XCTAssertEqual(reply.status, 201)
        XCTAssertEqual(try reply.json()["name"] as? String, "chunky")
    }

    private func assertRejected(_ raw: String, status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try server.client()
        try client.send(raw)
        let reply = try client.readResponse()
        XCTAssertEqual(reply.status, status, file: file, line: line)
        XCTAssertEqual(reply.header("Connection"), "close", file: file, line: line)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json", file: file, line: line)
        XCTAssertTrue(client.isClosedByPeer(), "connection should close", file: file, line: line)
    }
}
