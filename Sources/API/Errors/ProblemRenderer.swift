import CRM
import HTTP
import JSON

/// Renders an ``APIError`` as RFC 9457 problem details, the only error body the API sends.
enum ProblemRenderer {
    static let typeBase = "https://crm.example/problems/"

    static func response(_ error: APIError, requestID: String) -> Response {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("type")
        writer.string(typeBase + error.type)
        writer.key("title")
        writer.string(error.title)
        writer.key("status")
        writer.int(Int64(error.status))
        writer.key("detail")
        writer.string(error.detail)
        writer.key("request_id")
        writer.string(requestID)
        if !error.errors.isEmpty {
            writer.key("errors")
            writer.beginArray()
            for field in error.errors {
                writer.beginObject()
                writer.key("field")
                writer.string(field.field)
                writer.key("code")
                writer.string(field.code)
                writer.key("message")
                writer.string(field.message)
                if let holder = field.holderID {
                    writer.key("holder_id")
                    writer.int(holder)
                }
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        var headers: [(name: String, value: String)] = [("Content-Type", "application/problem+json")]
        headers += error.headers
        return Response(status: error.status, headers: headers, body: writer.bytes)
    }

    /// The renderer the HTTP server uses for errors it raises itself (parse errors, 408, the
    /// shutdown 503). They may answer requests under `/v1`, which all say `Vary: Origin`.
    static let forServer: Server.ErrorRenderer = { status, detail, requestID in
        var problem = response(.protocolError(status: status, detail: detail), requestID: requestID)
        problem.headers.append(("Vary", "Origin"))
        if status == 503 { problem.headers.append(("Retry-After", "1")) }
        return problem
    }
}
