import JSON
import SQLite

/// Opportunities (API.md §2): stage rules, probability defaults, stage history.
///
/// - A new opportunity goes to its pipeline's default (the default pipeline) and first stage,
///   with the stage's probability unless one is given, and the base currency.
/// - Moving to a lost stage (closed, not won) needs a `lost_reason`.
/// - A closed opportunity changes stage only with `reopen: true` (otherwise `409`); reopening
///   without a stage goes back to the stage it was closed from, and clears `lost_reason`.
/// - Every stage change (creation included) is a history entry, an `opportunity.stage_changed`
///   feed entry, and refreshes the customer's lifecycle (an open opportunity makes a prospect).
public enum OpportunitySchema {
    public static let schema = RecordSchema(
        recordType: "opportunity", table: "opportunities",
        fields: [
            FieldDefinition("customer_id", .reference(table: "customers"), required: true),
            FieldDefinition("name", .text(maxLength: 200), required: true, sortable: true),
            FieldDefinition("pipeline_id", .reference(table: "pipelines")),
            FieldDefinition("stage", .text(maxLength: 50)),
            FieldDefinition("amount", .integer(minimum: 0, maximum: 1_000_000_000_000_000), sortable: true),
            FieldDefinition("currency", .currency),
            FieldDefinition("probability", .integer(minimum: 0, maximum: 100)),
            FieldDefinition("expected_close_date", .date, sortable: true),
            FieldDefinition("owner", .text(maxLength: 200)),
            FieldDefinition("source", .text(maxLength: 100)),
            FieldDefinition("lost_reason", .text(maxLength: 1000)),
            FieldDefinition("closed_at", .timestamp, writable: false),
            FieldDefinition("stage_entered_at", .timestamp, writable: false),
        ])

    public static let listFields = RecordStore.listFields(schema)

    /// Internal key carrying `reopen: true` from the request to the rules.
    public static let reopenKey = "__reopen"
    /// Internal key of a pipeline change that turned the opportunity's stage closed, open, won
    /// or not won: its flags and `closed_at` follow the stage it stands in (``PipelineService``).
    static let restageKey = "__restage"
}

public enum OpportunityService {
    public static func make(settings: CRMSettings, customers: CustomerService, pipelines: PipelineService = PipelineService())
        -> RecordService
    {
        let schema = OpportunitySchema.schema
        return RecordService(
            schema: schema, searchColumn: "name",
            takeFlags: { body throws(CRMError) in
                guard let reopen = body.removeValue(forKey: "reopen") else { return [:] }
                guard let flag = reopen.boolValue else {
                    throw .validation([FieldIssue("reopen", "invalid_type", "must be true or false")])
                }
                return flag ? [OpportunitySchema.reopenKey: .integer(1)] : [:]
            },
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, extra, before, now in
                    try CustomerLinks.refuseMove(connection, table: schema.table, values, before: before)
                    try applyStageRules(connection, &values, &extra, before: before, settings: settings, pipelines: pipelines, now: now)
                    try ForecastLimit.check(connection, values, extra, before: before, baseCurrency: settings.baseCurrency)
                },
                afterWrite: { connection, before, after, actor, now in
                    // The funnel changes with the stage, the pipeline, the won flag and deletion; the
                    // old contribution is taken away before this write's history entry is added.
                    let funnelChanged =
                        before == nil || before?.string("stage") != after.string("stage")
                        || before?.int64("pipeline_id") != after.int64("pipeline_id")
                        || before?.int64("is_won") != after.int64("is_won") || before?.string("deleted_at") != after.string("deleted_at")
                    if funnelChanged, let before, before.string("deleted_at") == nil {
                        try FunnelRollupStore.apply(connection, try funnelContribution(connection, before, pipelines: pipelines), sign: -1)
                    }
                    if let before, let id = after.int64("id"), let customer = after.int64("customer_id"),
                        before.int64("customer_id") != customer
                    {
                        try OpportunityHistoryStore.reassign(connection, opportunityID: id, to: customer)
                    }
                    let stageChanged =
                        before == nil || before?.string("stage") != after.string("stage")
                        || before?.int64("pipeline_id") != after.int64("pipeline_id")
                    if stageChanged && after.string("deleted_at") == nil, let id = after.int64("id"),
                        let customer = after.int64("customer_id")
                    {
                        try OpportunityHistoryStore.insert(
                            connection, opportunityID: id, customerID: customer, from: before?["stage"] ?? .null, to: after["stage"],
                            actor: actor, now: now)
                        // The first stage is part of the creation (its history's first entry), not a
                        // change: the feed announces it as opportunity.created only, so a consumer
                        // never hears of a stage change of an opportunity it has not seen yet.
                        if before != nil {
                            var writer = JSONWriter()
                            RecordRenderer.writeRecord(schema, after, into: &writer)
                            try ChangeLog.recordEvent(
                                connection, type: "opportunity.stage_changed", recordType: "opportunity", id: id, data: writer.bytes,
                                now: now)
                        }
                    }
                    if funnelChanged && after.string("deleted_at") == nil {
                        try FunnelRollupStore.apply(connection, try funnelContribution(connection, after, pipelines: pipelines), sign: 1)
                    }
                    try SalesServices.refreshCustomers(connection, before, after, settings: settings, customers: customers, now: now)
                }))
    }

    /// What the opportunity in `row` adds to the funnel rollup, given its history as it stands.
    static func funnelContribution(_ connection: StoreConnection, _ row: Row, pipelines: PipelineService) throws -> FunnelContribution {
        let pipelineID = row.int64("pipeline_id") ?? 0
        return FunnelContribution(
            pipelineID: pipelineID, createdAt: row.string("created_at") ?? "", currentStage: row.string("stage") ?? "",
            isWon: row.int64("is_won") == 1, history: try FunnelRollupStore.history(connection, opportunityID: row.int64("id") ?? 0),
            order: try pipelines.stages(connection, pipelineID: pipelineID) ?? [])
    }

    static func applyStageRules(
        _ connection: StoreConnection, _ values: inout [String: SQLValue], _ extra: inout [String: SQLValue], before: Row?,
        settings: CRMSettings,
        pipelines: PipelineService, now: Timestamp
    ) throws {
        let reopen = values.removeValue(forKey: OpportunitySchema.reopenKey) == .integer(1)
        let restage = values.removeValue(forKey: OpportunitySchema.restageKey) == .integer(1)
        var pipelineID: Int64
        if case .integer(let id)? = values["pipeline_id"] {
            pipelineID = id
        } else if let existing = before?.int64("pipeline_id") {
            pipelineID = existing
        } else {
            pipelineID = try pipelines.defaultPipelineID(connection)
        }
        values["pipeline_id"] = .integer(pipelineID)
        guard let stages = try pipelines.stages(connection, pipelineID: pipelineID) else {
            throw CRMError.validation([FieldIssue("pipeline_id", "not_found", "no live pipeline \(pipelineID)")])
        }
        let wasClosed = before?.bool("is_closed") ?? false
        let pipelineChanged = before != nil && before?.int64("pipeline_id") != pipelineID
        var stageKey: String
        if case .text(let key)? = values["stage"] {
            stageKey = key
        } else if let before, !pipelineChanged, let current = before.string("stage") {
            stageKey = current
            if wasClosed && reopen, let id = before.int64("id") {
                stageKey = try reopeningStage(connection, opportunityID: id, closedStage: current, stages: stages) ?? current
            }
        } else {
            guard let first = stages.first else {
                throw CRMError.validation([FieldIssue("stage", "invalid", "the pipeline has no stages")])
            }
            stageKey = first.key
        }
        guard let stage = stages.first(where: { $0.key == stageKey }) else {
            throw CRMError.validation([
                FieldIssue("stage", "invalid_enum", "one of \(stages.map(\.key).joined(separator: ", ")) in pipeline \(pipelineID)")
            ])
        }
        let stageChanged = before == nil || before?.string("stage") != stage.key || pipelineChanged
        if let before, wasClosed, stageChanged {
            guard reopen else {
                throw CRMError.conflict(
                    "a closed opportunity changes stage only with reopen: true",
                    [
                        FieldIssue("stage", "invalid_transition", "\(before.string("stage") ?? "") is closed; send reopen: true to move it")
                    ])
            }
            if stage.closed {
                throw CRMError.validation([FieldIssue("stage", "invalid_transition", "reopening moves to an open stage")])
            }
            // An open opportunity has not been lost: the old reason would only mislead reports.
            if values["lost_reason"] == nil { values["lost_reason"] = .null }
        }
        values["stage"] = .text(stage.key)
        if stageChanged {
            extra["stage_entered_at"] = .text(now.rfc3339)
            extra["is_closed"] = .integer(stage.closed ? 1 : 0)
            extra["is_won"] = .integer(stage.won ? 1 : 0)
            extra["closed_at"] = stage.closed ? .text(now.rfc3339) : .null
            if values["probability"] == nil || values["probability"] == .null { values["probability"] = .integer(stage.probability) }
        } else if restage, let before {
            // The stage it stands in was redefined: it is closed, reopened or won where it stands,
            // without a move (no history entry, no stage_entered_at, no lost_reason asked for).
            if before.bool("is_closed") != stage.closed || before.bool("is_won") != stage.won {
                extra["is_closed"] = .integer(stage.closed ? 1 : 0)
                extra["is_won"] = .integer(stage.won ? 1 : 0)
            }
            if before.bool("is_closed") != stage.closed { extra["closed_at"] = stage.closed ? .text(now.rfc3339) : .null }
            return
        }
        if before == nil && (values["currency"] == nil || values["currency"] == .null) { values["currency"] = .text(settings.baseCurrency) }
        if values["currency"] == .null { values["currency"] = .text(before?.string("currency") ?? settings.baseCurrency) }
        if stage.isLost {
            let reason: SQLValue = values["lost_reason"] ?? before?["lost_reason"] ?? .null
            if case .text(let text) = reason, !text.isEmpty {
            } else {
                throw CRMError.validation([
                    FieldIssue("lost_reason", "required", "lost_reason is required to move to the lost stage \(stage.key)")
                ])
            }
        }
    }

    /// Where `reopen: true` without a `stage` goes: back to the stage the opportunity was closed
    /// from (the `from_stage` of the history entry that moved it into `closedStage`), so a deal
    /// closed by mistake or revived later resumes where it stood. The pipeline's first open stage
    /// when there is no such stage to go back to: the opportunity was created closed, or that
    /// stage has since left the pipeline or become a closed one.
    static func reopeningStage(_ connection: StoreConnection, opportunityID: Int64, closedStage: String, stages: [PipelineStage]) throws
        -> String?
    {
        let from = try OpportunityHistoryStore.stageBefore(connection, opportunityID: opportunityID, enteredStage: closedStage)
        if let from, stages.contains(where: { $0.key == from && !$0.closed }) { return from }
        return stages.first(where: { !$0.closed })?.key
    }

    /// `GET /v1/opportunities/{id}/history`: a page of entries after `afterID`, oldest first,
    /// rendered `{id, from_stage, to_stage, changed_at, key_id}`; nil when there is no such
    /// opportunity.
    public static func historyPage(_ connection: StoreConnection, opportunityID: Int64, afterID: Int64, limit: Int) throws
        -> [RenderedEntry]?
    {
        guard try RecordStore.exists(connection, table: OpportunitySchema.schema.table, id: opportunityID) else { return nil }
        return try OpportunityHistoryStore.list(connection, opportunityID: opportunityID, afterID: afterID, limit: limit).map { row in
            var writer = JSONWriter(capacity: 160)
            writer.beginObject()
            writer.key("id")
            writer.int(row.int64("id") ?? 0)
            writer.key("from_stage")
            if let from = row.string("from_stage") { writer.string(from) } else { writer.null() }
            writer.key("to_stage")
            writer.string(row.string("to_stage") ?? "")
            writer.key("changed_at")
            writer.string(row.string("changed_at") ?? "")
            writer.key("key_id")
            if let key = row.int64("key_id") { writer.int(key) } else { writer.null() }
            writer.endObject()
            return RenderedEntry(id: row.int64("id") ?? 0, json: writer.bytes)
        }
    }
}
