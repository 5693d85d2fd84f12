import JSON
import SQLite

/// Reads `feedback_rollup` (migration 0019): live feedback counted per creation day, kind and
/// score, kept by triggers on every feedback write.
enum FeedbackReportStore {
    /// `(month, kind, score, count)` per distinct combination created from `fromDay` to `toDay`
    /// (`YYYY-MM-DD`, both inclusive; nil for open ends).
    static func forEachGroup(
        _ connection: StoreConnection, fromDay: String?, toDay: String?, _ body: (String, String, Int64?, Int64) throws -> Void
    ) throws {
        try connection.forEachRowView(
            """
            SELECT substr(created_on, 1, 7), kind, score, sum(count) FROM feedback_rollup
            WHERE created_on >= ? AND created_on <= ?
            GROUP BY 1, 2, 3 HAVING sum(count) > 0
            """, [.text(fromDay ?? "0000-01-01"), .text(toDay ?? "9999-12-31")]
        ) { row in
            func text(_ index: Int) -> String { row.withUTF8(at: index) { String(decoding: $0, as: UTF8.self) } ?? "" }
            // -1 stands for no score (the rollup's key cannot hold NULL).
            let score = row.int64(at: 2).flatMap { $0 < 0 ? nil : $0 }
            try body(text(0), text(1), score, row.int64(at: 3) ?? 0)
            return true
        }
    }
}
