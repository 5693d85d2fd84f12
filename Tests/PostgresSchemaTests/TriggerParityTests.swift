import Foundation
import XCTest

/// The triggers that keep counts, rollups and duplicate keys, run through the same inserts,
/// updates and deletes on both engines: after every statement the tables they keep hold the same
/// rows. The statements touch the tables directly (no store), so the SQL is what the two engines
/// agree on.
final class TriggerParityTests: SchemaTestCase {
    private let day = "2026-03-01T08:00:00.000Z"

    // MARK: - Customers: customer_counts and customer_duplicate_keys

    func testCustomerCountsAndDuplicateKeysFollowEveryWrite() throws {
        let engines = try bothEngines()
        func check(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
            try engines.assertSameRows("SELECT * FROM customer_counts ORDER BY 1, 2, 3, 4, 5, 6", [], step, file: file, line: line)
            try engines.assertSameRows("SELECT * FROM customer_duplicate_keys ORDER BY 1, 2", [], step, file: file, line: line)
        }
        func insert(
            _ id: Int64, name: String, email: Value = nil, phone: Value = nil, company: Value = nil, source: Value = nil,
            industry: Value = nil, rfm: (Value, Value) = (nil, nil), tier: String = "standard", deletedAt: Value = nil
        ) throws {
            try engines.run(
                """
                INSERT INTO customers (id, type, name, email_normalized, phone_digits, company, source, industry,
                    rfm_r, rfm_f, tier, created_at, updated_at, deleted_at)
                VALUES (?, 'person', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(id), .text(name), email, phone, company, source, industry, rfm.0, rfm.1, .text(tier), .text(day),
                    .text(day), deletedAt,
                ])
            try check("after inserting \(id)")
        }

        try insert(1, name: "Li  Na", email: "li@example.cn", phone: "13800000000", company: "Acme\tLtd", source: "web")
        try insert(
            2, name: " li na\n", email: "li.na@example.cn", phone: "13800000000", company: "acme   ltd ", industry: "tech", rfm: (3, 2))
        try insert(3, name: "张伟", email: "", phone: "", company: "  ")
        try insert(4, name: "Deleted", email: "li@example.cn", company: "Acme Ltd", deletedAt: .text(day))
        // lower() folds ASCII only, on both: these two are not the same key.
        try insert(5, name: "ÉLAN", company: "Société")
        try insert(6, name: "élan", company: "société")
        // Differs from customer 1 only in its tier: a move of 1 must not take from this one's row.
        try insert(8, name: "Wang", source: "web", tier: "vip")

        let steps: [(String, [Value])] = [
            ("UPDATE customers SET lifecycle_stage = 'customer', tier = 'vip' WHERE id = 1", []),
            ("UPDATE customers SET email_normalized = 'other@example.cn', phone_digits = NULL WHERE id = 2", []),
            ("UPDATE customers SET deleted_at = ? WHERE id = 1", [.text(day)]),
            ("UPDATE customers SET deleted_at = NULL WHERE id = 1", []),
            // An erasure: personal fields go, the name becomes "erased", the company stays.
            (
                "UPDATE customers SET erased_at = ?, name = 'erased', email_normalized = NULL, phone_digits = NULL WHERE id = 2",
                [.text(day)]
            ),
            ("UPDATE customers SET company = 'Tencent' WHERE id = 3", []),
            ("UPDATE customers SET company = NULL WHERE id = 6", []),
            ("UPDATE customers SET name = 'LI NA' WHERE id = 1", []),
            ("UPDATE customers SET rfm_r = 5, rfm_f = 1", []),
            ("UPDATE customers SET source = 'referral', industry = NULL WHERE id <= 3", []),
            ("UPDATE customers SET tier = tier, name = name", []),
            ("UPDATE customers SET email_normalized = 'other@example.cn' WHERE id = 3", []),
            ("DELETE FROM customers WHERE id = 4", []),
            ("DELETE FROM customers WHERE id = 2", []),
            ("DELETE FROM customers WHERE id = 3", []),
            ("UPDATE customers SET deleted_at = ? WHERE id IN (1, 5)", [.text(day)]),
        ]
        for (sql, values) in steps {
            try engines.run(sql, values)
            try check(sql)
        }
        try insert(7, name: "Li Na", email: "li@example.cn", phone: "13800000000", company: "ACME LTD")
        try engines.run("DELETE FROM customers")
        try check("after deleting every customer")
    }

    func testTheNameAndCompanyKeyIsSQLitesExpression() throws {
        let engines = try bothEngines()
        // 0022's expression, as SQLite runs it and as CustomerDuplicateStore spells it.
        let part = { (value: String) in
            "lower(trim(replace(replace(replace(replace(replace(replace(\(value), char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), '')))"
        }
        let samples: [(String, String?)] = [
            ("Li Na", "Acme Ltd"), ("  LI\t\tNA ", " ACME\r\nLtd  "), ("张伟", "腾讯 科技"), ("ÉLAN", "Société"),
            ("a", ""), ("a", "   "), ("a", nil), ("", "x"), ("Mixed  Case\tTabs", "Z"),
        ]
        for (name, company) in samples {
            let company: Value = company.map { .text($0) } ?? .null
            let sqlite = try engines.sqlite.queryOne(
                "SELECT \(part("?1")) || ' | ' || \(part("?2")), \(part("?2"))", [.text(name), company.sqlite])
            let postgres = try engines.postgres.queryOne(
                "SELECT name_company_key($1, $2), duplicate_key_text($2)", [.text(name), company.postgres])
            XCTAssertEqual(postgres?.string(0), sqlite?.string(0), "key of \(name) / \(company)")
            XCTAssertEqual(postgres?.string(1), sqlite?.string(1), "company part of \(company)")
        }
    }

    // MARK: - Opportunities: forecast_rollup

    func testTheForecastRollupFollowsEveryOpportunityWrite() throws {
        let engines = try bothEngines()
        try engines.run(
            "INSERT INTO customers (id, type, name, created_at, updated_at) VALUES (1, 'company', 'Acme', ?, ?)", [.text(day), .text(day)])
        func check(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
            try engines.assertSameRows("SELECT * FROM forecast_rollup ORDER BY close_on, currency", [], step, file: file, line: line)
        }
        func insert(_ id: Int64, amount: Value, probability: Value, closeOn: Value, closed: Int64 = 0, deletedAt: Value = nil) throws {
            try engines.run(
                """
                INSERT INTO opportunities (id, customer_id, name, pipeline_id, stage, amount, probability,
                    expected_close_date, is_closed, stage_entered_at, created_at, updated_at, deleted_at)
                VALUES (?, 1, 'Deal', 1, 'proposal', ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(id), amount, probability, closeOn, .integer(closed), .text(day), .text(day), .text(day), deletedAt])
            try check("after inserting \(id)")
        }
        try insert(1, amount: 100_000, probability: 50, closeOn: "2026-04-30")
        try insert(2, amount: nil, probability: 20, closeOn: "2026-04-30")
        try insert(3, amount: 5_000, probability: nil, closeOn: nil)
        try insert(4, amount: 7_000, probability: 100, closeOn: "2026-05-31", closed: 1)
        try insert(5, amount: 9_000, probability: 75, closeOn: "2026-05-31", deletedAt: .text(day))

        for sql in [
            "UPDATE opportunities SET amount = 200000 WHERE id = 1",
            "UPDATE opportunities SET probability = 90 WHERE id = 1",
            "UPDATE opportunities SET expected_close_date = '2026-05-31' WHERE id = 1",
            "UPDATE opportunities SET is_closed = 1 WHERE id = 2",
            "UPDATE opportunities SET expected_close_date = '2026-04-30' WHERE id = 3",
            "UPDATE opportunities SET is_closed = 0 WHERE id = 4",
            "UPDATE opportunities SET deleted_at = 'gone' WHERE id = 1",
            "UPDATE opportunities SET deleted_at = NULL WHERE id IN (1, 5)",
            "UPDATE opportunities SET name = 'Renamed', amount = amount",
            "UPDATE opportunities SET expected_close_date = NULL WHERE id = 4",
            "DELETE FROM opportunities WHERE id = 2",
            "DELETE FROM opportunities WHERE id = 1",
            "DELETE FROM opportunities",
        ] {
            try engines.run(sql)
            try check(sql)
        }
    }

    // MARK: - Feedback: feedback_rollup

    func testTheFeedbackRollupFollowsEveryFeedbackWrite() throws {
        let engines = try bothEngines()
        try engines.run(
            "INSERT INTO customers (id, type, name, created_at, updated_at) VALUES (1, 'person', 'Li', ?, ?)", [.text(day), .text(day)])
        func check(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
            try engines.assertSameRows("SELECT * FROM feedback_rollup ORDER BY 1, 2, 3", [], step, file: file, line: line)
        }
        for (id, kind, score, createdAt, deletedAt) in [
            (1, "nps", Value.integer(9), "2026-03-01T08:00:00.000Z", Value.null),
            (2, "nps", .integer(9), "2026-03-01T23:59:59.999Z", .null),
            (3, "csat", .null, "2026-03-02T00:00:00.000Z", .null),
            (4, "nps", .integer(3), "2026-03-02T10:00:00.000Z", .text(day)),
        ] as [(Int64, String, Value, String, Value)] {
            try engines.run(
                "INSERT INTO feedback (id, customer_id, kind, score, created_at, updated_at, deleted_at) VALUES (?, 1, ?, ?, ?, ?, ?)",
                [.integer(id), .text(kind), score, .text(createdAt), .text(createdAt), deletedAt])
            try check("after inserting \(id)")
        }
        for sql in [
            "UPDATE feedback SET score = 10 WHERE id = 1",
            "UPDATE feedback SET kind = 'csat', score = 4 WHERE id = 2",
            "UPDATE feedback SET score = NULL WHERE id = 2",
            "UPDATE feedback SET created_at = '2026-02-28T12:00:00.000Z' WHERE id = 3",
            "UPDATE feedback SET deleted_at = NULL WHERE id = 4",
            "UPDATE feedback SET deleted_at = 'gone' WHERE id = 1",
            "UPDATE feedback SET comment = 'no effect', score = score",
            "DELETE FROM feedback WHERE id = 1",
            "DELETE FROM feedback WHERE id = 2",
            "DELETE FROM feedback",
        ] {
            try engines.run(sql)
            try check(sql)
        }
    }

    // MARK: - Orders and feedback: customer_activity_totals

    func testTheActivityTotalsFollowEveryOrderFeedbackAndTicketWrite() throws {
        let engines = try bothEngines()
        for id in [1, 2] as [Int64] {
            try engines.run(
                "INSERT INTO customers (id, type, name, created_at, updated_at) VALUES (?, 'person', 'Li', ?, ?)",
                [.integer(id), .text(day), .text(day)])
        }
        func check(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
            try engines.assertSameRows("SELECT * FROM customer_activity_totals ORDER BY 1", [], step, file: file, line: line)
        }
        for (id, customer, amount, status, deletedAt) in [
            (1, 1, 1_000, "paid", Value.null), (2, 1, 2_500, "paid", .null), (3, 2, 700, "refunded", .null),
            (4, 2, 900, "paid", .text(day)),
        ] as [(Int64, Int64, Int64, String, Value)] {
            try engines.run(
                """
                INSERT INTO orders (id, customer_id, amount, currency, status, ordered_at, created_at, updated_at, deleted_at)
                VALUES (?, ?, ?, 'CNY', ?, ?, ?, ?, ?)
                """, [.integer(id), .integer(customer), .integer(amount), .text(status), .text(day), .text(day), .text(day), deletedAt])
            try check("after inserting order \(id)")
        }
        for (id, customer, kind, score) in [(1, 1, "csat", Value.integer(4)), (2, 1, "csat", .null), (3, 2, "nps", .integer(9))]
            as [(Int64, Int64, String, Value)]
        {
            try engines.run(
                "INSERT INTO feedback (id, customer_id, kind, score, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [.integer(id), .integer(customer), .text(kind), score, .text(day), .text(day)])
            try check("after inserting feedback \(id)")
        }
        for sql in [
            "UPDATE orders SET amount = 4000 WHERE id = 1",
            "UPDATE orders SET status = 'refunded' WHERE id = 2",
            "UPDATE orders SET status = 'paid' WHERE id = 3",
            "UPDATE orders SET deleted_at = NULL WHERE id = 4",
            "UPDATE orders SET customer_id = 2 WHERE id = 1",
            "UPDATE orders SET deleted_at = 'gone' WHERE id = 3",
            "UPDATE orders SET channel = 'web', amount = amount, status = status",
            "UPDATE feedback SET score = 2 WHERE id = 2",
            "UPDATE feedback SET kind = 'csat', score = 5 WHERE id = 3",
            "UPDATE feedback SET customer_id = 2 WHERE id = 1",
            "UPDATE feedback SET deleted_at = 'gone' WHERE id = 2",
            "UPDATE feedback SET score = NULL WHERE id = 3",
            "UPDATE feedback SET comment = 'no effect', score = score",
            "DELETE FROM orders WHERE id = 4",
            "DELETE FROM feedback WHERE id = 1",
            "DELETE FROM orders",
            "DELETE FROM feedback",
        ] {
            try engines.run(sql)
            try check(sql)
        }
        for (id, customer, status) in [(1, 1, "new"), (2, 1, "solved"), (3, 2, "pending")] as [(Int64, Int64, String)] {
            try engines.run(
                """
                INSERT INTO tickets (id, customer_id, subject, status, first_response_due_at, resolution_due_at, created_at, updated_at)
                VALUES (?, ?, 'T', ?, ?, ?, ?, ?)
                """, [.integer(id), .integer(customer), .text(status), .text(day), .text(day), .text(day), .text(day)])
            try check("after inserting ticket \(id)")
        }
        for sql in [
            "UPDATE tickets SET status = 'open' WHERE id = 2",
            "UPDATE tickets SET status = 'closed' WHERE id = 1",
            "UPDATE tickets SET customer_id = 1 WHERE id = 3",
            "UPDATE tickets SET deleted_at = 'gone' WHERE id = 2",
            "UPDATE tickets SET deleted_at = NULL, priority = 'high'",
            "UPDATE tickets SET subject = 'no effect', status = status",
            "DELETE FROM tickets WHERE id = 3",
            "DELETE FROM tickets",
        ] {
            try engines.run(sql)
            try check(sql)
        }
    }

    // MARK: - Tickets: ticket_counts, ticket_due_rollup, ticket_created_rollup

    func testTheTicketReportTablesFollowEveryTicketWrite() throws {
        let engines = try bothEngines()
        try engines.run(
            "INSERT INTO customers (id, type, name, created_at, updated_at) VALUES (1, 'person', 'Li', ?, ?)", [.text(day), .text(day)])
        func check(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
            for table in ["ticket_counts", "ticket_due_rollup", "ticket_created_rollup"] {
                try engines.assertSameRows("SELECT * FROM \(table) ORDER BY 1, 2", [], "\(table) \(step)", file: file, line: line)
            }
        }
        struct Ticket {
            var status = "open"
            var priority = "normal"
            var firstResponseDue = "2026-03-01T16:00:00.000Z"
            var resolutionDue = "2026-03-04T08:00:00.000Z"
            var pausedSince: Value = nil
            var firstResponse: Value = nil
            var solved: Value = nil
            var created = "2026-03-01T08:00:00.000Z"
            var deleted: Value = nil
        }
        var tickets: [Ticket] = []
        tickets.append(Ticket())
        tickets.append(Ticket(priority: "urgent", firstResponse: "2026-03-01T09:00:00.000Z", solved: "2026-03-02T08:00:00.000Z"))
        tickets.append(Ticket(status: "solved", firstResponse: "2026-03-01T17:00:00.000Z", solved: "2026-03-05T08:00:00.000Z"))
        tickets.append(Ticket(status: "pending", pausedSince: "2026-03-02T08:00:00.000Z"))
        tickets.append(Ticket(status: "pending", pausedSince: "2026-03-05T08:00:00.000Z", firstResponse: "2026-03-01T10:00:00.000Z"))
        tickets.append(Ticket(status: "new", resolutionDue: "2026-03-05T01:00:00.000Z", created: "2026-03-02T23:30:00.000Z"))
        tickets.append(Ticket(status: "closed", solved: "2026-03-01T09:00:00.000Z", deleted: .text(day)))
        for (offset, ticket) in tickets.enumerated() {
            try engines.run(
                """
                INSERT INTO tickets (id, customer_id, subject, status, priority, first_response_due_at, resolution_due_at,
                    paused_since, first_response_at, solved_at, created_at, updated_at, deleted_at, paused_ms)
                VALUES (?, 1, 'Help', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(Int64(offset + 1)), .text(ticket.status), .text(ticket.priority), .text(ticket.firstResponseDue),
                    .text(ticket.resolutionDue), ticket.pausedSince, ticket.firstResponse, ticket.solved, .text(ticket.created),
                    .text(ticket.created), ticket.deleted, .integer(Int64(offset) * 61_234),
                ])
            try check("after inserting \(offset + 1)")
        }
        for sql in [
            "UPDATE tickets SET status = 'solved', solved_at = '2026-03-03T08:00:00.000Z' WHERE id = 1",
            "UPDATE tickets SET first_response_at = '2026-03-01T15:59:59.999Z' WHERE id = 1",
            "UPDATE tickets SET priority = 'high' WHERE id = 2",
            "UPDATE tickets SET paused_since = NULL, status = 'open' WHERE id = 4",
            "UPDATE tickets SET first_response_at = '2026-03-02T08:00:00.000Z' WHERE id = 4",
            "UPDATE tickets SET resolution_due_at = '2026-03-06T08:00:00.000Z' WHERE id = 3",
            "UPDATE tickets SET first_response_due_at = '2026-03-01T18:00:00.000Z' WHERE id = 3",
            "UPDATE tickets SET created_at = '2026-02-28T08:00:00.000Z' WHERE id = 2",
            "UPDATE tickets SET deleted_at = 'gone' WHERE id = 2",
            "UPDATE tickets SET deleted_at = NULL WHERE id IN (2, 7)",
            "UPDATE tickets SET subject = 'No effect', status = status",
            "UPDATE tickets SET solved_at = NULL WHERE id = 7",
            "DELETE FROM tickets WHERE id = 5",
            "DELETE FROM tickets WHERE id IN (1, 2)",
        ] {
            try engines.run(sql)
            try check(sql)
        }
        // The minutes the report's medians read, through the indexes' own expressions.
        try engines.assertSameRows(
            "SELECT id, (julianday(first_response_at) - julianday(created_at)) * 1440 FROM tickets ORDER BY id")
        try engines.assertSameRows(
            "SELECT id, (julianday(solved_at) - julianday(created_at)) * 1440 - paused_ms / 60000.0 FROM tickets ORDER BY id")
        try engines.run("DELETE FROM tickets")
        try check("after deleting every ticket")
    }

    // MARK: - API keys: api_key_epoch

    func testTheAPIKeyEpochMovesWithEveryKeyChange() throws {
        let engines = try bothEngines()
        for sql in [
            (
                "INSERT INTO api_keys (id, name, role, secret_hash, created_at) VALUES (1, 'a', 'admin', ?, ?)",
                [Value.bytes([1, 2]), .text(day)]
            ),
            ("INSERT INTO api_keys (id, name, role, secret_hash, created_at) VALUES (2, 'b', 'sales', ?, ?)", [.bytes([3]), .text(day)]),
            ("UPDATE api_keys SET revoked_at = ? WHERE id = 1", [.text(day)]),
            ("UPDATE api_keys SET name = name", []),
            ("UPDATE api_keys SET name = 'none' WHERE id = 99", []),
            ("DELETE FROM api_keys WHERE id = 2", []),
        ] as [(String, [Value])] {
            try engines.run(sql.0, sql.1)
            try engines.assertSameRows("SELECT epoch FROM api_key_epoch", [], sql.0)
        }
        // One per row written: 1 + 1 + 1 + 2 + 0 + 1.
        XCTAssertEqual(try engines.rows("SELECT epoch FROM api_key_epoch").postgres, [["6"]])
    }
}
