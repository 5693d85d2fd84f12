import Foundation
import XCTest

/// An event loop gives a request's reads a few milliseconds of CPU (`EndpointBuilder`'s
/// inline budget); a request past it, a list whose filter or sort no index serves, starts again
/// on a worker and answers exactly what it would have answered on the loop.
final class InlineReadBudgetTests: XCTestCase {
    private var servers: [TestServer] = []

    override func tearDown() { servers.forEach { $0.stop() } }

    private func server(inlineReadBudget: Duration? = nil) throws -> (TestServer, APISession) {
        let server = try TestServer { configuration in
            if let inlineReadBudget { configuration.inlineReadBudget = inlineReadBudget }
        }
        servers.append(server)
        let api = try APISession(server)
        // Enough customers that a scan of them runs thousands of SQLite instructions (the budget
        // is looked at every thousand); the ten in Lyon come last by name, so a page of them by
        // name walks the others first (no index serves a city without its country).
        let records = (0..<300).map { index -> [String: Any] in
            [
                "external_id": "p-\(index)", "type": "person", "name": String(format: "Person %03d", 299 - index),
                "city": index < 10 ? "Lyon" : "Paris",
            ]
        }
        let reply = try api.send("POST", "/v1/customers/batch", json: ["upsert_by": "external_id", "records": records])
        XCTAssertEqual(reply.status, 200, reply.text)
        return (server, api)
    }

    private func moved(_ api: APISession) throws -> Int {
        let text = try api.send("GET", "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix("crm_inline_requests_moved_total ") }
        return try XCTUnwrap(line.flatMap { Double($0.split(separator: " ")[1]) }.map(Int.init), text)
    }

    func testAListPastTheLoopsBudgetMovesToAWorkerAndAnswersTheSame() throws {
        try TestDatabase.requireSQLite("on PostgreSQL no read runs on an event loop")
        // A budget of nothing: every inline request that reads a thousand instructions moves.
        let (_, api) = try server(inlineReadBudget: .zero)
        let (_, reference) = try server()
        let query = [("city", "Lyon"), ("sort", "name"), ("limit", "3")]
        let page = try api.list(query)
        XCTAssertEqual(page.data.compactMap { $0["name"] as? String }, try reference.list(query).data.compactMap { $0["name"] as? String })
        XCTAssertEqual(page.data.compactMap { $0["name"] as? String }.first, "Person 290")
        XCTAssertEqual(page.data.count, 3)
        XCTAssertTrue(page.hasMore)
        XCTAssertGreaterThanOrEqual(try moved(api), 1)
        // Its next page too, through the cursor.
        let next = try api.list(query + [("cursor", try XCTUnwrap(page.nextCursor))])
        XCTAssertEqual(next.data.compactMap { $0["name"] as? String }.first, "Person 293")

        // Readiness under a budget of nothing (Database.isMigrated throws a stopped read, so the
        // request runs again on a worker instead of answering 503).
        let ready = try api.send("GET", "/readyz", authorized: false)
        XCTAssertEqual(ready.status, 200, ready.text)

        // A failure found on the worker is answered as on the loop.
        let bad = try api.send("GET", "/v1/customers?sort=shoe_size")
        XCTAssertEqual(bad.status, 400, bad.text)
    }

    func testShortReadsStayOnTheLoop() throws {
        let (_, api) = try server()
        let id = try XCTUnwrap(api.list([("limit", "1")]).ids.first)
        for _ in 0..<20 { XCTAssertEqual(try api.get(id).status, 200) }
        XCTAssertEqual(try api.list([("city", "Paris"), ("limit", "5")]).data.count, 5)
        XCTAssertEqual(try moved(api), 0)
    }
}
