import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// One page of `GET /v1/changes`.
struct FeedPage {
    let entries: [[String: Any]]
    let nextAfter: Int
    let hasMore: Bool

    var seqs: [Int] { entries.compactMap { $0["seq"] as? Int } }

    init(_ reply: RawClient.Reply) throws {
        let body = try reply.json()
        guard let entries = body["data"] as? [[String: Any]], let nextAfter = body["next_after"] as? Int,
            let hasMore = body["has_more"] as? Bool
        else { throw RawClient.ClientError("not a feed page: \(reply.text)") }
        self.entries = entries
        self.nextAfter = nextAfter
        self.hasMore = hasMore
    }
}

extension APISession {
    /// `GET /v1/changes?…` that must answer 200.
    func feed(_ query: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) throws -> FeedPage {
        let reply = try send("GET", "/v1/changes" + queryString(query))
        XCTAssertEqual(reply.status, 200, "\(query): \(reply.text)", file: file, line: line)
        guard reply.status == 200 else { throw RawClient.ClientError("feed failed: \(reply.status) \(reply.text)") }
        return try FeedPage(reply)
    }

    /// Every entry after `after`, walking pages of `limit` (`extra` adds `types`); checks that
    /// `has_more` is false only on the last page.
    func wholeFeed(
        after: Int = 0, limit: Int = 200, _ extra: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line
    ) throws -> [[String: Any]] {
        var entries: [[String: Any]] = []
        var position = after
        for _ in 0..<10_000 {
            let page = try feed([("after", String(position)), ("limit", String(limit))] + extra, file: file, line: line)
            XCTAssertLessThanOrEqual(page.entries.count, limit, file: file, line: line)
            entries += page.entries
            if !page.entries.isEmpty { XCTAssertEqual(page.nextAfter, page.seqs.last, file: file, line: line) }
            position = page.nextAfter
            if !page.hasMore { return entries }
            XCTAssertEqual(page.entries.count, limit, "a page with more after it is full", file: file, line: line)
        }
        throw RawClient.ClientError("the feed does not end")
    }

    /// `POST` that must answer 201: the created record.
    @discardableResult
    func created(_ path: String, _ fields: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try expecting(201, "POST", path, json: fields, file: file, line: line)
    }

    /// A request that must answer `status`: its JSON object (empty for a body-less answer).
    @discardableResult
    func expecting(
        _ status: Int, _ method: String, _ path: String, json: Any? = nil, headers: [(String, String)] = [], file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> [String: Any] {
        let reply = try send(method, path, json: json, headers: headers)
        XCTAssertEqual(reply.status, status, "\(method) \(path): \(reply.text)", file: file, line: line)
        guard reply.status == status else { throw RawClient.ClientError("\(method) \(path) answered \(reply.status): \(reply.text)") }
        return reply.body.isEmpty ? [:] : try reply.json()
    }
}

extension TestServer {
    /// The value of an unlabelled gauge on `/metrics`, e.g. `crm_feed_waiters`.
    func gauge(_ name: String) throws -> Double? {
        let text = try client().request("GET", "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Polls until `count` long-polls are parked (none parked means the request may still be on
    /// its way); fails the test after `timeout`.
    func waitForParkedLongPolls(_ count: Int, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) throws {
        let parked = try eventually(timeout: timeout) { try gauge("crm_feed_waiters") == Double(count) }
        XCTAssertTrue(parked, "\(count) long-poll(s) never parked", file: file, line: line)
    }

    /// Creates a key with `role`; its secret and id.
    func keyWithID(role: String, name: String? = nil) throws -> (secret: String, id: Int) {
        let reply = try client().request(
            "POST", "/v1/api-keys", headers: [("Authorization", "Bearer \(adminKey)")],
            body: jsonText(["name": name ?? "\(role) key", "role": role]))
        guard reply.status == 201, let body = try? reply.json(), let secret = body["secret"] as? String, let id = body["id"] as? Int else {
            throw RawClient.ClientError("could not create a \(role) key: \(reply.status) \(reply.text)")
        }
        return (secret, id)
    }
}

/// Polls `condition` every `interval` until it holds or `timeout` passes; whether it held.
func eventually(timeout: TimeInterval, interval: TimeInterval = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        Thread.sleep(forTimeInterval: interval)
    }
}

/// A value shared between threads, guarded by a lock.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// A tiny HTTP/1.1 server on 127.0.0.1 standing in for a webhook receiver: it records every
/// request and answers each as `answer` says (by the request's 0-based index; it runs on the
/// connection's own thread and may block to hold an answer back), or never.
final class WebhookReceiver: @unchecked Sendable {
    // @unchecked Sendable: the mutable fields are only touched with `condition` locked.
    struct Request {
        let target: String
        let headers: [(String, String)]
        let body: [UInt8]
        let receivedAt: Date

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw RawClient.ClientError("body is not a JSON object: \(String(decoding: body, as: UTF8.self))")
            }
            return object
        }
    }

    enum Answer: Sendable {
        case status(Int)
        /// Read the request, then keep the connection open without a word until ``stop()``.
        case hang
    }

    let port: Int
    private let listener: Int32
    private let answer: @Sendable (Int) -> Answer
    private let condition = NSCondition()
    private var received: [Request] = []
    private var hanging: [Int32] = []
    private var stopped = false

    /// Listens on `port` (0: any free one).
    init(port: Int = 0, answer: @escaping @Sendable (Int) -> Answer = { _ in .status(200) }) throws {
        self.answer = answer
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        guard listener >= 0 else { throw RawClient.ClientError("socket failed") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw RawClient.ClientError("cannot listen on 127.0.0.1:\(port): errno \(errno)")
        }
        self.port = Self.localPort(listener)
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "webhook-receiver"
        thread.start()
    }

    /// A port nothing listens on right now (bound, read and released).
    static func unusedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw RawClient.ClientError("bind failed: errno \(errno)") }
        return localPort(descriptor)
    }

    private static func localPort(_ descriptor: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    var url: String { "http://127.0.0.1:\(port)/hooks/crm" }

    var requests: [Request] {
        condition.lock()
        defer { condition.unlock() }
        return received
    }

    /// Waits until `count` requests have arrived (or `timeout` passed); the requests so far.
    func waitFor(_ count: Int, timeout: TimeInterval = 5) -> [Request] {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while received.count < count, condition.wait(until: deadline) {}
        return received
    }

    /// Stops listening and drops every connection, hanging ones too.
    func stop() {
        condition.lock()
        let wasStopped = stopped
        stopped = true
        let open = hanging
        hanging = []
        condition.unlock()
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for descriptor in open {
            shutdown(descriptor, Int32(SHUT_RDWR))
            close(descriptor)
        }
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = Self.read(connection) else {
            close(connection)
            return
        }
        condition.lock()
        let index = received.count
        received.append(request)
        condition.broadcast()
        let wasStopped = stopped
        condition.unlock()
        // Outside the lock: `answer` may block to hold this request's answer back.
        let reply = wasStopped ? .status(503) : answer(index)
        if case .hang = reply {
            condition.lock()
            if !stopped {
                hanging.append(connection)
                condition.unlock()
                return
            }
            condition.unlock()
        }
        let code = if case .status(let code) = reply { code } else { 503 }
        let bytes = Array("HTTP/1.1 \(code) Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(connection, Int32(SHUT_WR))
        close(connection)
    }

    /// One request: head, then a `Content-Length` body.
    private static func read(_ connection: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        var contentLength = 0
        var lines: [String] = []
        while true {
            if headEnd == nil, let range = buffer.firstRange(of: separator) {
                headEnd = range.upperBound
                lines = String(decoding: buffer[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                for line in lines.dropFirst() where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let headEnd, buffer.count >= headEnd + contentLength {
                let headers = lines.dropFirst().compactMap { line -> (String, String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                }
                let target = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
                return Request(
                    target: target, headers: headers, body: Array(buffer[headEnd..<(headEnd + contentLength)]), receivedAt: Date())
            }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
    }
}
