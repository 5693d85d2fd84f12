import XCTest

@testable import HTTPClient

final class OutboundRequestTests: XCTestCase {
    func testExactBytes() throws {
        let url = try OutboundURL(parsing: "https://hooks.example.com/crm?team=7")
        let bytes = try OutboundRequest.encode(url: url, headers: [("X-CRM-Event", "customer.created")], body: Array("{}".utf8))
        XCTAssertEqual(
            String(decoding: bytes, as: UTF8.self),
            "POST /crm?team=7 HTTP/1.1\r\nHost: hooks.example.com\r\nUser-Agent: crm-server\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\nConnection: close\r\nX-CRM-Event: customer.created\r\n\r\n{}")
    }

    func testHostCarriesANonDefaultPortAndIPv6Brackets() throws {
        let url = try OutboundURL(parsing: "http://[2001:db8::1]:8080/")
        let text = String(decoding: try OutboundRequest.encode(url: url, headers: [], body: []), as: UTF8.self)
        XCTAssertTrue(text.contains("\r\nHost: [2001:db8::1]:8080\r\n"), text)
        XCTAssertTrue(text.contains("\r\nContent-Length: 0\r\n"), text)
    }

    func testHeaderInjectionAndOwnHeadersAreRefused() throws {
        let url = try OutboundURL(parsing: "https://hooks.example.com/")
        for header in [
            ("X-A", "b\r\nX-Injected: 1"), ("X-A", "b\nc"), ("X-A", "b\0"), ("X A", "b"), ("", "b"), ("X-A:", "b"),
            ("Host", "evil.example"),
            ("content-length", "0"), ("Transfer-Encoding", "chunked"), ("Connection", "keep-alive"), ("Content-Type", "text/plain"),
            ("User-Agent", "x"),
        ] {
            XCTAssertThrowsError(try OutboundRequest.encode(url: url, headers: [header], body: []), "\(header)") { error in
                XCTAssertEqual((error as? OutboundFailure)?.kind, .invalidRequest)
            }
        }
        XCTAssertNoThrow(try OutboundRequest.encode(url: url, headers: [("X-Sig", "t=1,\tv1=ab")], body: []))
    }
}
