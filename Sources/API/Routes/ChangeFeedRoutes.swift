import CRM
import HTTP
import JSON

/// `GET /v1/changes`: the sync feed, every role (API.md §2, "changes").
struct ChangeFeedRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let waiters: ChangeFeedWaiters

    /// The longest `wait` a consumer may ask for, in seconds.
    static let maximumWait = 30.0

    func install(on router: inout Router) {
        let database = database
        let waiters = waiters
        router.add(
            .get, "/v1/changes",
            endpoints.async(.read(.changes)) { request, reply in
                let parameters = try FeedParameters(request.http)
                let seen = waiters.committedSeq
                let page = try database.read { try ChangeFeed.page($0, parameters.query) }
                if page.entries.isEmpty, parameters.wait > 0,
                    waiters.park(
                        parameters.query, seconds: parameters.wait, seenUpTo: seen,
                        answer: { result in reply(result.map(Self.response)) })
                {
                    return
                }
                reply(.success(Self.response(page)))
            })
    }

    /// `{"data":[{"seq","type","id","occurred_at","data"}],"next_after","has_more"}`.
    static func response(_ page: ChangeFeed.Page) -> Response {
        var writer = JSONWriter(capacity: 4096 + page.entries.reduce(0) { $0 + ($1.data?.count ?? 4) + 128 })
        writer.beginObject()
        writer.key("data")
        writer.beginArray()
        for entry in page.entries {
            writer.beginObject()
            writer.key("seq")
            writer.int(entry.seq)
            writer.key("type")
            writer.string(entry.type)
            writer.key("id")
            writer.int(entry.recordID)
            writer.key("occurred_at")
            writer.string(entry.occurredAt)
            writer.key("data")
            if let data = entry.data { writer.rawJSON(data) } else { writer.null() }
            writer.endObject()
        }
        writer.endArray()
        writer.key("next_after")
        writer.int(page.nextAfter)
        writer.key("has_more")
        writer.bool(page.hasMore)
        writer.endObject()
        return Response(status: 200, headers: [JSONResponse.contentType], body: writer.bytes)
    }
}

/// `after`, `limit`, `types` and `wait`, each checked: a bad one is a `400` naming it.
struct FeedParameters {
    let query: ChangeFeed.Query
    /// Seconds to wait for a change when none is there yet; 0 answers at once.
    let wait: Double

    init(_ http: Request) throws {
        let parameters = try QueryParameters(http, allowed: ["after", "limit", "types", "wait"])
        var after: Int64 = 0
        if let text = parameters["after"] {
            guard let value = RecordID.parse(text) ?? (text == "0" ? 0 : nil) else {
                throw APIError.badRequest("after must be a seq: an integer of 0 or more, as next_after gave it", field: "after")
            }
            after = value
        }
        var types: [String] = []
        if let text = parameters["types"] {
            for name in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                guard ChangeFeed.resourceTypes.contains(name) else {
                    throw APIError.badRequest(
                        "types takes resource names separated by commas: \(ChangeFeed.resourceTypes.joined(separator: ", "))",
                        field: "types")
                }
                types.append(name)
            }
        }
        var wait = 0.0
        if let text = parameters["wait"] {
            guard let seconds = Self.seconds(text), seconds <= ChangeFeedRoutes.maximumWait else {
                throw APIError.badRequest("wait must be a number of seconds from 0 to 30", field: "wait")
            }
            wait = seconds
        }
        query = ChangeFeed.Query(after: after, types: types, limit: try parameters.limit())
        self.wait = wait
    }

    /// Decimal seconds such as `30` or `0.5`: digits, an optional fraction of up to three.
    private static func seconds(_ text: String) -> Double? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, (1...2).contains(whole.count), whole.allSatisfy(\.isASCIIDigit) else { return nil }
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy(\.isASCIIDigit) else { return nil }
        }
        return Double(text)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
