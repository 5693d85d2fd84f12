import SQLite

/// The `funnel_rollup` table (migration 0016): per pipeline, creation day and stage, the sums of
/// the live opportunities' ``FunnelContribution``s.
enum FunnelRollupStore {
    /// An opportunity's stage entries, oldest first.
    static func history(_ connection: StoreConnection, opportunityID: Int64) throws -> [FunnelContribution.Entry] {
        try connection.query(
            "SELECT to_stage, changed_at FROM opportunity_stage_history WHERE opportunity_id = ? ORDER BY id",
            [.integer(opportunityID)]
        ).compactMap { row in
            guard let stage = row.string(0), let at = row.string(1).flatMap(Timestamp.init(rfc3339:)) else { return nil }
            return FunnelContribution.Entry(stage: stage, at: at)
        }
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) a contribution.
    static func apply(_ connection: StoreConnection, _ contribution: FunnelContribution, sign: Int64) throws {
        for (stage, counts) in contribution.stages {
            try connection.run(
                """
                INSERT INTO funnel_rollup (pipeline_id, created_on, stage, entered, converted, won, current, stay_ms, stays)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (pipeline_id, created_on, stage) DO UPDATE SET
                    entered = funnel_rollup.entered + excluded.entered, converted = funnel_rollup.converted + excluded.converted,
                    won = funnel_rollup.won + excluded.won, current = funnel_rollup.current + excluded.current,
                    stay_ms = funnel_rollup.stay_ms + excluded.stay_ms, stays = funnel_rollup.stays + excluded.stays
                """,
                [
                    .integer(contribution.pipelineID), .text(contribution.createdOn), .text(stage), .integer(sign * counts.entered),
                    .integer(sign * counts.converted), .integer(sign * counts.won), .integer(sign * counts.current),
                    .integer(sign * counts.stayMilliseconds), .integer(sign * counts.stays),
                ])
        }
    }

    /// Recomputes the rollup of one pipeline (nil: of every pipeline) from the opportunities and
    /// their history: after a pipeline's stages change (order, won and lost flags) and when the
    /// table is first built. One pass over the opportunities in id order with their history.
    static func rebuild(_ connection: StoreConnection, pipelineID: Int64?) throws {
        var orders: [Int64: [PipelineStage]] = [:]
        for row in try connection.query("SELECT id, name, stages, is_default FROM pipelines") {
            if let id = row.int64("id") { orders[id] = PipelineService.stages(row) }
        }
        try connection.run(
            "DELETE FROM funnel_rollup WHERE CAST(? AS BIGINT) IS NULL OR pipeline_id = ?",
            [pipelineID.map(SQLValue.integer) ?? .null, pipelineID.map(SQLValue.integer) ?? .null])
        var totals: [String: (pipelineID: Int64, createdOn: String, stage: String, counts: FunnelContribution.Counts)] = [:]
        func add(_ contribution: FunnelContribution) {
            for (stage, counts) in contribution.stages {
                let key = "\(contribution.pipelineID)|\(contribution.createdOn)|\(stage)"
                var total = totals[key] ?? (contribution.pipelineID, contribution.createdOn, stage, FunnelContribution.Counts())
                total.counts.entered += counts.entered
                total.counts.converted += counts.converted
                total.counts.won += counts.won
                total.counts.current += counts.current
                total.counts.stayMilliseconds += counts.stayMilliseconds
                total.counts.stays += counts.stays
                totals[key] = total
            }
        }
        var current: (id: Int64, pipelineID: Int64, createdAt: String, stage: String, isWon: Bool)?
        var history: [FunnelContribution.Entry] = []
        func flush() {
            guard let opportunity = current else { return }
            add(
                FunnelContribution(
                    pipelineID: opportunity.pipelineID, createdAt: opportunity.createdAt, currentStage: opportunity.stage,
                    isWon: opportunity.isWon, history: history, order: orders[opportunity.pipelineID] ?? []))
        }
        for row in try connection.query(
            """
            SELECT o.id, o.pipeline_id, o.created_at, o.stage, o.is_won, h.to_stage, h.changed_at
            FROM opportunities o LEFT JOIN opportunity_stage_history h ON h.opportunity_id = o.id
            WHERE o.deleted_at IS NULL AND (CAST(?1 AS BIGINT) IS NULL OR o.pipeline_id = ?1)
            ORDER BY o.id, h.id
            """, [pipelineID.map(SQLValue.integer) ?? .null])
        {
            guard let id = row.int64(0), let pipeline = row.int64(1) else { continue }
            if current?.id != id {
                flush()
                current = (id, pipeline, row.string(2) ?? "", row.string(3) ?? "", row.int64(4) == 1)
                history.removeAll(keepingCapacity: true)
            }
            if let stage = row.string(5), let at = row.string(6).flatMap(Timestamp.init(rfc3339:)) {
                history.append(FunnelContribution.Entry(stage: stage, at: at))
            }
        }
        flush()
        for total in totals.values {
            let counts = total.counts
            try connection.run(
                "INSERT INTO funnel_rollup (pipeline_id, created_on, stage, entered, converted, won, current, stay_ms, stays) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .integer(total.pipelineID), .text(total.createdOn), .text(total.stage), .integer(counts.entered),
                    .integer(counts.converted), .integer(counts.won), .integer(counts.current), .integer(counts.stayMilliseconds),
                    .integer(counts.stays),
                ])
        }
    }

    /// The pipeline's sums per stage over opportunities created from `fromDay` to `toDay`
    /// (`YYYY-MM-DD`, both inclusive).
    static func sums(_ connection: StoreConnection, pipelineID: Int64, fromDay: String, toDay: String) throws -> [String: FunnelContribution
        .Counts]
    {
        var sums: [String: FunnelContribution.Counts] = [:]
        for row in try connection.query(
            """
            SELECT stage, sum(entered), sum(converted), sum(won), sum(current), sum(stay_ms), sum(stays) FROM funnel_rollup
            WHERE pipeline_id = ? AND created_on >= ? AND created_on <= ? GROUP BY stage
            """, [.integer(pipelineID), .text(fromDay), .text(toDay)])
        {
            guard let stage = row.string(0) else { continue }
            sums[stage] = FunnelContribution.Counts(
                entered: row.int64(1) ?? 0, converted: row.int64(2) ?? 0, won: row.int64(3) ?? 0, current: row.int64(4) ?? 0,
                stayMilliseconds: row.int64(5) ?? 0, stays: row.int64(6) ?? 0)
        }
        return sums
    }

    /// Builds the derived tables `pending_rebuilds` names, each in the transaction that removes
    /// its name, so a crash part-way builds it again at the next open.
    static func rebuildPending(_ connection: StoreConnection) throws {
        try connection.transaction {
            guard try connection.queryOne("SELECT 1 FROM pending_rebuilds WHERE name = 'funnel_rollup'") != nil else { return }
            try rebuild(connection, pipelineID: nil)
            try connection.run("DELETE FROM pending_rebuilds WHERE name = 'funnel_rollup'")
        }
    }
}
