import Foundation
import SQLite
import XCTest

@testable import CRM

/// The report rollups' triggers (migrations 0018–0020): after any mix of inserts, updates of every
/// kept column, soft deletes, restores and hard deletes, each kept table equals the same numbers
/// recomputed from the rows, and the tickets report read from them equals the report computed
/// ticket by ticket.
final class ReportRollupTests: TemporaryDatabaseTestCase {
    /// Rows as `a|b|c` strings, for comparing two queries' answers.
    private static func rows(_ connection: StoreConnection, _ sql: String) throws -> [String] {
        try connection.query(sql).map { row in
            (0..<row.count).map { row.string($0) ?? row.int64($0).map(String.init) ?? "-" }.joined(separator: "|")
        }
    }

    private static func addCustomer(_ connection: StoreConnection) throws {
        try connection.run(
            """
            INSERT INTO customers (id, type, name, lifecycle_stage, tier, created_at, updated_at)
            VALUES (1, 'person', 'C', 'lead', 'standard', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
            """)
    }

    /// A few instants over a few days, so rows share days and compare equal to each other.
    private static func instant(_ random: inout SeedRandom) -> String {
        "2026-05-0\(random.int(1...4))T\(random.pick(["00", "06", "12", "18"])):\(random.pick(["00", "30"])):00.000Z"
    }

    private static func maybeInstant(_ random: inout SeedRandom) -> SQLValue {
        random.chance(30) ? .null : .text(instant(&random))
    }

    private static let deletedAt: SQLValue = .text("2026-06-01T00:00:00.000Z")

    func testForecastRollupFollowsEveryKindOfWrite() throws {
        let (kept, grouped) = try database.writeAndWait { connection -> ([String], [String]) in
            try Self.addCustomer(connection)
            var random = SeedRandom(seed: 18)
            let dates: [SQLValue] = [.null, .text("2026-05-30"), .text("2026-05-31"), .text("2026-06-01")]
            let amounts: [SQLValue] = [.null, .integer(0), .integer(1_000), .integer(12_345)]
            let probabilities: [SQLValue] = [.null, .integer(0), .integer(25), .integer(90)]
            let currencies: [SQLValue] = [.null, .text("CNY"), .text("USD")]
            for id in 1...60 {
                try connection.run(
                    """
                    INSERT INTO opportunities (id, customer_id, name, pipeline_id, stage, amount, probability, expected_close_date,
                        is_closed, stage_entered_at, created_at, updated_at, deleted_at, currency)
                    VALUES (?, 1, 'O', 1, 'qualification', ?, ?, ?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
                        '2026-01-01T00:00:00.000Z', ?, ?)
                    """,
                    [
                        .integer(Int64(id)), random.pick(amounts), random.pick(probabilities), random.pick(dates),
                        .integer(random.chance(20) ? 1 : 0), random.chance(10) ? Self.deletedAt : .null, random.pick(currencies),
                    ])
            }
            for _ in 0..<400 {
                let id = SQLValue.integer(Int64(random.int(1...60)))
                switch random.int(0...8) {
                case 0: try connection.run("UPDATE opportunities SET expected_close_date = ? WHERE id = ?", [random.pick(dates), id])
                case 1: try connection.run("UPDATE opportunities SET amount = ? WHERE id = ?", [random.pick(amounts), id])
                case 2: try connection.run("UPDATE opportunities SET probability = ? WHERE id = ?", [random.pick(probabilities), id])
                case 3: try connection.run("UPDATE opportunities SET is_closed = 1 - is_closed WHERE id = ?", [id])
                case 4: try connection.run("UPDATE opportunities SET deleted_at = ? WHERE id = ?", [Self.deletedAt, id])
                case 5: try connection.run("UPDATE opportunities SET deleted_at = NULL WHERE id = ?", [id])
                case 6: try connection.run("UPDATE opportunities SET name = 'renamed', customer_id = customer_id WHERE id = ?", [id])
                case 7: try connection.run("UPDATE opportunities SET currency = ? WHERE id = ?", [random.pick(currencies), id])
                default: try connection.run("UPDATE opportunities SET amount = amount, probability = probability WHERE id = ?", [id])
                }
            }
            try connection.run("DELETE FROM opportunities WHERE id IN (3, 4, 5)")
            let kept = try Self.rows(connection, "SELECT * FROM forecast_rollup WHERE count != 0 ORDER BY 1, 2")
            let grouped = try Self.rows(
                connection,
                """
                SELECT expected_close_date, coalesce(currency, ''), count(*), coalesce(sum(amount), 0),
                    coalesce(sum(coalesce(amount, 0) * coalesce(probability, 0)), 0)
                FROM opportunities WHERE deleted_at IS NULL AND is_closed = 0 AND expected_close_date IS NOT NULL
                GROUP BY 1, 2 ORDER BY 1, 2
                """)
            let emptied = try Self.rows(connection, "SELECT * FROM forecast_rollup WHERE count = 0 AND (amount != 0 OR weighted != 0)")
            XCTAssertEqual(emptied, [])
            return (kept, grouped)
        }
        XCTAssertFalse(grouped.isEmpty)
        XCTAssertEqual(kept, grouped)
    }

    func testFeedbackRollupFollowsEveryKindOfWrite() throws {
        let (kept, grouped) = try database.writeAndWait { connection -> ([String], [String]) in
            try Self.addCustomer(connection)
            var random = SeedRandom(seed: 19)
            let kinds = ["nps", "csat", "ces", "comment"]
            let scores: [SQLValue] = [.null, .integer(0), .integer(4), .integer(9)]
            for id in 1...60 {
                try connection.run(
                    """
                    INSERT INTO feedback (id, customer_id, kind, score, created_at, updated_at, deleted_at)
                    VALUES (?, 1, ?, ?, ?, '2026-01-01T00:00:00.000Z', ?)
                    """,
                    [
                        .integer(Int64(id)), .text(random.pick(kinds)), random.pick(scores), .text(Self.instant(&random)),
                        random.chance(10) ? Self.deletedAt : .null,
                    ])
            }
            for _ in 0..<400 {
                let id = SQLValue.integer(Int64(random.int(1...60)))
                switch random.int(0...6) {
                case 0: try connection.run("UPDATE feedback SET kind = ? WHERE id = ?", [.text(random.pick(kinds)), id])
                case 1: try connection.run("UPDATE feedback SET score = ? WHERE id = ?", [random.pick(scores), id])
                case 2: try connection.run("UPDATE feedback SET created_at = ? WHERE id = ?", [.text(Self.instant(&random)), id])
                case 3: try connection.run("UPDATE feedback SET deleted_at = ? WHERE id = ?", [Self.deletedAt, id])
                case 4: try connection.run("UPDATE feedback SET deleted_at = NULL WHERE id = ?", [id])
                case 5: try connection.run("UPDATE feedback SET status = 'closed', customer_id = customer_id WHERE id = ?", [id])
                default: try connection.run("UPDATE feedback SET kind = kind, score = score WHERE id = ?", [id])
                }
            }
            try connection.run("DELETE FROM feedback WHERE id IN (3, 4, 5)")
            return (
                try Self.rows(connection, "SELECT * FROM feedback_rollup WHERE count != 0 ORDER BY 1, 2, 3"),
                try Self.rows(
                    connection,
                    """
                    SELECT substr(created_at, 1, 10), kind, coalesce(score, -1), count(*) FROM feedback WHERE deleted_at IS NULL
                    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                    """)
            )
        }
        XCTAssertFalse(grouped.isEmpty)
        XCTAssertEqual(kept, grouped)
    }

    func testTicketRollupsFollowEveryKindOfWrite() throws {
        try database.writeAndWait { connection in
            try Self.addCustomer(connection)
            var random = SeedRandom(seed: 20)
            for id in 1...80 {
                try connection.run(
                    """
                    INSERT INTO tickets (id, customer_id, subject, status, priority, first_response_due_at, resolution_due_at, paused_ms,
                        paused_since, first_response_at, solved_at, created_at, updated_at, deleted_at)
                    VALUES (?, 1, 'T', ?, ?, ?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z', ?)
                    """,
                    [
                        .integer(Int64(id)), .text(random.pick(TicketSchema.statuses)), .text(random.pick(TicketSchema.priorities)),
                        .text(Self.instant(&random)), .text(Self.instant(&random)), .integer(Int64(random.int(0...3)) * 60_000),
                        Self.maybeInstant(&random), Self.maybeInstant(&random), Self.maybeInstant(&random), .text(Self.instant(&random)),
                        random.chance(10) ? Self.deletedAt : .null,
                    ])
            }
            for _ in 0..<600 {
                let id = SQLValue.integer(Int64(random.int(1...80)))
                let column = ["first_response_due_at", "resolution_due_at", "created_at"]
                let nullable = ["paused_since", "first_response_at", "solved_at"]
                switch random.int(0...8) {
                case 0: try connection.run("UPDATE tickets SET status = ? WHERE id = ?", [.text(random.pick(TicketSchema.statuses)), id])
                case 1:
                    try connection.run("UPDATE tickets SET priority = ? WHERE id = ?", [.text(random.pick(TicketSchema.priorities)), id])
                case 2:
                    try connection.run("UPDATE tickets SET \(random.pick(column)) = ? WHERE id = ?", [.text(Self.instant(&random)), id])
                case 3:
                    try connection.run("UPDATE tickets SET \(random.pick(nullable)) = ? WHERE id = ?", [Self.maybeInstant(&random), id])
                case 4:
                    try connection.run("UPDATE tickets SET paused_ms = ? WHERE id = ?", [.integer(Int64(random.int(0...3)) * 60_000), id])
                case 5: try connection.run("UPDATE tickets SET deleted_at = ? WHERE id = ?", [Self.deletedAt, id])
                case 6: try connection.run("UPDATE tickets SET deleted_at = NULL WHERE id = ?", [id])
                case 7: try connection.run("UPDATE tickets SET subject = 'renamed', customer_id = customer_id WHERE id = ?", [id])
                default: try connection.run("UPDATE tickets SET status = status, solved_at = solved_at WHERE id = ?", [id])
                }
            }
            try connection.run("DELETE FROM tickets WHERE id IN (3, 4, 5)")

            let counts = "SELECT status, priority, count(*) FROM tickets WHERE deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2"
            XCTAssertEqual(
                try Self.rows(connection, "SELECT * FROM ticket_counts WHERE count != 0 ORDER BY 1, 2"), try Self.rows(connection, counts))
            let kept =
                "CASE WHEN paused_since IS NOT NULL THEN paused_since <= resolution_due_at ELSE solved_at IS NOT NULL AND solved_at <= resolution_due_at END"
            XCTAssertEqual(
                try Self.rows(connection, "SELECT * FROM ticket_due_rollup WHERE due != 0 ORDER BY 1"),
                try Self.rows(
                    connection,
                    """
                    SELECT substr(resolution_due_at, 1, 10), count(*),
                        sum(\(kept) AND coalesce(first_response_at, solved_at) <= first_response_due_at),
                        sum(\(kept) AND coalesce(first_response_at, solved_at) IS NULL)
                    FROM tickets WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1
                    """))
            XCTAssertEqual(
                try Self.rows(connection, "SELECT * FROM ticket_created_rollup WHERE responded != 0 OR solved != 0 ORDER BY 1"),
                try Self.rows(
                    connection,
                    """
                    SELECT substr(created_at, 1, 10), count(first_response_at), count(solved_at) FROM tickets WHERE deleted_at IS NULL
                    GROUP BY 1 HAVING count(first_response_at) + count(solved_at) > 0 ORDER BY 1
                    """))
            // Resolution kept, no first response, and a first response due after some clock
            // readings below: met until that due time passes, which only row-by-row reading knows
            // when the ticket is paused; a solved one stopped its first-response clock at the solve.
            for (id, paused, solved, firstDue) in [
                (81, "2026-05-01T06:00:00.000Z", nil, "2026-05-03T07:00:00.000Z"),
                (82, nil, "2026-05-01T06:00:00.000Z", "2026-05-09T00:00:00.000Z"),
                (83, nil, "2026-05-02T06:00:00.000Z", "2026-05-03T07:00:00.000Z"),
            ] as [(Int64, String?, String?, String)] {
                try connection.run(
                    """
                    INSERT INTO tickets (id, customer_id, subject, status, priority, first_response_due_at, resolution_due_at,
                        paused_since, solved_at, created_at, updated_at)
                    VALUES (?, 1, 'T', 'open', 'normal', ?, '2026-05-02T12:00:00.000Z', ?, ?, '2026-05-01T00:00:00.000Z',
                        '2026-05-01T00:00:00.000Z')
                    """, [.integer(id), .text(firstDue), paused.map(SQLValue.text) ?? .null, solved.map(SQLValue.text) ?? .null])
            }
            try Self.checkReport(connection)
        }
    }

    /// The median of sorted values, as the report defines it.
    private static func median(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The tickets report's compliance and medians, from the kept data, equal the same numbers
    /// computed ticket by ticket, over windows and clock readings that cut days in every way.
    private static func checkReport(_ connection: StoreConnection) throws {
        let days: [CalendarDate?] = [nil] + (1...5).map { CalendarDate(year: 2026, month: 5, day: $0) }
        let clocks = ["2026-05-02T00:00:00.000Z", "2026-05-03T06:00:00.000Z", "2026-05-03T07:15:00.000Z", "2026-05-09T00:00:00.000Z"]
        for now in clocks.compactMap(Timestamp.init(rfc3339:)) {
            for from in days {
                for to in days where from == nil || to == nil || from! <= to! {
                    let start = from?.startTimestamp ?? .earliest
                    let end = min(to?.adding(days: 1).startTimestamp ?? .latest, now)
                    let expected =
                        start < end ? try TicketReportStore.compliance(connection, dueFrom: start, dueBefore: end, now: now) : (0, 0)
                    let got = try TicketReport.compliance(connection, from: from, to: to, now: now)
                    XCTAssertTrue(got == expected, "compliance \(String(describing: from))…\(String(describing: to)) at \(now.rfc3339)")
                }
            }
        }
        for from in days {
            for to in days where from == nil || to == nil || from! <= to! {
                for (measure, minutes) in [
                    (TicketReportStore.Measure.firstResponse, "(julianday(first_response_at) - julianday(created_at)) * 1440"),
                    (.resolution, "(julianday(solved_at) - julianday(created_at)) * 1440 - paused_ms / 60000.0"),
                ] {
                    let values = try connection.query(
                        "SELECT \(minutes) AS m FROM tickets WHERE deleted_at IS NULL AND m IS NOT NULL AND created_at >= ? AND created_at < ? ORDER BY m",
                        [
                            .text((from?.startTimestamp ?? .earliest).rfc3339),
                            .text((to?.adding(days: 1).startTimestamp ?? .latest).rfc3339),
                        ]
                    ).compactMap { $0.double(0).map(TicketReportStore.wholeMilliseconds) }
                    XCTAssertEqual(
                        try TicketReportStore.median(connection, measure, from: from, to: to), Self.median(values),
                        "\(measure) \(String(describing: from))…\(String(describing: to))")
                }
            }
        }
    }
}
