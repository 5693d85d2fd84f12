import XCTest

@testable import HTTP

/// The Prometheus text `/metrics` serves: counters by route and status, sorted, and one
/// latency histogram per route.
final class ServerMetricsTests: XCTestCase {
    func testRequestsAreCountedByRouteAndStatusInOrder() {
        let metrics = ServerMetrics()
        metrics.recordRequest(route: "/v1/customers/{id}", status: 404, seconds: 0.002)
        metrics.recordRequest(route: "/healthz", status: 200, seconds: 0.0001)
        metrics.recordRequest(route: "/v1/customers/{id}", status: 200, seconds: 0.0004)
        metrics.recordRequest(route: "/v1/customers/{id}", status: 200, seconds: 0.03)
        metrics.recordRequest(route: "unmatched", status: 400, seconds: 0)
        let lines = metrics.render().split(separator: "\n").map(String.init)

        XCTAssertEqual(
            lines.filter { $0.hasPrefix("http_requests_total{") },
            [
                "http_requests_total{route=\"/healthz\",status=\"200\"} 1",
                "http_requests_total{route=\"/v1/customers/{id}\",status=\"200\"} 2",
                "http_requests_total{route=\"/v1/customers/{id}\",status=\"404\"} 1",
                "http_requests_total{route=\"unmatched\",status=\"400\"} 1",
            ])
        let customer = lines.filter { $0.hasPrefix("http_request_duration_seconds") && $0.contains("/v1/customers/{id}") }
        XCTAssertTrue(customer.contains("http_request_duration_seconds_bucket{route=\"/v1/customers/{id}\",le=\"0.0005\"} 1"))
        XCTAssertTrue(customer.contains("http_request_duration_seconds_bucket{route=\"/v1/customers/{id}\",le=\"0.0025\"} 2"))
        XCTAssertTrue(customer.contains("http_request_duration_seconds_bucket{route=\"/v1/customers/{id}\",le=\"0.05\"} 3"))
        XCTAssertTrue(customer.contains("http_request_duration_seconds_bucket{route=\"/v1/customers/{id}\",le=\"+Inf\"} 3"))
        XCTAssertTrue(customer.contains("http_request_duration_seconds_count{route=\"/v1/customers/{id}\"} 3"))
        let routesInHistogramOrder = lines.filter { $0.hasPrefix("http_request_duration_seconds_count") }
        XCTAssertEqual(
            routesInHistogramOrder,
            [
                "http_request_duration_seconds_count{route=\"/healthz\"} 1",
                "http_request_duration_seconds_count{route=\"/v1/customers/{id}\"} 3",
                "http_request_duration_seconds_count{route=\"unmatched\"} 1",
            ])
    }
}
