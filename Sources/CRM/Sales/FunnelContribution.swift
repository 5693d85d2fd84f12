/// What one live opportunity adds to the funnel rollup of its pipeline and creation day, per
/// stage it entered or stands in. A pure function of the opportunity, its stage history and the
/// pipeline's stages, so a write can take the old contribution away and add the new one.
struct FunnelContribution: Equatable {
    struct Counts: Equatable {
        /// 1 when the opportunity entered the stage (however often).
        var entered: Int64 = 0
        /// 1 when, after first entering the stage, it entered a later stage of the pipeline
        /// that is not a lost one.
        var converted: Int64 = 0
        /// 1 when it entered the stage and is won now.
        var won: Int64 = 0
        /// 1 when it stands in the stage now.
        var current: Int64 = 0
        /// Its completed stays in the stage (entered, then left), and their total length.
        var stayMilliseconds: Int64 = 0
        var stays: Int64 = 0
    }

    struct Entry {
        let stage: String
        let at: Timestamp
    }

    let pipelineID: Int64
    /// `YYYY-MM-DD` of the opportunity's creation.
    let createdOn: String
    var stages: [String: Counts] = [:]

    /// - Parameters:
    ///   - history: the opportunity's stage entries, oldest first.
    ///   - order: the pipeline's stages, in order.
    init(pipelineID: Int64, createdAt: String, currentStage: String, isWon: Bool, history: [Entry], order: [PipelineStage]) {
        self.pipelineID = pipelineID
        createdOn = String(createdAt.prefix(10))
        var position: [String: Int] = [:]
        for (index, stage) in order.enumerated() where !stage.isLost { position[stage.key] = index }
        // The furthest non-lost position reached after each entry, scanning from the newest.
        var furthestAfter = [Int](repeating: -1, count: history.count)
        var furthest = -1
        for index in history.indices.reversed() {
            furthestAfter[index] = furthest
            if let reached = position[history[index].stage] { furthest = max(furthest, reached) }
        }
        for (index, entry) in history.enumerated() {
            var counts = stages[entry.stage] ?? Counts()
            if counts.entered == 0 {
                counts.entered = 1
                counts.won = isWon ? 1 : 0
                if let own = position[entry.stage], furthestAfter[index] > own { counts.converted = 1 }
            }
            if index + 1 < history.count {
                counts.stayMilliseconds += history[index + 1].at.milliseconds(since: entry.at)
                counts.stays += 1
            }
            stages[entry.stage] = counts
        }
        stages[currentStage, default: Counts()].current = 1
    }
}
