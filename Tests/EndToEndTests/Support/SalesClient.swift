import CRM
import Foundation
import XCTest

/// JSON requests for the sales resources (orders, interactions, pipelines, opportunities,
/// timeline) with one API key, over one keep-alive connection of an ``APISession``.
final class SalesClient {
    let api: APISession
    var server: TestServer { api.server }

    init(_ server: TestServer, key: String? = nil) throws {
        api = try APISession(server, key: key)
    }

    /// A client for a new key with `role`; `id` is the key's id (as `key_id` shows it).
    static func withNewKey(_ server: TestServer, role: String) throws -> (client: SalesClient, id: Int) {
        let reply = try server.client().request(
            "POST", "/v1/api-keys", headers: [("Authorization", "Bearer \(server.adminKey)")],
            body: "{\"name\":\"\(role) sales key\",\"role\":\"\(role)\"}")
        guard reply.status == 201, let body = try? reply.json(), let secret = body["secret"] as? String, let id = body["id"] as? Int else {
            throw RawClient.ClientError("could not create a \(role) key: \(reply.status) \(reply.text)")
        }
        return (try SalesClient(server, key: secret), id)
    }

    @discardableResult
    func send(_ method: String, _ target: String, json: Any? = nil, headers: [(String, String)] = []) throws -> RawClient.Reply {
        try api.send(method, target, json: json, headers: headers)
    }

    /// A request that must answer `status`; its JSON object (empty for a body-less answer).
    @discardableResult
    func expect(
        _ status: Int, _ method: String, _ target: String, json: Any? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        let reply = try send(method, target, json: json)
        XCTAssertEqual(
            reply.status, status, "\(method) \(target) \(json.map { jsonText($0) } ?? ""): \(reply.text)", file: file, line: line)
        guard reply.status == status else { throw RawClient.ClientError("\(method) \(target) answered \(reply.status): \(reply.text)") }
        return reply.body.isEmpty ? [:] : try reply.json()
    }

    // MARK: - Customers

    /// A new person; returns the id.
    func customer(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let body = try expect(201, "POST", "/v1/customers", json: ["type": "person", "name": name], file: file, line: line)
        return try XCTUnwrap(body["id"] as? Int, file: file, line: line)
    }

    func customerJSON(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try expect(200, "GET", "/v1/customers/\(id)", file: file, line: line)
    }

    func metrics(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(try customerJSON(id, file: file, line: line)["metrics"] as? [String: Any], file: file, line: line)
    }

    func lifecycle(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> String? {
        try customerJSON(id, file: file, line: line)["lifecycle_stage"] as? String
    }

    // MARK: - Orders, interactions, opportunities

    /// `POST /v1/orders` that must answer 201: the order.
    @discardableResult
    func order(
        _ customer: Int, amount: Int, at orderedAt: String, _ extra: [String: Any] = [:], file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        var fields: [String: Any] = ["customer_id": customer, "amount": amount, "currency": "CNY", "ordered_at": orderedAt]
        for (key, value) in extra { fields[key] = value }
        return try expect(201, "POST", "/v1/orders", json: fields, file: file, line: line)
    }

    /// `POST /v1/interactions` that must answer 201: the interaction.
    @discardableResult
    func interaction(
        _ customer: Int, channel: String = "call", at occurredAt: String, _ extra: [String: Any] = [:], file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> [String: Any] {
        var fields: [String: Any] = ["customer_id": customer, "channel": channel, "occurred_at": occurredAt]
        for (key, value) in extra { fields[key] = value }
        return try expect(201, "POST", "/v1/interactions", json: fields, file: file, line: line)
    }

    /// `POST /v1/opportunities` that must answer 201: the opportunity.
    @discardableResult
    func opportunity(
        _ customer: Int, name: String, _ extra: [String: Any] = [:], file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        var fields: [String: Any] = ["customer_id": customer, "name": name]
        for (key, value) in extra { fields[key] = value }
        return try expect(201, "POST", "/v1/opportunities", json: fields, file: file, line: line)
    }

    /// The change feed after `after`, every page: its entries and where it ends.
    func changes(after: Int) throws -> (entries: [[String: Any]], next: Int) {
        var entries: [[String: Any]] = []
        var position = after
        while true {
            let body = try expect(200, "GET", "/v1/changes?after=\(position)&limit=200")
            entries += body["data"] as? [[String: Any]] ?? []
            position = body["next_after"] as? Int ?? position
            if body["has_more"] as? Bool != true { return (entries, position) }
        }
    }

    /// Every entry of a list endpoint, walking the pages with `limit`.
    func walk(_ path: String, _ query: [(String, String)] = [], limit: Int, file: StaticString = #filePath, line: UInt = #line) throws
        -> (entries: [[String: Any]], pages: Int)
    {
        var entries: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        repeat {
            let body = try expect(
                200, "GET", path + queryString(query + [("limit", String(limit))] + (cursor.map { [("cursor", $0)] } ?? [])), file: file,
                line: line)
            let data = body["data"] as? [[String: Any]] ?? []
            XCTAssertLessThanOrEqual(data.count, limit, file: file, line: line)
            entries += data
            pages += 1
            cursor = body["next_cursor"] as? String
            XCTAssertEqual(body["has_more"] as? Bool, cursor != nil, file: file, line: line)
            if pages > 1000 { throw RawClient.ClientError("pagination does not end") }
        } while cursor != nil
        return (entries, pages)
    }

    /// The `data` of one list request.
    func list(_ path: String, _ query: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [[String:
        Any]]
    {
        let body = try expect(200, "GET", path + queryString(query), file: file, line: line)
        return body["data"] as? [[String: Any]] ?? []
    }
}

/// Times relative to the tests' fixed "now".
enum SalesTime {
    static let nowText = "2026-06-01T00:00:00.000Z"
    static var now: Timestamp { Timestamp(rfc3339: nowText)! }
    static let day: Int64 = 86_400_000

    static func clock() -> CRMClock { CRMClock(fixedAt: now) }

    /// `now` minus `days` days (fractions allowed) minus `milliseconds`, as the server prints it.
    static func ago(days: Double, milliseconds: Int64 = 0) -> String {
        now.adding(milliseconds: -Int64((days * Double(day)).rounded()) - milliseconds).rfc3339
    }
}

extension Array where Element == [String: Any] {
    var salesIDs: [Int] { compactMap { $0["id"] as? Int } }
}
