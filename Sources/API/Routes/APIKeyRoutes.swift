import CRM
import HTTP
import JSON

/// `GET/POST /v1/api-keys`, `DELETE /v1/api-keys/{id}` (admin only, API.md §2 "api-keys").
enum APIKeyRoutes {
    static func install(on router: inout Router, endpoints: EndpointBuilder, database: Database, cursors: CursorCodec, clock: CRMClock) {
        let service = APIKeyService()

        router.add(
            .get, "/v1/api-keys",
            endpoints.sync(.read(.apiKeys)) { request in
                let query = try QueryParameters(request.http, allowed: ["limit", "cursor"])
                let limit = try query.limit()
                var afterID: Int64 = 0
                if let cursor = query["cursor"] {
                    guard case .int(let id) = try cursors.decode(cursor, scope: "api-keys") else {
                        throw APIError.badRequest("the cursor is invalid", field: "cursor")
                    }
                    afterID = id
                }
                let keys = try database.read { try service.list($0, afterID: afterID, limit: limit + 1) }
                let page = Array(keys.prefix(limit))
                let next = keys.count > limit ? page.last.map { cursors.encode(.int($0.id), scope: "api-keys") } : nil
                return JSONResponse.list(page, nextCursor: next) { writer, key in write(key, secret: nil, into: &writer) }
            })

        router.add(
            .post, "/v1/api-keys",
            endpoints.write(.write(.apiKeys), database: database, clock: clock, withheld: "created an API key") { request in
                let input = try CreateKeyInput(try request.jsonObject())
                let actor = request.key?.id
                return { connection, now in
                    let issued = try service.create(connection, name: input.name, role: input.role, actor: actor, now: now)
                    return JSONResponse.make(201) { write(issued.key, secret: issued.secret, into: &$0) }
                }
            })

        router.add(
            .delete, "/v1/api-keys/{id}",
            endpoints.write(.write(.apiKeys), database: database, clock: clock) { request in
                let id = try request.idParameter()
                let actor = request.key?.id
                // API.md: DELETE honours If-Match (a key's one version is 1).
                let ifMatch = EntityTag.requiredVersion(request.http)
                return { connection, now in
                    guard try service.revoke(connection, id: id, ifMatch: ifMatch, keepingAnAdmin: true, actor: actor, now: now) else {
                        throw APIError.notFound("no live API key \(id)")
                    }
                    return Response(status: 204)
                }
            })
    }

    private static func write(_ key: APIKey, secret: String?, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(key.id)
        writer.key("name")
        writer.string(key.name)
        writer.key("role")
        writer.string(key.role.rawValue)
        writer.key("created_at")
        writer.string(key.createdAt.rfc3339)
        if let secret {
            writer.key("secret")
            writer.string(secret)
        }
        writer.endObject()
    }

    /// `{"name","role"}`: both required, nothing else accepted.
    private struct CreateKeyInput {
        let name: String
        let role: Role
        /// What a key's JSON holds that the server sets, besides every record's `id` and times.
        static let serverOwned: Set<String> = ["secret", "revoked_at"]

        init(_ body: JSONObject) throws {
            var errors: [FieldError] = []
            for key in body.keys where key != "name" && key != "role" {
                if RecordSchema.serverOwned.contains(key) || Self.serverOwned.contains(key) {
                    errors.append(FieldError(key, "read_only", "\(key) is set by the server"))
                } else {
                    errors.append(FieldError(key, "unknown_field", "no such field"))
                }
            }
            let name = body["name"]?.stringValue?.trimmingSpaces() ?? ""
            if name.isEmpty { errors.append(FieldError("name", "required", "a non-empty name is required")) }
            if name.count > 200 { errors.append(FieldError("name", "too_long", "at most 200 characters")) }
            if let problem = TextRules.problem(in: name) { errors.append(FieldError("name", "invalid_characters", problem)) }
            let role = body["role"]?.stringValue.flatMap(Role.init(rawValue:))
            if role == nil {
                errors.append(
                    FieldError("role", body["role"] == nil ? "required" : "invalid_enum", "one of admin, sales, support, marketing, viewer")
                )
            }
            guard errors.isEmpty, let role else { throw APIError.validation(errors) }
            self.name = name
            self.role = role
        }
    }
}
