import XCTest

@testable import HTTP

/// The access log's line format (docs/operations.md): one JSON object per request, fields in a
/// fixed order, the duration in milliseconds with three decimals.
final class AccessLogTests: XCTestCase {
    private func line(method: HTTPMethod?, route: String?, status: Int, seconds: Double) -> String {
        var buffer: [UInt8] = []
        var clock = TimestampCache()
        AccessLog.append(
            requestID: "abc-0-1f", method: method, route: route, status: status, seconds: seconds, into: &buffer, clock: &clock)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// The line without its timestamp, which the clock decides, and the timestamp checked apart.
    private func withoutTimestamp(_ line: String) -> String {
        let prefix = "{\"ts\":\""
        XCTAssertTrue(line.hasPrefix(prefix), line)
        let rest = line.dropFirst(prefix.count)
        let timestamp = rest.prefix(24)
        XCTAssertNotNil(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/), String(timestamp))
        return String(rest.dropFirst(24))
    }

    func testRoutedRequest() {
        XCTAssertEqual(
            withoutTimestamp(line(method: .get, route: "/v1/customers/{id}", status: 200, seconds: 0.000041)),
            "\",\"level\":\"info\",\"request_id\":\"abc-0-1f\",\"method\":\"GET\",\"route\":\"/v1/customers/{id}\","
                + "\"status\":200,\"duration_ms\":0.041}\n")
    }

    func testUnmatchedRequestHasANullRoute() {
        XCTAssertEqual(
            withoutTimestamp(line(method: .other("TRACE"), route: nil, status: 404, seconds: 0.0123456)),
            "\",\"level\":\"info\",\"request_id\":\"abc-0-1f\",\"method\":\"TRACE\",\"route\":null,\"status\":404,\"duration_ms\":12.346}\n"
        )
    }

    func testRefusedBeforeAMethodWasReadHasNoMethod() {
        XCTAssertEqual(
            withoutTimestamp(line(method: nil, route: nil, status: 400, seconds: 0)),
            "\",\"level\":\"info\",\"request_id\":\"abc-0-1f\",\"route\":null,\"status\":400,\"duration_ms\":0.000}\n")
    }

    func testDurationsPadTheFractionAndKeepWholeMilliseconds() {
        XCTAssertTrue(line(method: .get, route: "/healthz", status: 200, seconds: 1.005).hasSuffix("\"duration_ms\":1005.000}\n"))
        XCTAssertTrue(line(method: .get, route: "/healthz", status: 200, seconds: 0.01001).hasSuffix("\"duration_ms\":10.010}\n"))
        XCTAssertTrue(line(method: .get, route: "/healthz", status: 503, seconds: -1).hasSuffix("\"status\":503,\"duration_ms\":0.000}\n"))
    }

    func testEachLineIsOneJSONObject() throws {
        let text = line(method: .post, route: "/v1/customers", status: 201, seconds: 0.5)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        XCTAssertEqual(object?["status"] as? Int, 201)
        XCTAssertEqual(object?["route"] as? String, "/v1/customers")
        XCTAssertEqual(object?["duration_ms"] as? Double, 500)
    }
}
