import JSON
import SQLite

/// One stage of a pipeline, in order: `{key, name, probability, closed, won}`.
public struct PipelineStage: Sendable, Equatable {
    public let key: String
    public let name: String
    public let probability: Int64
    public let closed: Bool
    public let won: Bool

    public var isLost: Bool { closed && !won }

    var json: JSONValue {
        ["key": .string(key), "name": .string(name), "probability": .int(probability), "closed": .bool(closed), "won": .bool(won)]
    }
}

/// Pipelines (API.md §2): a default one exists after `migrate`; admins create and edit them.
/// Renaming and reordering stages is free; removing a stage that live opportunities stand in is a
/// `409`, so no opportunity is ever left in a stage its pipeline lacks.
public struct PipelineService: Sendable {
    public static let schema = RecordSchema(
        recordType: "pipeline", table: "pipelines",
        fields: [
            FieldDefinition("name", .text(maxLength: 200), required: true),
            FieldDefinition("is_default", .boolean),
        ])
    let store = RecordStore(schema: schema)

    public init() {}

    /// Writes a page of pipelines as JSON array elements into `writer`; returns the position
    /// after the page, or nil at the end.
    public func renderPage(_ connection: StoreConnection, _ request: ListRequest, into writer: inout JSONWriter) throws -> (
        key: JSONValue, id: Int64
    )? {
        let page = try store.list(connection, request)
        for row in page.items { render(row, into: &writer) }
        return page.next
    }

    public func defaultPipelineID(_ connection: StoreConnection) throws -> Int64 {
        try PipelineStore.defaultID(connection) ?? 1
    }

    public func stages(_ connection: StoreConnection, pipelineID: Int64) throws -> [PipelineStage]? {
        guard let row = try store.find(connection, id: pipelineID) else { return nil }
        return Self.stages(row)
    }

    static func stages(_ row: Row) -> [PipelineStage] {
        guard let array = (try? JSONParser.parse(row.string("stages") ?? "[]"))?.arrayValue else { return [] }
        return array.compactMap { value in
            guard let object = value.objectValue, let key = object["key"]?.stringValue, let name = object["name"]?.stringValue,
                let probability = object["probability"]?.intValue, let closed = object["closed"]?.boolValue,
                let won = object["won"]?.boolValue
            else { return nil }
            return PipelineStage(key: key, name: name, probability: probability, closed: closed, won: won)
        }
    }

    func render(_ row: Row, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.int(row.int64("id") ?? 0)
        writer.key("name")
        writer.string(row.string("name") ?? "")
        writer.key("is_default")
        writer.bool(row.bool("is_default") ?? false)
        writer.key("stages")
        writer.value(.array(Self.stages(row).map(\.json)))
        RecordRenderer.writeTrailer(row, into: &writer)
        writer.endObject()
    }

    func json(_ row: Row) -> [UInt8] {
        var writer = JSONWriter()
        render(row, into: &writer)
        return writer.bytes
    }

    /// Validates a pipeline body: `name`, `stages` (required on create) and `is_default`.
    public static func parse(_ body: JSONObject, creating: Bool) throws(CRMError) -> (changes: RecordChanges, stages: [PipelineStage]?) {
        var issues: [FieldIssue] = []
        var remainder = body
        let stagesValue = remainder.removeValue(forKey: "stages")
        var changes = RecordChanges()
        do {
            changes = try RecordInput.parse(remainder, schema: schema, mode: creating ? .create : .patch)
        } catch {
            if case .validation(let found) = error { issues += found }
        }
        var stages: [PipelineStage]?
        if let stagesValue {
            stages = parseStages(stagesValue, issues: &issues)
        } else if creating {
            issues.append(FieldIssue("stages", "required", "stages is required"))
        }
        if !issues.isEmpty { throw .validation(issues) }
        return (changes, stages)
    }

    /// The stages, or nil with every issue of every stage added to `found` (a client fixing a
    /// pipeline hears of all its bad stages at once, as of a record's fields).
    static func parseStages(_ value: JSONValue, issues found: inout [FieldIssue]) -> [PipelineStage]? {
        guard let array = value.arrayValue, (1...50).contains(array.count) else {
            found.append(FieldIssue("stages", "invalid_type", "an array of 1 to 50 stages"))
            return nil
        }
        var stages: [PipelineStage] = []
        var issues: [FieldIssue] = []
        var keys: Set<String> = []
        for (index, element) in array.enumerated() {
            let path = "stages[\(index)]"
            guard let object = element.objectValue else {
                issues.append(FieldIssue(path, "invalid_type", "a stage is an object"))
                continue
            }
            let before = issues.count
            for key in object.keys.sorted() where !["key", "name", "probability", "closed", "won"].contains(key) {
                issues.append(FieldIssue("\(path).\(key)", "unknown_field", "no such field"))
            }
            let key = object["key"]?.stringValue
            if let key, !key.isEmpty, key.count <= 50,
                key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
            {
                if !keys.insert(key).inserted { issues.append(FieldIssue("\(path).key", "duplicate", "stage keys are unique")) }
            } else {
                issues.append(FieldIssue("\(path).key", "invalid_format", "1-50 characters of a-z, 0-9 and _"))
            }
            let name = object["name"]?.stringValue?.trimmingWhitespace()
            if let name, !name.isEmpty, name.count <= 100 {
                if let problem = TextRules.problem(in: name) { issues.append(FieldIssue("\(path).name", "invalid_characters", problem)) }
            } else {
                issues.append(FieldIssue("\(path).name", "required", "a non-empty name"))
            }
            let probability = object["probability"]?.intValue
            if probability.map({ !(0...100).contains($0) }) ?? true {
                issues.append(FieldIssue("\(path).probability", "out_of_range", "an integer from 0 to 100"))
            }
            for flag in ["closed", "won"] where object[flag].map({ $0.boolValue == nil }) ?? false {
                issues.append(FieldIssue("\(path).\(flag)", "invalid_type", "must be true or false"))
            }
            let closed = object["closed"]?.boolValue ?? false
            let won = object["won"]?.boolValue ?? false
            if won && !closed { issues.append(FieldIssue("\(path).won", "invalid", "a won stage is closed")) }
            guard issues.count == before, let key, let name, let probability else { continue }
            stages.append(PipelineStage(key: key, name: name, probability: probability, closed: closed, won: won))
        }
        if issues.isEmpty, !stages.contains(where: { !$0.closed }) {
            issues.append(FieldIssue("stages", "invalid", "at least one open stage"))
        }
        found += issues
        return issues.isEmpty ? stages : nil
    }

    /// The shared write flow over the pipeline store and renderer.
    var flow: WriteFlow {
        let store = self.store
        let pipelines = self
        return WriteFlow(schema: Self.schema, find: { try store.find($0, id: $1, includeDeleted: $2) }, render: { pipelines.json($1) })
    }

    /// The live pipeline, rendered.
    public func record(_ connection: StoreConnection, id: Int64) throws -> StoredRecord? {
        try store.find(connection, id: id).map { StoredRecord(row: $0, json: json($0)) }
    }

    public func create(_ connection: StoreConnection, _ changes: RecordChanges, stages: [PipelineStage], actor: Int64?, now: Timestamp)
        throws
        -> StoredRecord
    {
        try flow.create(connection, actor: actor, now: now) {
            var values = RecordService.values(changes)
            let makeDefault = values["is_default"] == .integer(1)
            if makeDefault { try demoteDefault(connection, except: nil, actor: actor, now: now) }
            values["is_default"] = .integer(makeDefault ? 1 : 0)
            return try store.insert(
                connection, values: values, extra: ["stages": .text(JSONValue.array(stages.map(\.json)).jsonString)], now: now)
        }
    }

    /// Takes the default flag from the pipeline that holds it (unless that is `except`). Losing the
    /// flag changes that pipeline's representation, so it is a write of its own through the flow —
    /// version + 1, `updated_at`, a `pipeline.updated` feed entry and an audit entry — or its ETag
    /// would answer a stale `304` and sync clients would miss the change. It runs before the new
    /// default is written, because the unique index allows one flagged pipeline at a time.
    func demoteDefault(_ connection: StoreConnection, except id: Int64?, actor: Int64?, now: Timestamp) throws {
        for other in try PipelineStore.defaultIDs(connection, except: id) {
            // Pipelines have no delete, so the flagged one is live.
            guard let before = try store.find(connection, id: other) else { continue }
            _ = try flow.update(connection, before: before, actor: actor, now: now) {
                try store.update(connection, id: other, values: ["is_default": .integer(0)], now: now)
                return true
            }
        }
    }

    /// The most live opportunities one pipeline write may close, reopen or make won or not won:
    /// each is a record write (about 0.4 ms), all in the writer's one transaction.
    public static let maximumRestaged = 10_000

    /// - Parameter opportunities: the opportunities' service: a stage turned closed, open, won or
    ///   not won changes the opportunities standing in it, each written as a record (version,
    ///   `closed_at`, change-feed and audit entries) and its customer's lifecycle with it.
    public func update(
        _ connection: StoreConnection, id: Int64, _ changes: RecordChanges, stages: [PipelineStage]?, ifMatch: VersionCondition?,
        opportunities: RecordService, actor: Int64?, now: Timestamp
    ) throws -> StoredRecord {
        let before = try flow.current(connection, id: id, ifMatch: ifMatch)
        var restaged: [Int64] = []
        return try flow.update(connection, before: before, actor: actor, now: now) {
            var values = RecordService.values(changes)
            let stagesJSON = stages.map { SQLValue.text(JSONValue.array($0.map(\.json)).jsonString) }
            // A patch that changes nothing writes nothing: version, feed and audit stay as they are.
            let fieldsUnchanged = Self.schema.fields.allSatisfy { field in values[field.name].map { $0 == before[field.column] } ?? true }
            if fieldsUnchanged && stagesJSON.map({ $0 == before["stages"] }) ?? true { return false }
            if let flag = values["is_default"] {
                if flag == .integer(1) {
                    try demoteDefault(connection, except: id, actor: actor, now: now)
                } else if before.bool("is_default") == true {
                    throw CRMError.conflict(
                        "one pipeline is always the default: make another one the default instead",
                        [
                            FieldIssue("is_default", "invalid_state", "the default pipeline cannot be unset directly")
                        ])
                }
            }
            if values["is_default"] == .null { values["is_default"] = nil }
            var extra: [String: SQLValue] = [:]
            if let stages {
                let keys = Set(stages.map(\.key))
                let used = try PipelineStore.stagesInUse(connection, pipelineID: id)
                let orphaned = used.filter { !keys.contains($0) }.sorted()
                if !orphaned.isEmpty {
                    throw CRMError.conflict(
                        "opportunities stand in stages this change removes",
                        [
                            FieldIssue("stages", "in_use", "stages in use: \(orphaned.joined(separator: ", "))")
                        ])
                }
                extra["stages"] = stagesJSON
                restaged = try stages.flatMap { try PipelineStore.opportunitiesToRestage(connection, pipelineID: id, stage: $0) }
                if restaged.count > Self.maximumRestaged {
                    throw CRMError.conflict(
                        "\(restaged.count) live opportunities stand in the stages this change closes, opens or makes won or not won",
                        [
                            FieldIssue(
                                "stages", "too_many_opportunities",
                                "at most \(Self.maximumRestaged) opportunities change with one pipeline write: move some to another stage first"
                            )
                        ])
                }
            }
            try store.update(connection, id: id, values: values, extra: extra, now: now)
            return true
        } derive: { _, _ in
            guard let stages else { return }
            // Open/closed follows the stage definition, now stored: the live opportunities as
            // records (after the pipeline's own change in the feed), then the deleted ones.
            var restage = try opportunities.parse([:], mode: .patch)
            restage.flags[OpportunitySchema.restageKey] = .integer(1)
            for opportunity in restaged {
                _ = try opportunities.updateRecord(connection, id: opportunity, restage, ifMatch: nil, actor: actor, now: now)
            }
            for stage in stages { try PipelineStore.applyStageFlags(connection, pipelineID: id, stage: stage) }
            // The funnel's "went on to a later stage" and "won" follow the stages' order and flags.
            try FunnelRollupStore.rebuild(connection, pipelineID: id)
        }
    }
}
