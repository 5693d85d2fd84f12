import CRM
import HTTP
import JSON

/// `GET /v1/customers/export` (streamed CSV or NDJSON, constant memory) and
/// `POST /v1/customers/import` (CSV, results like batch; a row's `id` updates that customer, so an
/// export re-imports as an update). Both run on workers: they can be long.
struct CustomerTransferRoutes {
    let endpoints: EndpointBuilder
    let database: Database
    let cursors: CursorCodec
    let clock: CRMClock
    let service: CustomerService

    /// Customers read per database visit during an export.
    static let exportPage = 500

    /// Streams every customer `request` selects, in keyset pages, each read on its own and the
    /// reader given back before the page is written: a client that reads slowly holds no database
    /// connection, only this stream (ids only grow, so no row is skipped or sent twice).
    private static func writeExport(
        format: String, _ request: ListRequest, database: Database, service: CustomerService, to body: BodyWriter
    ) throws {
        var page = request
        page.limit = exportPage
        var buffer: [UInt8] = []
        buffer.reserveCapacity(format == "csv" ? 256 * 1024 : 0)
        var lines = JSONWriter(capacity: format == "csv" ? 0 : 700_000)
        if format == "csv" { CSVWriter.appendRow(CustomerCSV.header, into: &buffer) }
        while true {
            let next: (key: JSONValue, id: Int64)?
            if format == "csv" {
                // Each row is written in place inside the read, as NDJSON's are, and the page
                // sent after it (at most 500 rows, so the buffer stays small).
                next = try service.forEachExported(database, page) { CustomerCSV.appendRow($0, into: &buffer) }
                try body.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            } else {
                // NDJSON is the API's own rendering of each row; the page is written after the read.
                next = try service.renderExportLines(database, page, into: &lines)
                try body.write(lines.bytes)
                lines.removeWritten()
            }
            guard let next else { break }
            page.after = next
        }
        try body.write(buffer)
    }

    /// Exports that may stream at once (each holds a thread while its client reads).
    static let streams = StreamSlots(limit: 64, perKey: 8)

    /// Rows per writer transaction during an import, so a large file never holds the writer long.
    static let importChunk = 500
    static let maximumImportRows = 100_000

    func install(on router: inout Router) {
        let service = self.service
        let database = self.database
        let cursors = self.cursors
        let clock = self.clock

        router.add(
            .get, "/v1/customers/export",
            endpoints.sync(.read(.customers), .worker) { request in
                let format = request.http.queryValue("format") ?? "csv"
                guard format == "csv" || format == "ndjson" else {
                    throw APIError.badRequest("format must be csv or ndjson", field: "format")
                }
                for (name, _) in request.http.query where name == "limit" || name == "cursor" {
                    throw APIError.badRequest("an export has no pages: '\(name)' does not apply", field: name, code: "unknown_parameter")
                }
                // The list's filters exactly (API.md: "+ list filters"), `attributes.<key>` of a
                // defined field included, read by its definition's type as `GET /v1/customers` does.
                let list = try ListParameters(
                    request.http, resource: "customers-export", fields: CustomerSchema.listFields, searchable: true, extra: ["format"],
                    dynamicField: { name in try database.read { try CustomFieldSchema.listField($0, name: name) } }, cursors: cursors)
                let contentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson"
                // A HEAD answers the headers only: no stream runs, so it takes no slot.
                let slot = request.http.method == .head ? nil : try Self.streams.slot(forKey: request.key?.id ?? 0)
                let request = list.request
                let stream = StreamingBody { [slot] body in
                    defer { withExtendedLifetime(slot) {} }
                    try Self.writeExport(format: format, request, database: database, service: service, to: body)
                }
                return Response(
                    status: 200,
                    headers: [("Content-Type", contentType), ("Content-Disposition", "attachment; filename=\"customers.\(format)\"")],
                    stream: stream)
            })

        router.add(
            .post, "/v1/customers/import",
            endpoints.sync(.write(.customers), .worker) { request in
                _ = try QueryParameters(request.http, allowed: [])
                try MediaType.refuseRepeated(request.http.headers.singleField("Content-Type"))
                let declared = request.http.headers["Content-Type"]
                guard declared.map(MediaType.essence(of:)) == "text/csv" else {
                    throw APIError.unsupportedMediaType("send the file as text/csv")
                }
                // The file is read as UTF-8: one declared in another charset would be misread.
                if let charset = declared.flatMap({ MediaType.parameter("charset", of: $0) }), charset.lowercased() != "utf-8" {
                    throw APIError.unsupportedMediaType("only UTF-8 CSV is accepted; convert the file first")
                }
                let rows: [[String]]
                do {
                    rows = try CSVReader.parse(request.http.body)
                } catch {
                    throw APIError.badRequest("the CSV cannot be read: \(error)")
                }
                guard let header = rows.first else { throw APIError.badRequest("the CSV has no header row") }
                try CustomerCSV.validateHeader(header)
                let data = rows.dropFirst()
                guard data.count <= Self.maximumImportRows else {
                    throw APIError.validation([FieldError("body", "too_many_rows", "at most \(Self.maximumImportRows) rows per import")])
                }
                let entries = data.map { CustomerCSV.entry(header: header, cells: $0) }
                let actor = request.key?.id
                let requestID = request.requestID
                let idempotency = try IdempotencyHeader.key(of: request)
                var outcomes: [CustomerBatch.Outcome] = []
                outcomes.reserveCapacity(entries.count)
                var start = 0
                // At least one transaction, even for a header alone: an Idempotency-Key is
                // checked and kept in one.
                repeat {
                    let end = min(start + Self.importChunk, entries.count)
                    let chunk = CustomerBatch(entries: Array(entries[start..<end]), requestID: requestID)
                    let first = start == 0
                    let last = end == entries.count
                    let earlier = last && idempotency != nil ? outcomes : []
                    // With an Idempotency-Key the chunks' transactions (one for the whole file
                    // would hold the writer too long) are one request's: the first checks the key
                    // (a replay writes nothing) and reserves it, so a second request with it
                    // cannot write while this one runs; the last stores the whole answer (every
                    // chunk's results) in the transaction that writes the last rows, so the answer
                    // is kept if and only if the import completed. One cut off in between keeps
                    // its reservation: a retry with the key is a 409, never the first chunks
                    // written twice (``IdempotencyKey/begin(_:now:)``).
                    let step = try database.writeAndWait(outermost: true) { connection -> ImportStep in
                        let now = clock.now()
                        if first, let idempotency, let stored = try idempotency.begin(connection, now: now) {
                            return .replayed(stored)
                        }
                        let applied = try chunk.apply(connection, service: service, actor: actor, now: now)
                        guard let idempotency, last else { return .applied(applied) }
                        let response = CustomerBatch.render(earlier + applied, requestID: requestID)
                        guard case .bytes(let body) = response.body else { return .applied(applied) }
                        try idempotency.finish(
                            connection, IdempotentAnswer(status: response.status, headers: response.headers, body: body), now: now)
                        return .finished(response)
                    }
                    switch step {
                    case .replayed(let answer): return IdempotencyHeader.replay(answer)
                    case .finished(let response): return response
                    case .applied(let applied): outcomes += applied
                    }
                    start = end
                } while start < entries.count
                return CustomerBatch.render(outcomes, requestID: requestID)
            })
    }
}

/// What one transaction of an import did.
private enum ImportStep: Sendable {
    /// The chunk's results.
    case applied([CustomerBatch.Outcome])
    /// The Idempotency-Key's stored answer: nothing was written.
    case replayed(IdempotentAnswer)
    /// The last chunk's transaction stored the whole answer under the Idempotency-Key.
    case finished(Response)
}
