import JSON
import SQLite

/// `GET /v1/analytics/customers` (API.md §3): live customers counted by lifecycle stage, tier,
/// source and industry, and the RFM grid (recency × frequency). Every known stage, tier and
/// source is present, with 0 when nobody has it; customers without a source or industry count
/// under `none`. Read from counts kept current by triggers in every customer write, so the
/// report costs the same at a million customers as at ten. With `accountID` it counts one
/// account: the company and its live contacts.
public enum CustomerReport {
    public static func render(_ connection: StoreConnection, accountID: Int64? = nil) throws -> [UInt8] {
        var total: Int64 = 0
        var stages: [String: Int64] = [:]
        var tiers: [String: Int64] = [:]
        var sources: [String: Int64] = [:]
        var industries: [String: Int64] = [:]
        var grid: [Int64: Int64] = [:]
        try CustomerReportStore.forEachGroup(connection, accountID: accountID) { row in
            let count = row.int64(at: 6) ?? 0
            func text(_ index: Int) -> String? { row.withUTF8(at: index) { String(decoding: $0, as: UTF8.self) } }
            total += count
            if let stage = text(0) { stages[stage, default: 0] += count }
            if let tier = text(1) { tiers[tier, default: 0] += count }
            sources[text(2) ?? "none", default: 0] += count
            industries[text(3) ?? "none", default: 0] += count
            if let r = row.int64(at: 4), let f = row.int64(at: 5) { grid[r * 10 + f, default: 0] += count }
        }
        var writer = JSONWriter(capacity: 2048)
        writer.beginObject()
        writer.key("total")
        writer.int(total)
        writer.counts("by_lifecycle_stage", stages, order: CustomerSchema.lifecycleStages)
        writer.counts("by_tier", tiers, order: CustomerSchema.tiers)
        writer.counts("by_source", sources, order: CustomerSchema.sources + ["none"])
        writer.counts("by_industry", industries, order: industries.keys.sorted())
        writer.key("rfm_grid")
        writer.beginArray()
        for r in Int64(1)...5 {
            for f in Int64(1)...5 {
                writer.beginObject()
                writer.key("r")
                writer.int(r)
                writer.key("f")
                writer.int(f)
                writer.key("count")
                writer.int(grid[r * 10 + f] ?? 0)
                writer.endObject()
            }
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}
