import CRM
import Foundation
import JSON
import XCTest

/// The fixed "now" of the support tests and times relative to it.
enum SupportTime {
    static let startText = "2026-06-01T00:00:00.000Z"
    static var start: Timestamp { Timestamp(rfc3339: startText)! }
    static let minute: Int64 = 60_000

    static func clock() -> CRMClock { CRMClock(fixedAt: start) }

    /// `time` plus `minutes` minutes and `milliseconds`, as the server prints it.
    static func text(_ time: Timestamp, minutes: Int64 = 0, milliseconds: Int64 = 0) -> String {
        time.adding(milliseconds: minutes * minute + milliseconds).rfc3339
    }
}

/// JSON requests for the support resources (tickets, comments, SLA policies, feedback) with one
/// API key over one keep-alive connection. Self-contained: only ``RawClient`` and ``TestServer``.
final class SupportSession {
    let server: TestServer
    let key: String
    private var client: RawClient

    init(_ server: TestServer, key: String? = nil) throws {
        self.server = server
        self.key = key ?? server.adminKey
        client = try server.client()
    }

    /// A session for a new key with `role`.
    static func role(_ server: TestServer, _ role: String) throws -> SupportSession {
        try SupportSession(server, key: try server.key(role: role))
    }

    /// Sends `json` (a dictionary/array, or a String sent verbatim) with this session's key.
    @discardableResult
    func send(_ method: String, _ target: String, json: Any? = nil, headers: [(String, String)] = []) throws -> RawClient.Reply {
        let body: String? =
            switch json {
            case nil: nil
            case let text as String: text
            case let value?: Self.text(value)
            }
        do {
            return try client.request(method, target, headers: [("Authorization", "Bearer \(key)")] + headers, body: body)
        } catch {
            // One retry on a fresh connection, in case the server closed the previous one.
            client = try server.client()
            return try client.request(method, target, headers: [("Authorization", "Bearer \(key)")] + headers, body: body)
        }
    }

    /// A request that must answer `status`: its JSON object (empty for a body-less answer).
    @discardableResult
    func expect(
        _ status: Int, _ method: String, _ target: String, json: Any? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        let reply = try send(method, target, json: json)
        XCTAssertEqual(
            reply.status, status, "\(method) \(target) \(json.map { Self.text($0) } ?? ""): \(reply.text)", file: file, line: line)
        guard reply.status == status else { throw RawClient.ClientError("\(method) \(target) answered \(reply.status): \(reply.text)") }
        return reply.body.isEmpty ? [:] : try reply.json()
    }

    /// A request that must fail with `status`; the problem's `errors[].field` values.
    @discardableResult
    func refuse(
        _ status: Int, _ method: String, _ target: String, json: Any? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String] {
        let reply = try send(method, target, json: json)
        XCTAssertEqual(
            reply.status, status, "\(method) \(target) \(json.map { Self.text($0) } ?? ""): \(reply.text)", file: file, line: line)
        if reply.status >= 400 {
            XCTAssertEqual(reply.header("Content-Type")?.hasPrefix("application/problem+json"), true, reply.text, file: file, line: line)
        }
        let object = (try? reply.json()) ?? [:]
        return (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }

    // MARK: - Records

    /// A new person; returns the id.
    func customer(_ name: String = "Customer", file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let body = try expect(201, "POST", "/v1/customers", json: ["type": "person", "name": name], file: file, line: line)
        return try XCTUnwrap(body["id"] as? Int, file: file, line: line)
    }

    func customerJSON(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try expect(200, "GET", "/v1/customers/\(id)", file: file, line: line)
    }

    func metrics(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(try customerJSON(id, file: file, line: line)["metrics"] as? [String: Any], file: file, line: line)
    }

    /// `POST /v1/tickets` that must answer 201: the ticket.
    @discardableResult
    func ticket(
        _ customer: Int, _ subject: String = "Printer on fire", _ extra: [String: Any] = [:], file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> [String: Any] {
        var fields: [String: Any] = ["customer_id": customer, "subject": subject]
        for (key, value) in extra { fields[key] = value }
        return try expect(201, "POST", "/v1/tickets", json: fields, file: file, line: line)
    }

    func getTicket(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try expect(200, "GET", "/v1/tickets/\(id)", file: file, line: line)
    }

    /// `PATCH /v1/tickets/{id}` that must answer 200: the ticket.
    @discardableResult
    func patchTicket(_ id: Int, _ fields: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try expect(200, "PATCH", "/v1/tickets/\(id)", json: fields, file: file, line: line)
    }

    /// `POST /v1/tickets/{id}/comments` that must answer 201: the comment.
    @discardableResult
    func comment(
        _ ticket: Int, author: String = "Agent Smith", _ extra: [String: Any] = [:], body: String = "We are on it.",
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> [String: Any] {
        var fields: [String: Any] = ["author": author, "body": body]
        for (key, value) in extra { fields[key] = value }
        return try expect(201, "POST", "/v1/tickets/\(ticket)/comments", json: fields, file: file, line: line)
    }

    /// `POST /v1/feedback` that must answer 201: the feedback.
    @discardableResult
    func feedback(
        _ customer: Int, kind: String, score: Int? = nil, _ extra: [String: Any] = [:], file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: Any] {
        var fields: [String: Any] = ["customer_id": customer, "kind": kind]
        if let score { fields["score"] = score }
        for (key, value) in extra { fields[key] = value }
        return try expect(201, "POST", "/v1/feedback", json: fields, file: file, line: line)
    }

    /// The `data` of one list request.
    func list(_ path: String, _ query: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [[String:
        Any]]
    {
        let body = try expect(200, "GET", path + Self.query(query), file: file, line: line)
        return body["data"] as? [[String: Any]] ?? []
    }

    /// The ids of one list request's `data`, in order.
    func listIDs(_ path: String, _ query: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [Int] {
        try list(path, query, file: file, line: line).compactMap { $0["id"] as? Int }
    }

    /// Every entry of a list endpoint, walking the pages with `limit`; also the page count.
    func walk(_ path: String, limit: Int, file: StaticString = #filePath, line: UInt = #line) throws -> (
        entries: [[String: Any]], pages: Int
    ) {
        var entries: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        repeat {
            let body = try expect(
                200, "GET", path + Self.query([("limit", String(limit))] + (cursor.map { [("cursor", $0)] } ?? [])), file: file, line: line)
            let data = body["data"] as? [[String: Any]] ?? []
            XCTAssertLessThanOrEqual(data.count, limit, file: file, line: line)
            entries += data
            pages += 1
            cursor = body["next_cursor"] as? String
            XCTAssertEqual(body["has_more"] as? Bool, cursor != nil, file: file, line: line)
            if pages > 100 { throw RawClient.ClientError("pagination does not end") }
        } while cursor != nil
        return (entries, pages)
    }

    // MARK: - Text

    static func text(_ value: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// `?a=b&c=d`, names and values percent-encoded; "" when empty.
    static func query(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~[],")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return "?" + pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The ticket's `sla` object.
    var supportSLA: [String: Any] { self["sla"] as? [String: Any] ?? [:] }

    var supportID: Int { self["id"] as? Int ?? -1 }

    /// True when the key is present with JSON null.
    func supportIsNull(_ key: String) -> Bool { self[key] is NSNull }
}
