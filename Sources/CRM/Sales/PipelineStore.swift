import SQLite

/// What pipelines keep beyond the shared record columns: the one default pipeline, and the
/// opportunities that stand in a pipeline's stages.
enum PipelineStore {
    static func defaultID(_ connection: StoreConnection) throws -> Int64? {
        try connection.queryOne("SELECT id FROM pipelines WHERE is_default = 1 AND deleted_at IS NULL")?.int64(0)
    }

    /// Takes the default flag from every pipeline but `except`.
    static func clearDefault(_ connection: StoreConnection, except id: Int64? = nil) throws {
        try connection.run("UPDATE pipelines SET is_default = 0 WHERE is_default = 1 AND id != ?", [.integer(id ?? 0)])
    }

    /// The stages live opportunities of the pipeline stand in.
    static func stagesInUse(_ connection: StoreConnection, pipelineID: Int64) throws -> [String] {
        try connection.query(
            "SELECT DISTINCT stage FROM opportunities WHERE pipeline_id = ? AND deleted_at IS NULL", [.integer(pipelineID)]
        ).compactMap { $0.string(0) }
    }

    /// Makes the open/closed/won flags of the pipeline's opportunities in `stage` follow its
    /// definition.
    static func applyStageFlags(_ connection: StoreConnection, pipelineID: Int64, stage: PipelineStage) throws {
        let closed: SQLValue = .integer(stage.closed ? 1 : 0)
        let won: SQLValue = .integer(stage.won ? 1 : 0)
        try connection.run(
            "UPDATE opportunities SET is_closed = ?, is_won = ? WHERE pipeline_id = ? AND stage = ? AND (is_closed != ? OR is_won != ?)",
            [closed, won, .integer(pipelineID), .text(stage.key), closed, won])
    }
}
