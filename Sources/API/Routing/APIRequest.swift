import CRM
import HTTP
import JSON

/// A request that passed authentication and authorization, as route handlers see it.
struct APIRequest: Sendable {
    let http: Request
    let context: RequestContext
    /// The caller's key; `nil` only on public routes.
    let key: APIKey?

    var requestID: String { context.requestID }

    /// A path parameter the route template guarantees.
    func parameter(_ name: String) -> String {
        guard let value = context.parameters[name] else { preconditionFailure("route has no {\(name)}") }
        return value
    }

    /// A path parameter that must be a positive integer id; anything else cannot name a record.
    func idParameter(_ name: String = "id") throws -> Int64 {
        guard let id = RecordID.parse(parameter(name)) else { throw APIError.notFound() }
        return id
    }

    /// The body as a JSON object: `415` unless it is declared `application/json`, `400` unless it parses.
    func jsonObject() throws -> JSONObject {
        try MediaType.requireJSON(http)
        let value: JSONValue
        do {
            value = try JSONParser.parse(http.body, exactNumbers: true)
        } catch {
            switch error.reason {
            case .inexactNumber, .numberOutOfRange:
                // Well-formed JSON whose number would be changed on the way in: a semantic error.
                // Named by the member it is in (`amount`), as any invalid field is.
                throw APIError.validation([
                    FieldError(error.member ?? "body", "inexact_number", "the number at byte \(error.offset) cannot be stored as written")
                ])
            default:
                throw APIError.badRequest("the body is not valid JSON: \(error)")
            }
        }
        guard case .object(let object) = value else { throw APIError.badRequest("the body must be a JSON object") }
        return object
    }
}

/// Content-Type checks (API.md §1: request bodies are `application/json` unless stated).
enum MediaType {
    /// Two `Content-Type` fields are a `400` (RFC 9110 §5.3: it takes one value), as two `Host`
    /// or `Authorization` fields are: which one the body is in cannot be told.
    static func refuseRepeated(_ field: HTTPHeaders.SingleField) throws {
        if case .repeated = field { throw APIError.badRequest("Content-Type is given more than once", field: "Content-Type") }
    }

    static func requireJSON(_ request: Request) throws {
        // What nearly every client sends, recognised on the bytes: the general check below
        // splits, trims and lowercases Strings, a measurable part of a create on the event loop.
        let declared = request.headers.singleField("Content-Type")
        if case .present(let value) = declared, isPlainJSON(value) { return }
        try refuseRepeated(declared)
        guard let type = request.headers["Content-Type"] else {
            throw APIError.unsupportedMediaType("send the body as application/json")
        }
        let essence = essence(of: type)
        // A PATCH body is a JSON merge patch (RFC 7396), which has a media type of its own: a
        // client that names it says what the body is, and is not refused for being exact.
        let mergePatch = request.method == .patch && essence == "application/merge-patch+json"
        guard essence == "application/json" || mergePatch else {
            let accepted = request.method == .patch ? "application/json or application/merge-patch+json" : "application/json"
            throw APIError.unsupportedMediaType("'\(type)' is not accepted here; send \(accepted)")
        }
        if let charset = parameter("charset", of: type), charset.lowercased() != "utf-8" {
            throw APIError.unsupportedMediaType("only UTF-8 JSON is accepted")
        }
    }

    private static let plainJSON = Array("application/json".utf8)

    /// Whether `value` is `application/json` exactly, in any letter case.
    static func isPlainJSON(_ value: ArraySlice<UInt8>) -> Bool {
        guard value.count == plainJSON.count else { return false }
        for (byte, expected) in zip(value, plainJSON) {
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if lowered != expected { return false }
        }
        return true
    }

    /// The media type of a `Content-Type` value without its parameters, trimmed and lowercased;
    /// "" for a value that names none (empty, `;`, white space), which no route accepts.
    static func essence(of type: String) -> String {
        // Not `split(separator:)[0]`: it omits empty pieces, so a value of "" or ";" has none.
        type.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.trimmingSpacesLowercased() } ?? ""
    }

    static func parameter(_ name: String, of type: String) -> String? {
        for part in type.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingSpacesLowercased() == name {
                return String(pair[1]).trimmingSpaces().trimmingCharacters(in: "\"")
            }
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpacesLowercased() -> String {
        String(self).trimmingSpaces().lowercased()
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
