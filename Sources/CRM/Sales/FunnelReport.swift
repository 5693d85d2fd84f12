import JSON
import SQLite

/// `GET /v1/analytics/funnel` (API.md §3): a pipeline's stages in order, each
/// `{key, name, entered, current, conversion_rate, win_rate, avg_days_in_stage}`, over the live
/// opportunities created in the window (all of them without one):
/// - `entered`: how many entered the stage (their history holds it); `current`: how many stand
///   in it now;
/// - `conversion_rate`: % of those that entered it that went on to a later stage that is not a
///   lost one (`null` for closed stages, which lead nowhere, and when none entered);
/// - `win_rate`: % of those that entered it that are won now (`null` when none entered);
/// - `avg_days_in_stage`: the mean length of the completed stays in the stage, from entering it
///   to leaving it, in days (`null` when no stay has ended).
/// Read from the funnel rollup that every opportunity write keeps (``FunnelRollupStore``).
public enum FunnelReport {
    /// Nil when there is no live pipeline `pipelineID`.
    public static func render(_ connection: StoreConnection, pipelineID: Int64?, from: CalendarDate?, to: CalendarDate?) throws -> [UInt8]?
    {
        let pipelines = PipelineService()
        let id = try pipelineID ?? pipelines.defaultPipelineID(connection)
        guard let stages = try pipelines.stages(connection, pipelineID: id) else { return nil }
        let sums = try FunnelRollupStore.sums(
            connection, pipelineID: id, fromDay: from?.description ?? "0000-01-01", toDay: to?.description ?? "9999-12-31")
        func rate(_ part: Int64, of whole: Int64) -> JSONValue { whole == 0 ? .null : .double(Double(part) * 100 / Double(whole)) }
        var writer = JSONWriter(capacity: 1024)
        writer.beginObject()
        writer.key("pipeline_id")
        writer.int(id)
        writer.key("stages")
        writer.beginArray()
        for stage in stages {
            let counts = sums[stage.key] ?? FunnelContribution.Counts()
            writer.beginObject()
            writer.key("key")
            writer.string(stage.key)
            writer.key("name")
            writer.string(stage.name)
            writer.key("entered")
            writer.int(counts.entered)
            writer.key("current")
            writer.int(counts.current)
            writer.key("conversion_rate")
            writer.value(stage.closed ? .null : rate(counts.converted, of: counts.entered))
            writer.key("win_rate")
            writer.value(rate(counts.won, of: counts.entered))
            writer.key("avg_days_in_stage")
            writer.value(counts.stays == 0 ? .null : .double(Double(counts.stayMilliseconds) / Double(counts.stays) / 86_400_000))
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}
