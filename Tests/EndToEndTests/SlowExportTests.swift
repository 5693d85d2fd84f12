import API
import CRM
import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Event loops never wait (house rules): slow export clients hold no database connection an
/// event loop needs, so `/healthz` and a customer by id stay fast while 32 of them crawl.
final class SlowExportTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws {
        server = try TestServer()
    }

    /// `count` more customers: the bulk seeder on SQLite; on PostgreSQL, which it does not write,
    /// batches of the API.
    private func addCustomers(_ count: Int, key: String) throws {
        guard TestDatabase.engine == "postgres" else {
            try CustomerSeeder().seed(server.application.database.writer!, count: count)
            return
        }
        for batch in stride(from: 0, to: count, by: 1000) {
            let records = (batch..<min(batch + 1000, count)).map {
                #"{"type":"person","name":"客户 \#($0)","city":"杭州","external_id":"slow-\#($0)"}"#
            }
            let reply = try server.client(timeout: 30).request(
                "POST", "/v1/customers/batch", headers: [("Authorization", "Bearer \(key)")],
                body: #"{"upsert_by":"external_id","records":[\#(records.joined(separator: ","))]}"#)
            XCTAssertEqual(reply.status, 200, reply.text)
        }
    }
    override func tearDown() { server?.stop() }

    private func worstLatency(_ client: RawClient, key: String, rounds: Int) throws -> TimeInterval {
        var worst = 0.0
        for _ in 0..<rounds {
            var started = Date()
            XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
            worst = max(worst, Date().timeIntervalSince(started))
            started = Date()
            XCTAssertEqual(try client.request("GET", "/v1/customers/1", headers: [("Authorization", "Bearer \(key)")]).status, 200)
            worst = max(worst, Date().timeIntervalSince(started))
            Thread.sleep(forTimeInterval: 0.005)
        }
        return worst
    }

    /// An export whose client reads with a small receive buffer (it stalls the producer early).
    private func slowExport(key: String) throws -> RawClient {
        let client = try server.client()
        var small: Int32 = 4096
        setsockopt(client.descriptor, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        try client.send("GET /v1/customers/export?format=ndjson HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n\r\n")
        // Its answer has begun, so it holds its slot.
        XCTAssertTrue(try client.line().hasPrefix("HTTP/1.1 200"), "an export streams")
        return client
    }

    func testThirtyTwoExportsReadAByteAMillisecondDoNotSlowOtherRequests() throws {
        let key = server.adminKey
        let first = try server.client().request(
            "POST", "/v1/customers", headers: [("Authorization", "Bearer \(key)")], body: #"{"type":"person","name":"First"}"#)
        XCTAssertEqual(first.status, 201)
        // Enough customers that an export far outgrows the socket buffers of a slow reader.
        try addCustomers(3000, key: key)

        let probe = try server.client()
        let baseline = try worstLatency(probe, key: key, rounds: 10)

        // Four keys, eight exports each: as many as one key may run at once.
        let exportKeys = try (0..<4).map { _ in try server.key(role: "viewer") }
        var exporters: [RawClient] = []
        for index in 0..<32 {
            exporters.append(try slowExport(key: exportKeys[index % 4]))
        }
        // A ninth from one of them is refused before anything streams; another key still exports
        // (slowExport checks that it streams).
        let ninth = try server.client().request(
            "GET", "/v1/customers/export?format=ndjson", headers: [("Authorization", "Bearer \(exportKeys[0])")])
        XCTAssertEqual(ninth.status, 503, ninth.text)
        XCTAssertEqual(ninth.header("Retry-After"), "1")
        XCTAssertTrue(ninth.text.contains("as many as one key may"), ninth.text)
        try slowExport(key: key).closeNow()
        // One byte from each exporter per millisecond, while the probe measures.
        let reading = ReadFlag()
        let descriptors = exporters.map(\.descriptor)
        let reader = Thread {
            var byte: UInt8 = 0
            var received = 0
            while reading.isOn {
                for descriptor in descriptors where recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT)) == 1 { received += 1 }
                usleep(1000)
            }
            reading.received = received
        }
        reader.start()
        Thread.sleep(forTimeInterval: 0.3)
        let during = try worstLatency(probe, key: key, rounds: 40)
        reading.isOn = false
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertGreaterThan(reading.received, 1000, "the exports were being read")
        // A loop held by an export would hold the probe for as long as the crawl lasts (seconds:
        // none of these exports can finish during the test); a second tells that apart from
        // scheduling noise on a busy 2-core CI machine, where 100 ms did not (this is not a speed
        // measurement: bench/ measures speed).
        XCTAssertLessThan(
            during, max(1.0, baseline * 4), "worst /healthz or GET by id took \(during * 1000) ms (baseline \(baseline * 1000) ms)")
        for client in exporters { client.closeNow() }

    }
}

/// A flag and a count shared with the reading thread.
final class ReadFlag: @unchecked Sendable {
    // @unchecked Sendable: a test helper; `isOn` is a plain flag polled by one reader thread and
    // `received` is read only after that thread has been told to stop and had time to.
    var isOn = true
    var received = 0
}
