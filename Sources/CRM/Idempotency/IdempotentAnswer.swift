import JSON

/// The answer to a request as the idempotency record keeps it: status, header fields and body,
/// bytes only (what they mean is the edge's business).
public struct IdempotentAnswer: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    var headersJSON: String {
        JSONValue.array(headers.map { .array([.string($0.name), .string($0.value)]) }).jsonString
    }

    static func headers(fromJSON text: String) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for pair in (try? JSONParser.parse(text))?.arrayValue ?? [] {
            if let items = pair.arrayValue, items.count == 2, let name = items[0].stringValue, let value = items[1].stringValue {
                headers.append((name, value))
            }
        }
        return headers
    }
}
