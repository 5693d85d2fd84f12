import JSON
import SQLite

/// `GET /v1/analytics/feedback` (API.md §3) over the live feedback created from `from` to `to`:
/// NPS = % promoters (9–10) − % detractors (0–6) of the `nps` answers, CSAT = % of `csat`
/// answers scoring 4–5, CES = the average `ces` score (each `null` without answers), the number
/// of responses, counts by kind, and the same per month (`YYYY-MM`, UTC, oldest first).
public enum FeedbackReport {
    private struct Tally {
        var count: Int64 = 0
        var nps = (promoters: Int64(0), detractors: Int64(0), answers: Int64(0))
        var csat = (satisfied: Int64(0), answers: Int64(0))
        var ces = (sum: Int64(0), answers: Int64(0))

        mutating func add(kind: String, score: Int64?, count: Int64) {
            self.count += count
            guard let score else { return }
            switch kind {
            case "nps":
                nps.answers += count
                if score >= 9 { nps.promoters += count } else if score <= 6 { nps.detractors += count }
            case "csat":
                csat.answers += count
                if score >= 4 { csat.satisfied += count }
            case "ces":
                ces.answers += count
                ces.sum += score * count
            default: break
            }
        }

        var npsValue: JSONValue {
            nps.answers == 0 ? .null : .double(Double(nps.promoters - nps.detractors) * 100 / Double(nps.answers))
        }
        var csatValue: JSONValue { csat.answers == 0 ? .null : .double(Double(csat.satisfied) * 100 / Double(csat.answers)) }
        var cesValue: JSONValue { ces.answers == 0 ? .null : .double(Double(ces.sum) / Double(ces.answers)) }
    }

    /// - Parameters: from/to: the window of creation days (UTC), both inclusive; nil for open ends.
    public static func render(_ connection: StoreConnection, from: CalendarDate?, to: CalendarDate?) throws -> [UInt8] {
        var all = Tally()
        var byKind: [String: Int64] = [:]
        var months: [String: Tally] = [:]
        try FeedbackReportStore.forEachGroup(connection, fromDay: from?.description, toDay: to?.description) { month, kind, score, count in
            all.add(kind: kind, score: score, count: count)
            byKind[kind, default: 0] += count
            months[month, default: Tally()].add(kind: kind, score: score, count: count)
        }
        var writer = JSONWriter(capacity: 1024)
        writer.beginObject()
        writer.key("nps")
        writer.value(all.npsValue)
        writer.key("csat")
        writer.value(all.csatValue)
        writer.key("ces")
        writer.value(all.cesValue)
        writer.key("responses")
        writer.int(all.count)
        writer.counts("by_kind", byKind, order: FeedbackSchema.kinds)
        writer.key("by_month")
        writer.beginArray()
        for month in months.keys.sorted() {
            let tally = months[month] ?? Tally()
            writer.beginObject()
            writer.key("month")
            writer.string(month)
            writer.key("nps")
            writer.value(tally.npsValue)
            writer.key("csat")
            writer.value(tally.csatValue)
            writer.key("count")
            writer.int(tally.count)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}
