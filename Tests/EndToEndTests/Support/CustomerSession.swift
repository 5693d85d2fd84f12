import Foundation
import JSON
import XCTest

@testable import CRM

/// JSON requests with one API key over one keep-alive connection, for the customers tests.
final class APISession {
    let server: TestServer
    let key: String
    private(set) var client: RawClient

    init(_ server: TestServer, key: String? = nil) throws {
        self.server = server
        self.key = key ?? server.adminKey
        client = try server.client(timeout: Self.receiveTimeout)
    }

    /// How long a reply may take before the request fails: a hang detector, not a speed check.
    /// A 1,000-record batch takes under a second in a debug build, and over 8 s on a machine
    /// busy with other builds, where the 5 s a bare client waits failed two tests.
    static let receiveTimeout: TimeInterval = 60

    /// A new connection (after a response that closes the old one).
    func reconnect() throws { client = try server.client(timeout: Self.receiveTimeout) }

    var auth: [(String, String)] { [("Authorization", "Bearer \(key)")] }

    /// Sends `json` (a dictionary/array, or a raw String sent verbatim) with this key.
    @discardableResult
    func send(
        _ method: String, _ target: String, json: Any? = nil, headers: [(String, String)] = [], authorized: Bool = true
    ) throws -> RawClient.Reply {
        let body: String? =
            switch json {
            case nil: nil
            case let text as String: text
            case let value?: jsonText(value)
            }
        return try client.request(method, target, headers: (authorized ? auth : []) + headers, body: body)
    }

    /// `POST /v1/customers` that must succeed; the created customer.
    @discardableResult
    func create(_ fields: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let reply = try send("POST", "/v1/customers", json: fields)
        XCTAssertEqual(reply.status, 201, reply.text, file: file, line: line)
        guard reply.status == 201 else { throw RawClient.ClientError("create failed: \(reply.status) \(reply.text)") }
        return try reply.json()
    }

    /// A person with a unique name; `extra` adds or overrides fields. Returns the new id.
    @discardableResult
    func createPerson(_ name: String, _ extra: [String: Any] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var fields: [String: Any] = ["type": "person", "name": name]
        for (key, value) in extra { fields[key] = value }
        return try XCTUnwrap(try create(fields, file: file, line: line)["id"] as? Int)
    }

    func get(_ id: Int) throws -> RawClient.Reply { try send("GET", "/v1/customers/\(id)") }

    /// `GET /v1/customers?…` that must answer 200: the page's objects and cursor.
    func list(_ query: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) throws -> Page {
        let reply = try send("GET", "/v1/customers" + queryString(query))
        XCTAssertEqual(reply.status, 200, "\(query): \(reply.text)", file: file, line: line)
        guard reply.status == 200 else { throw RawClient.ClientError("list failed: \(reply.status) \(reply.text)") }
        let body = try reply.json()
        return Page(
            data: body["data"] as? [[String: Any]] ?? [], hasMore: body["has_more"] as? Bool ?? false,
            nextCursor: body["next_cursor"] as? String)
    }

    /// The ids of every live customer, walking all pages of `query`.
    func allIDs(_ query: [(String, String)] = []) throws -> [Int] {
        var ids: [Int] = []
        var cursor: String?
        repeat {
            let page = try list(query + [("limit", "200")] + (cursor.map { [("cursor", $0)] } ?? []))
            ids += page.ids
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }

    /// Runs SQL on the server's writer (to set up what other resources would compute, such as metrics).
    func sql(_ statement: String) throws {
        _ = try server.application.database.writeAndWait { try $0.run(statement) }
    }

    /// `SELECT count(*)` over customers rows, live and deleted.
    func storedCustomerCount() throws -> Int {
        try server.application.database.read { try $0.queryOne("SELECT count(*) FROM customers")?.int64(0) }.map(Int.init) ?? -1
    }

    struct Page {
        let data: [[String: Any]]
        let hasMore: Bool
        let nextCursor: String?
        var ids: [Int] { data.compactMap { $0["id"] as? Int } }
    }
}

/// Compact JSON text for a request body, its keys sorted: without that, Foundation writes one
/// dictionary's keys in an order that changes with where its copy lands in memory, so sending the
/// same dictionary twice could send two different bodies (an idempotent replay was refused as
/// `reused` now and then for that reason alone).
func jsonText(_ value: Any) -> String {
    let data = try! JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

/// Canonical JSON (sorted keys) to compare two decoded values.
func canonicalJSON(_ value: Any?) -> String {
    guard let value, !(value is NSNull) else { return "null" }
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else {
        return "\(value)"
    }
    return String(decoding: data, as: UTF8.self)
}

/// `?a=b&c=d`, every name and value percent-encoded (so `+` in an offset survives); "" when empty.
func queryString(_ pairs: [(String, String)]) -> String {
    guard !pairs.isEmpty else { return "" }
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~[],")
    func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
    return "?" + pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
}

extension RawClient.Reply {
    /// The `field` of each entry of a problem's `errors`.
    var problemFields: [String] {
        ((try? json())?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }

    /// The problem's `errors` entry for `field`.
    func problemEntry(_ field: String) -> [String: Any]? {
        ((try? json())?["errors"] as? [[String: Any]] ?? []).first { $0["field"] as? String == field }
    }
}
