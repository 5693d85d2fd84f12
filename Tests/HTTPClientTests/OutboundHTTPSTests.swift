import Foundation
import XCTest

@testable import HTTPClient

/// HTTPS against a TLS ``TestServer`` with a certificate made for this run: trusted only
/// through `trustedCAFile`, valid only for `localhost` and `127.0.0.1`.
final class OutboundHTTPSTests: XCTestCase {
    private var certificate: TestCertificate!
    private var server: TestServer!

    override func setUpWithError() throws {
        certificate = try TestCertificate.make(commonName: "localhost", subjectAltName: "DNS:localhost,IP:127.0.0.1")
        server = try TestServer(
            .respond("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"), certificate: certificate.certificate, key: certificate.key)
    }

    override func tearDown() {
        server?.stop()
        certificate?.remove()
    }

    private func post(_ url: String, trustedCAFile: String?) throws -> OutboundResult {
        OutboundHTTP.post(
            url: try OutboundURL(parsing: url), headers: [("X-Test", "1")], body: Array("{}".utf8), deadline: 5, allowPrivate: true,
            trustedCAFile: trustedCAFile)
    }

    func testTrustedCertificateForTheHostName() throws {
        let result = try post("https://localhost:\(server.port)/hook", trustedCAFile: certificate.certificate)
        XCTAssertEqual(result, .response(statusCode: 201))
        let request = server.requests.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        XCTAssertTrue(request.hasPrefix("POST /hook HTTP/1.1\r\nHost: localhost:\(server.port)\r\n"), request)
        XCTAssertTrue(request.hasSuffix("\r\nX-Test: 1\r\n\r\n{}"), request)
    }

    func testTrustedCertificateForTheIPAddress() throws {
        XCTAssertEqual(try post("https://127.0.0.1:\(server.port)/", trustedCAFile: certificate.certificate), .response(statusCode: 201))
    }

    func testUntrustedCertificateIsTLSFailure() throws {
        let result = try post("https://localhost:\(server.port)/", trustedCAFile: nil)
        XCTAssertEqual(result.failure?.kind, .tlsFailure, "\(result)")
        XCTAssertTrue(result.failure?.detail.contains("certificate verification failed") == true, "\(result)")
        XCTAssertEqual(server.requests.count, 0)
    }

    func testCertificateForAnotherHostIsTLSFailure() throws {
        let other = try TestCertificate.make(commonName: "other.example", subjectAltName: "DNS:other.example")
        defer { other.remove() }
        let otherServer = try TestServer(
            .respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), certificate: other.certificate, key: other.key)
        defer { otherServer.stop() }
        for host in ["localhost", "127.0.0.1"] {
            let result = try post("https://\(host):\(otherServer.port)/", trustedCAFile: other.certificate)
            XCTAssertEqual(result.failure?.kind, .tlsFailure, "\(host): \(result)")
            XCTAssertTrue(result.failure?.detail.contains("certificate verification failed") == true, "\(result)")
        }
        XCTAssertEqual(otherServer.requests.count, 0)
    }

    func testMissingCAFileIsTLSFailureBeforeConnecting() throws {
        let result = try post(
            "https://localhost:\(server.port)/", trustedCAFile: certificate.folder.appendingPathComponent("none.pem").path)
        XCTAssertEqual(result.failure?.kind, .tlsFailure, "\(result)")
        XCTAssertEqual(server.connections, 0)
    }
}
