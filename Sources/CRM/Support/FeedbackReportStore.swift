import JSON
import SQLite

enum FeedbackReportStore {
    /// `(month, kind, score, count)` per distinct combination in the window.
    static func forEachGroup(
        _ connection: Connection, from: Timestamp?, to: Timestamp?, _ body: (String, String, Int64?, Int64) throws -> Void
    ) throws {
        try connection.forEachRowView(
            """
            SELECT substr(created_at, 1, 7), kind, score, count(*) FROM feedback
            WHERE deleted_at IS NULL AND created_at >= ? AND created_at < ?
            GROUP BY 1, 2, 3
            """, [.text((from ?? .earliest).rfc3339), .text((to ?? .latest).rfc3339)]
        ) { row in
            func text(_ index: Int) -> String { row.withUTF8(at: index) { String(decoding: $0, as: UTF8.self) } ?? "" }
            try body(text(0), text(1), row.int64(at: 2), row.int64(at: 3) ?? 0)
            return true
        }
    }
}
