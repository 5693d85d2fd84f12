import CRM
import HTTP
import JSON

/// `POST /v1/customers/batch`: up to 1000 upserts in one transaction, each in its own savepoint,
/// so one bad record never rejects the others (API.md §2).
struct CustomerBatch: Sendable {
    /// One record's input: parsed changes and its key, or the problem it already has.
    enum Entry: Sendable {
        case ready(CustomerService.UpsertKey?, RecordChanges)
        /// Fields that failed their own validation (the issues) beside those that passed (the
        /// changes): refused, once the write's checks of the valid ones have added their issues
        /// (a 422 lists every invalid field at once).
        case invalid(CustomerService.UpsertKey?, RecordChanges, [FieldIssue])
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
            let (changes, issues) = RecordInput.collecting(object, schema: CustomerSchema.schema, mode: .patch)
            let field = upsertBy == "email" ? "email" : "external_id"
            let key = changes.text(for: field).map { upsertBy == "email" ? CustomerService.UpsertKey.email($0) : .externalID($0) }
            return issues.isEmpty ? .ready(key, changes) : .invalid(key, changes, issues)
        }
    }

    /// The outcome of one entry: its status and the record id, or the problem.
    enum Outcome: Sendable {
        case stored(status: Int, id: Int64)
        case failed(APIError)
    }

    /// Applies every entry in its own savepoint; a failing entry leaves no trace. A database fault
    /// (a full disk, an unwritable file) is no entry's fault: it fails the whole batch, which
    /// then leaves no trace either.
    func apply(_ connection: StoreConnection, service: CustomerService, actor: Int64?, now: Timestamp) throws -> [Outcome] {
        try entries.map { entry in
            do {
                switch entry {
                case .rejected(let error):
                    return .failed(error)
                case .invalid(let key, let changes, let issues):
                    return .failed(
                        APIError(CRMError.validation(try service.issues(connection, changes, known: issues, key: key, now: now))))
                case .ready(let key, let changes):
                    let (id, created) = try service.batchWrite(connection, key: key, changes, actor: actor, now: now)
                    return .stored(status: created ? 201 : 200, id: id)
                }
            } catch let error as APIError {
                return .failed(error)
            } catch let error as CRMError {
                return .failed(APIError(error))
            } catch  where Database.fault(of: error) != nil {
                throw error
            } catch {
                return .failed(.internalError())
            }
        }
    }

    func run(_ connection: StoreConnection, service: CustomerService, actor: Int64?, now: Timestamp) throws -> Response {
        Self.render(try apply(connection, service: service, actor: actor, now: now), requestID: requestID)
    }

    /// `{"results":[{"index","status","id"}|{"index","status","error"}]}`.
    static func render(_ outcomes: [Outcome], requestID: String) -> Response {
        var writer = JSONWriter(capacity: 64 * outcomes.count + 64)
        writer.beginObject()
        writer.key("results")
        writer.beginArray()
        for (index, outcome) in outcomes.enumerated() {
            writer.beginObject()
            writer.key("index")
            writer.int(Int64(index))
            switch outcome {
            case .stored(let status, let id):
                writer.key("status")
                writer.int(Int64(status))
                writer.key("id")
                writer.int(id)
            case .failed(let problem):
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

    private static func bodyBytes(_ response: Response) -> [UInt8] {
        if case .bytes(let bytes) = response.body { return bytes }
        return Array("null".utf8)
    }
}
