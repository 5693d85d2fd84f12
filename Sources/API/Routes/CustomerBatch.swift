import CRM
import HTTP
import SQLite

/// `POST /v1/customers/batch`: up to 1000 upserts in one transaction, each in its own savepoint,
/// so one bad record never rejects the others (API.md §2).
struct CustomerBatch: Sendable {
    /// One record's input: parsed changes and its key, or the problem it already has.
    enum Entry: Sendable {
        case ready(CustomerService.UpsertKey?, RecordChanges)
        case rejected(APIError)
    }

    let entries: [Entry]
    let requestID: String

    init(entries: [Entry], requestID: String) {
        self.entries = entries
        self.requestID = requestID
    }

    init(_ body: JSONObject, requestID: String) throws {
        var issues: [FieldError] = []
        for key in body.keys where key != "upsert_by" && key != "records" {
            issues.append(FieldError(key, "unknown_field", "no such field"))
        }
        let upsertBy = body["upsert_by"]?.stringValue
        if upsertBy != "external_id" && upsertBy != "email" {
            issues.append(FieldError("upsert_by", body["upsert_by"] == nil ? "required" : "invalid_enum", "external_id or email"))
        }
        guard let records = body["records"]?.arrayValue else {
            issues.append(FieldError("records", "required", "an array of customer records"))
            throw APIError.validation(issues)
        }
        if records.isEmpty || records.count > CustomerRoutes.maximumBatch {
            issues.append(FieldError("records", "invalid_count", "1 to \(CustomerRoutes.maximumBatch) records"))
        }
        guard issues.isEmpty, let upsertBy else { throw APIError.validation(issues) }
        self.requestID = requestID
        entries = records.map { record in
            guard let object = record.objectValue else {
                return .rejected(.validation([FieldError("record", "invalid_type", "each record is a JSON object")]))
            }
            do throws(CRMError) {
                let changes = try RecordInput.parse(object, schema: CustomerSchema.schema, mode: .patch)
                let field = upsertBy == "email" ? "email" : "external_id"
                guard case .text(let value)? = changes.value(for: field) else {
                    return .ready(nil, changes)
                }
                return .ready(upsertBy == "email" ? .email(value) : .externalID(value), changes)
            } catch {
                return .rejected(APIError(error))
            }
        }
    }

    /// Applies every entry in its own savepoint and answers `{"results":[…]}`.
    func run(_ connection: Connection, service: CustomerService, actor: Int64?, now: Timestamp) -> Response {
        var writer = JSONWriter(capacity: 64 * entries.count + 64)
        writer.beginObject()
        writer.key("results")
        writer.beginArray()
        for (index, entry) in entries.enumerated() {
            writer.beginObject()
            writer.key("index")
            writer.int(Int64(index))
            do {
                guard case .ready(let key, let changes) = entry else {
                    if case .rejected(let error) = entry { throw error }
                    preconditionFailure("unreachable")
                }
                let (row, created) = try connection.savepoint("batch_record") {
                    if let key {
                        return try service.upsert(connection, key: key, changes, actor: actor, now: now)
                    }
                    return (try service.create(connection, changes, actor: actor, now: now), true)
                }
                writer.key("status")
                writer.int(created ? 201 : 200)
                writer.key("id")
                writer.int(row.int64("id") ?? 0)
            } catch {
                let problem: APIError =
                    switch error {
                    case let error as APIError: error
                    case let error as CRMError: APIError(error)
                    default: .internalError()
                    }
                writer.key("status")
                writer.int(Int64(problem.status))
                writer.key("error")
                writer.rawJSON(bodyBytes(ProblemRenderer.response(problem, requestID: requestID)))
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return Response(status: 200, headers: [JSONResponse.contentType], body: writer.bytes)
    }

    private func bodyBytes(_ response: Response) -> [UInt8] {
        if case .bytes(let bytes) = response.body { return bytes }
        return Array("null".utf8)
    }
}
