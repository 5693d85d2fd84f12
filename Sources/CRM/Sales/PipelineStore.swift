import SQLite

/// What pipelines keep beyond the shared record columns: the one default pipeline, and the
/// opportunities that stand in a pipeline's stages.
enum PipelineStore {
    static func defaultID(_ connection: StoreConnection) throws -> Int64? {
        try connection.queryOne("SELECT id FROM pipelines WHERE is_default = 1 AND deleted_at IS NULL")?.int64(0)
    }

    /// The pipelines but `except` that hold the default flag (at most one: a unique index keeps it
    /// so), for the service to demote each through the write flow.
    static func defaultIDs(_ connection: StoreConnection, except id: Int64? = nil) throws -> [Int64] {
        try connection.query("SELECT id FROM pipelines WHERE is_default = 1 AND id != ? ORDER BY id", [.integer(id ?? 0)])
            .compactMap { $0.int64(0) }
    }

    /// The stages live opportunities of the pipeline stand in.
    static func stagesInUse(_ connection: StoreConnection, pipelineID: Int64) throws -> [String] {
        try connection.query(
            "SELECT DISTINCT stage FROM opportunities WHERE pipeline_id = ? AND deleted_at IS NULL", [.integer(pipelineID)]
        ).compactMap { $0.string(0) }
    }

    /// The live opportunities of the pipeline in `stage` whose open/closed/won flags differ from
    /// its definition, in id order.
    static func opportunitiesToRestage(_ connection: StoreConnection, pipelineID: Int64, stage: PipelineStage) throws -> [Int64] {
        let closed: SQLValue = .integer(stage.closed ? 1 : 0)
        let won: SQLValue = .integer(stage.won ? 1 : 0)
        return try connection.query(
            """
            SELECT id FROM opportunities
            WHERE pipeline_id = ? AND stage = ? AND deleted_at IS NULL AND (is_closed != ? OR is_won != ?) ORDER BY id
            """,
            [.integer(pipelineID), .text(stage.key), closed, won]
        ).compactMap { $0.int64(0) }
    }

    /// Makes the open/closed/won flags of the pipeline's opportunities in `stage` follow its
    /// definition: what is left for the deleted ones once the live ones were written as records.
    static func applyStageFlags(_ connection: StoreConnection, pipelineID: Int64, stage: PipelineStage) throws {
        let closed: SQLValue = .integer(stage.closed ? 1 : 0)
        let won: SQLValue = .integer(stage.won ? 1 : 0)
        try connection.run(
            "UPDATE opportunities SET is_closed = ?, is_won = ? WHERE pipeline_id = ? AND stage = ? AND (is_closed != ? OR is_won != ?)",
            [closed, won, .integer(pipelineID), .text(stage.key), closed, won])
    }
}
