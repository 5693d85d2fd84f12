import XCTest

@testable import HTTP

/// Throughput check, skipped unless `HTTP_PARSER_BENCH=1` (run it with `-c release`).
final class RequestParserBenchmarkTests: XCTestCase {
    func testParseThroughput() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["HTTP_PARSER_BENCH"] == "1", "benchmark only on demand")
        let one = Array(
            ("GET /v1/customers?q=%E5%BC%A0&limit=20 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: bench/1.0\r\n"
                + "Accept: application/json\r\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789\r\n"
                + "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n").utf8)
        let post = Array(
            ("POST /v1/customers HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/json\r\n"
                + "Content-Length: 26\r\n\r\n{\"name\":\"Acme\",\"tier\":\"A\"}").utf8)
        let batch = Array(repeating: one + post, count: 8).flatMap { $0 }
        var parser = RequestParser()
        let rounds = 50_000
        let start = DispatchTime.now()
        var count = 0
        for _ in 0..<rounds {
            parser.feed(batch)
            while case .request = parser.next() { count += 1 }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        print("parsed \(count) requests in \(seconds) s: \(Int(Double(count) / seconds)) requests/s")
        XCTAssertEqual(count, rounds * 16)
    }
}
