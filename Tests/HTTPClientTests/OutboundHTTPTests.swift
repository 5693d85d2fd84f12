import Foundation
import XCTest

@testable import HTTPClient

/// The client against a real receiver on 127.0.0.1 (``TestServer``): exact request bytes,
/// statuses, timeouts, resets, and the address check at delivery.
final class OutboundHTTPTests: XCTestCase {
    private let body = Array("{\"event\":\"customer.created\",\"id\":7}".utf8)

    private func post(
        _ url: String, headers: [(String, String)] = [], deadline: Double = 5, allowPrivate: Bool = true
    ) throws -> OutboundResult {
        OutboundHTTP.post(
            url: try OutboundURL(parsing: url), headers: headers, body: body, deadline: deadline, allowPrivate: allowPrivate)
    }

    func testPostSendsTheExactRequestAndReturnsTheStatus() throws {
        let server = try TestServer(
            .respond("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"))
        defer { server.stop() }
        let result = try post("http://127.0.0.1:\(server.port)/hooks/crm?team=7", headers: [("X-CRM-Signature", "t=1,v1=ab")])
        XCTAssertEqual(result, .response(statusCode: 200))
        let expected =
            "POST /hooks/crm?team=7 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nUser-Agent: crm-server\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\nX-CRM-Signature: t=1,v1=ab\r\n\r\n"
        XCTAssertEqual(server.requests.map { String(decoding: $0, as: UTF8.self) }, [expected + String(decoding: body, as: UTF8.self)])
    }

    func testServerErrorIsAResponse() throws {
        let server = try TestServer(.respond("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!"))
        defer { server.stop() }
        XCTAssertEqual(try post("http://127.0.0.1:\(server.port)/"), .response(statusCode: 500))
    }

    func testRedirectIsReturnedNotFollowed() throws {
        let server = try TestServer(.respond("HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"))
        defer { server.stop() }
        XCTAssertEqual(try post("http://127.0.0.1:\(server.port)/"), .response(statusCode: 307))
        XCTAssertEqual(server.connections, 1)
    }

    func testBodyWithoutLengthIsReadUntilClose() throws {
        let server = try TestServer(.respond("HTTP/1.0 202 Accepted\r\n\r\nqueued"))
        defer { server.stop() }
        XCTAssertEqual(try post("http://127.0.0.1:\(server.port)/"), .response(statusCode: 202))
    }

    func testLargeBodyIsDrainedOnlyUpToTheCap() throws {
        let server = try TestServer(.respondWithBody(status: 200, bodyBytes: 4 << 20))
        defer { server.stop() }
        let started = Date()
        XCTAssertEqual(try post("http://127.0.0.1:\(server.port)/"), .response(statusCode: 200))
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }

    func testHangingServerTimesOutAtTheDeadline() throws {
        let server = try TestServer(.hang)
        defer { server.stop() }
        let started = Date()
        let result = try post("http://127.0.0.1:\(server.port)/", deadline: 0.5)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.failure?.kind, .timeout, "\(result)")
        XCTAssertGreaterThanOrEqual(elapsed, 0.5)
        XCTAssertLessThan(elapsed, 2)
    }

    func testResetIsConnectionLost() throws {
        let server = try TestServer(.reset)
        defer { server.stop() }
        let result = try post("http://127.0.0.1:\(server.port)/")
        XCTAssertEqual(result.failure?.kind, .connectionLost, "\(result)")
        XCTAssertEqual(server.requests.count, 1)
    }

    func testCloseWithoutAnswerIsConnectionLost() throws {
        let server = try TestServer(.close)
        defer { server.stop() }
        let result = try post("http://127.0.0.1:\(server.port)/")
        XCTAssertEqual(result, .failure(OutboundFailure(.connectionLost, "the server closed the connection without responding")))
    }

    func testMalformedStatusLineIsProtocolError() throws {
        let server = try TestServer(.respond("HTTP/1.1 OK\r\n\r\n"))
        defer { server.stop() }
        let result = try post("http://127.0.0.1:\(server.port)/")
        XCTAssertEqual(result.failure?.kind, .protocolError, "\(result)")
    }

    func testInterimContinueIsSkipped() throws {
        let server = try TestServer(.respond("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))
        defer { server.stop() }
        XCTAssertEqual(try post("http://127.0.0.1:\(server.port)/"), .response(statusCode: 204))
    }

    func testLoopbackLiteralIsRefusedWithoutConnecting() throws {
        let server = try TestServer(.respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        defer { server.stop() }
        let refused = try post("http://127.0.0.1:\(server.port)/", allowPrivate: false)
        XCTAssertEqual(refused, .failure(OutboundFailure(.forbiddenAddress, "127.0.0.1 is a loopback address")))
        // The server handles connections one by one and counts each as it accepts it: after
        // an answered request the count is final, and only that request was ever connected.
        XCTAssertEqual(try post("http://127.0.0.1:\(server.port)/"), .response(statusCode: 200))
        XCTAssertEqual(server.connections, 1)
    }

    func testLocalhostIsRefusedAfterResolvingWithoutConnecting() throws {
        let server = try TestServer(.respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        defer { server.stop() }
        let refused = try post("http://localhost:\(server.port)/", allowPrivate: false)
        XCTAssertEqual(refused.failure?.kind, .forbiddenAddress, "\(refused)")
        XCTAssertTrue(refused.failure?.detail.hasPrefix("localhost resolves to ") == true, "\(refused)")
        XCTAssertEqual(try post("http://localhost:\(server.port)/"), .response(statusCode: 200))
        XCTAssertEqual(server.connections, 1)
        XCTAssertTrue(
            server.requests.first.map { String(decoding: $0, as: UTF8.self) }?.contains("\r\nHost: localhost:\(server.port)\r\n") == true)
    }

    func testRefusedPortIsConnectFailed() throws {
        let server = try TestServer(.close)
        let port = server.port
        server.stop()
        let result = try post("http://127.0.0.1:\(port)/")
        XCTAssertEqual(result, .failure(OutboundFailure(.connectFailed, "connecting to 127.0.0.1:\(port): Connection refused")))
    }

    func testInvalidHeaderIsRefusedBeforeConnecting() throws {
        let server = try TestServer(.close)
        defer { server.stop() }
        let result = try post("http://127.0.0.1:\(server.port)/", headers: [("X-Evil", "a\r\nHost: b")])
        XCTAssertEqual(result.failure?.kind, .invalidRequest)
        XCTAssertEqual(try post("http://127.0.0.1:\(server.port)/").failure?.kind, .connectionLost)
        XCTAssertEqual(server.connections, 1)
    }

    /// `.invalid` never resolves (RFC 6761 §6.4): the resolver answers at once, or, with no
    /// name server reachable, the deadline ends the wait.
    func testUnresolvableNameFailsWithinTheDeadline() throws {
        let started = Date()
        let result = try post("https://no-such-host.invalid/", deadline: 1)
        XCTAssertTrue([.dnsFailure, .timeout].contains(result.failure?.kind), "\(result)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }

    func testExpiredDeadlineIsATimeout() throws {
        let result = try post("http://127.0.0.1:9/", deadline: 0)
        XCTAssertEqual(result.failure?.kind, .timeout, "\(result)")
    }
}
