import Synchronization

/// Request counters, a latency histogram and connection gauges, rendered in the Prometheus text
/// exposition format (version 0.0.4). Other modules add gauges with ``addGauge(_:help:read:)``.
public final class ServerMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Histogram {
        var buckets = [UInt64](repeating: 0, count: ServerMetrics.bucketBounds.count)
        var count: UInt64 = 0
        var sum: Double = 0

        mutating func record(_ seconds: Double) {
            if let bucket = ServerMetrics.bucketBounds.firstIndex(where: { seconds <= $0 }) {
                buckets[bucket] += 1
            }
            count += 1
            sum += seconds
        }
    }

    /// One route's counters: requests by status and the latency histogram, kept together so
    /// that recording a request hashes the route once.
    private struct RouteStats {
        /// A route answers with a handful of statuses: a list beats a dictionary.
        var statuses: [(status: Int, count: UInt64)] = []
        var latency = Histogram()

        mutating func record(status: Int, seconds: Double) {
            if let index = statuses.firstIndex(where: { $0.status == status }) {
                statuses[index].count += 1
            } else {
                statuses.append((status, 1))
            }
            latency.record(seconds)
        }
    }

    private struct State {
        var routes: [String: RouteStats] = [:]
        var openConnections = 0
        var acceptedConnections: UInt64 = 0
    }

    private struct Gauge: Sendable {
        let name: String
        let help: String
        let read: @Sendable () -> Double
    }

    private let state = Mutex(State())
    private let gauges = Mutex<[Gauge]>([])

    public init() {}

    func recordRequest(route: String, status: Int, seconds: Double) {
        state.withLock { state in
            // Mutated in place: copying the stats out and back would allocate per request.
            state.routes[route, default: RouteStats()].record(status: status, seconds: seconds)
        }
    }

    func connectionOpened() {
        state.withLock {
            $0.openConnections += 1
            $0.acceptedConnections += 1
        }
    }

    func connectionClosed() {
        state.withLock { $0.openConnections -= 1 }
    }

    public var openConnections: Int { state.withLock { $0.openConnections } }

    /// Adds a gauge read at every scrape, e.g. the database writer's queue depth.
    public func addGauge(_ name: String, help: String, read: @escaping @Sendable () -> Double) {
        gauges.withLock { $0.append(Gauge(name: name, help: help, read: read)) }
    }

    /// The exposition text for `GET /metrics`.
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var out = "# HELP http_requests_total Requests answered, by route template and status.\n"
        out += "# TYPE http_requests_total counter\n"
        let routes = snapshot.routes.sorted { $0.key < $1.key }
        for (route, stats) in routes {
            for (status, count) in stats.statuses.sorted(by: { $0.status < $1.status }) {
                out += "http_requests_total{route=\"\(Self.escape(route))\",status=\"\(status)\"} \(count)\n"
            }
        }
        out += "# HELP http_request_duration_seconds Time from a request's dispatch to its response, by route template.\n"
        out += "# TYPE http_request_duration_seconds histogram\n"
        for (route, stats) in routes {
            let histogram = stats.latency
            let label = "route=\"\(Self.escape(route))\""
            var cumulative: UInt64 = 0
            for (index, bound) in Self.bucketBounds.enumerated() {
                cumulative += histogram.buckets[index]
                out += "http_request_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(histogram.count)\n"
            out += "http_request_duration_seconds_sum{\(label)} \(histogram.sum)\n"
            out += "http_request_duration_seconds_count{\(label)} \(histogram.count)\n"
        }
        out += "# HELP http_open_connections Client connections currently open.\n"
        out += "# TYPE http_open_connections gauge\n"
        out += "http_open_connections \(snapshot.openConnections)\n"
        out += "# HELP http_connections_accepted_total Client connections accepted since start.\n"
        out += "# TYPE http_connections_accepted_total counter\n"
        out += "http_connections_accepted_total \(snapshot.acceptedConnections)\n"
        for gauge in gauges.withLock({ $0 }) {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(Self.number(gauge.read()))\n"
        }
        return out
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
