import SQLite

/// Seeds what customers do — orders, interactions, opportunities with their stage history,
/// tickets with comments, feedback — in realistic proportions, then derives every customer's
/// metrics, lifecycle, RFM and tier in bulk. Deterministic like ``CustomerSeeder``; no change-feed
/// or audit entries.
///
/// Per customer, on average: 60 % have 1–8 orders (90 % paid), 0–4 interactions, 20 % an
/// opportunity, 10 % 1–2 tickets with 0–3 comments, 15 % a piece of feedback.
struct ActivitySeeder {
    static let day: Int64 = 86_400_000
    private static let salesStages = ["qualification", "needs_analysis", "proposal", "negotiation", "won", "lost"]
    private static let probabilities: [String: Int64] = [
        "qualification": 10, "needs_analysis": 25, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0,
    ]
    private static let products = [
        ("SKU-100", "CRM 专业版", 129_900), ("SKU-200", "Onboarding package", 50_000), ("SKU-300", "数据迁移服务", 300_000),
        ("SKU-400", "Support plan", 80_000),
    ]
    private static let subjects = ["无法登录", "Invoice question", "数据导出失败", "Feature request: API limits", "账号权限问题", "Slow dashboard"]

    var random = SeedRandom(seed: 7_777)

    /// Writes the activity of customers `first...last` (ids), in the caller's transaction.
    mutating func seed(_ connection: Connection, customers first: Int64, _ last: Int64) throws {
        let epoch = CustomerSeeder.epoch
        for customer in first...last {
            if random.chance(60) {
                for _ in 0..<weightedCount() {
                    let product = random.pick(Self.products)
                    let quantity = Int64(random.int(1...3))
                    let ordered = epoch.adding(milliseconds: -Int64(random.int(0...540)) * Self.day - Int64(random.int(0...86_399_999)))
                    let roll = random.int(0...99)
                    let status = roll < 90 ? "paid" : roll < 97 ? "refunded" : "cancelled"
                    let items = JSONValue.array([
                        [
                            "sku": .string(product.0), "name": .string(product.1), "quantity": .int(quantity),
                            "unit_amount": .int(Int64(product.2)),
                        ]
                    ]).jsonString
                    try connection.run(
                        "INSERT INTO orders (customer_id, amount, currency, status, ordered_at, channel, items, created_at, updated_at) VALUES (?, ?, 'CNY', ?, ?, ?, ?, ?, ?)",
                        [
                            .integer(customer), .integer(Int64(product.2) * quantity), .text(status), .text(ordered.rfc3339),
                            .text(random.pick(["web", "store", "partner", "phone"])), .text(items), .text(ordered.rfc3339),
                            .text(ordered.rfc3339),
                        ])
                }
            }
            for _ in 0..<random.int(0...4) {
                let at = epoch.adding(milliseconds: -Int64(random.int(0...365)) * Self.day - Int64(random.int(0...86_399_999)))
                try connection.run(
                    "INSERT INTO interactions (customer_id, channel, direction, subject, occurred_at, duration_seconds, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        .integer(customer), .text(random.pick(InteractionSchema.channels)), .text(random.pick(["inbound", "outbound"])),
                        .text(random.pick(["回访", "Quarterly review", "产品演示", "Follow-up call", "Pricing question"])), .text(at.rfc3339),
                        .integer(Int64(random.int(60...3600))), .text(random.pick(DemoData.owners)), .text(at.rfc3339), .text(at.rfc3339),
                    ])
            }
            if random.chance(20) { try opportunity(connection, customer: customer, epoch: epoch) }
            if random.chance(10) {
                for _ in 0..<random.int(1...2) { try ticket(connection, customer: customer, epoch: epoch) }
            }
            if random.chance(15) {
                let kind = random.pick(["nps", "nps", "csat", "csat", "ces", "review", "complaint", "suggestion", "praise"])
                let range = FeedbackSchema.scoreRanges[kind]
                let score: SQLValue = range.map { .integer(Int64(random.int(Int($0.lowerBound)...Int($0.upperBound)))) } ?? .null
                let at = epoch.adding(milliseconds: -Int64(random.int(0...365)) * Self.day)
                try connection.run(
                    "INSERT INTO feedback (customer_id, kind, score, comment, channel, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        .integer(customer), .text(kind), score,
                        .text(random.pick(["很满意", "Great support", "发货太慢", "Could be faster", "推荐给朋友"])),
                        .text(random.pick(["email", "web", "wechat"])), .text(random.pick(FeedbackSchema.statuses)), .text(at.rfc3339),
                        .text(at.rfc3339),
                    ])
            }
        }
    }

    /// 1–8 orders, most customers few.
    private mutating func weightedCount() -> Int {
        let roll = random.int(0...99)
        return roll < 45 ? 1 : roll < 70 ? 2 : roll < 85 ? 3 : random.int(4...8)
    }

    private mutating func opportunity(_ connection: Connection, customer: Int64, epoch: Timestamp) throws {
        let created = epoch.adding(milliseconds: -Int64(random.int(10...300)) * Self.day)
        let stageIndex = random.int(0...5)
        let stage = Self.salesStages[stageIndex]
        let closed = stage == "won" || stage == "lost"
        let entered = created.adding(milliseconds: Int64(stageIndex) * 3 * Self.day)
        let closeDate = CalendarDate(epoch.adding(milliseconds: Int64(random.int(-60...180)) * Self.day))
        try connection.run(
            """
            INSERT INTO opportunities (customer_id, name, pipeline_id, stage, amount, currency, probability, expected_close_date, owner, source,
                lost_reason, is_closed, is_won, closed_at, stage_entered_at, created_at, updated_at)
            VALUES (?, ?, 1, ?, ?, 'CNY', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(customer), .text(random.pick(["年度订阅", "Enterprise upgrade", "渠道合作", "Renewal 2026", "新门店系统"])), .text(stage),
                .integer(Int64(random.int(10...500)) * 10_000), .integer(Self.probabilities[stage] ?? 0), .text(closeDate.description),
                .text(random.pick(DemoData.owners)), .text(random.pick(["web", "referral", "event"])),
                stage == "lost" ? .text(random.pick(["预算不足", "Chose a competitor", "No decision"])) : .null,
                .integer(closed ? 1 : 0), .integer(stage == "won" ? 1 : 0), closed ? .text(entered.rfc3339) : .null, .text(entered.rfc3339),
                .text(created.rfc3339), .text(entered.rfc3339),
            ])
        let id = connection.lastInsertRowID
        var previous: SQLValue = .null
        for index in 0...stageIndex where index == 0 || index == stageIndex || (index < 4 && Self.salesStages[index] != "won") {
            let to = Self.salesStages[index]
            if stage == "lost" && to == "won" { continue }
            try connection.run(
                "INSERT INTO opportunity_stage_history (opportunity_id, customer_id, from_stage, to_stage, changed_at) VALUES (?, ?, ?, ?, ?)",
                [
                    .integer(id), .integer(customer), previous, .text(to),
                    .text(created.adding(milliseconds: Int64(index) * 3 * Self.day).rfc3339),
                ])
            previous = .text(to)
        }
    }

    private mutating func ticket(_ connection: Connection, customer: Int64, epoch: Timestamp) throws {
        let created = epoch.adding(milliseconds: -Int64(random.int(0...200)) * Self.day - Int64(random.int(0...86_399_999)))
        let priority = random.pick(["low", "normal", "normal", "high", "urgent"])
        let targets: [String: (Int64, Int64)] = ["urgent": (60, 240), "high": (240, 1440), "normal": (480, 4320), "low": (1440, 10080)]
        let (first, resolution) = targets[priority] ?? (480, 4320)
        let status = random.pick(["new", "open", "pending", "solved", "solved", "closed", "closed"])
        let responded = status != "new" ? created.adding(milliseconds: Int64(random.int(5...600)) * 60_000) : nil
        let solved = status == "solved" || status == "closed" ? created.adding(milliseconds: Int64(random.int(30...6000)) * 60_000) : nil
        try connection.run(
            """
            INSERT INTO tickets (customer_id, subject, description, status, priority, type, channel, assignee, tags, first_response_due_at,
                resolution_due_at, paused_since, first_response_at, solved_at, closed_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(customer), .text(random.pick(Self.subjects)), .text("客户反馈 / customer report"), .text(status), .text(priority),
                .text(random.pick(TicketSchema.types)), .text(random.pick(["email", "phone", "web", "wechat"])),
                .text(random.pick(["客服小王", "Lee Support", "客服小李"])),
                .text(created.adding(milliseconds: first * 60_000).rfc3339),
                .text(created.adding(milliseconds: resolution * 60_000).rfc3339),
                status == "pending" ? .text(created.adding(milliseconds: 3_600_000).rfc3339) : .null,
                responded.map { .text($0.rfc3339) } ?? .null,
                solved.map { .text($0.rfc3339) } ?? .null,
                status == "closed" ? (solved.map { .text($0.adding(milliseconds: Self.day).rfc3339) } ?? .null) : .null,
                .text(created.rfc3339), .text(created.rfc3339),
            ])
        let id = connection.lastInsertRowID
        for index in 0..<random.int(0...3) {
            let at = (responded ?? created).adding(milliseconds: Int64(index) * 3_600_000)
            try connection.run(
                "INSERT INTO ticket_comments (ticket_id, author, author_type, body, public, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .integer(id), .text(index % 2 == 0 ? "客服小王" : "客户"), .text(index % 2 == 0 ? "staff" : "customer"),
                    .text(random.pick(["我们正在处理", "Thanks, it works now", "请提供截图", "Any update?"])), .integer(1), .text(at.rfc3339),
                ])
        }
    }

    /// Derives every seeded customer's metrics and lifecycle from the rows above (RFM and tier
    /// come from ``CustomerScoring``).
    static func deriveMetrics(_ connection: Connection, customers first: Int64, _ last: Int64, settings: CRMSettings, now: Timestamp) throws
    {
        let yearAgo = now.adding(milliseconds: -365 * day).rfc3339
        let atRisk = now.adding(milliseconds: -Int64(settings.atRiskDays) * day).rfc3339
        let churn = now.adding(milliseconds: -Int64(settings.churnDays) * day).rfc3339
        try connection.run(
            """
            UPDATE customers SET
                order_count = coalesce(s.paid, 0), total_spent = coalesce(s.spent, 0), first_order_at = s.first_at, last_order_at = s.last_at,
                lifecycle_stage = CASE
                    WHEN s.paid IS NULL OR s.paid = 0 THEN
                        CASE WHEN EXISTS (SELECT 1 FROM opportunities p WHERE p.customer_id = customers.id AND p.is_closed = 0) THEN 'prospect' ELSE 'lead' END
                    WHEN s.last_at < ?3 THEN 'churned'
                    WHEN s.last_at < ?2 THEN 'at_risk'
                    WHEN s.recent >= 5 THEN 'loyal'
                    WHEN s.paid >= 2 THEN 'repeat'
                    ELSE 'customer' END
            FROM (
                SELECT c.id AS cid, count(o.id) AS paid, sum(o.amount) AS spent, min(o.ordered_at) AS first_at, max(o.ordered_at) AS last_at,
                       sum(CASE WHEN o.ordered_at > ?1 THEN 1 ELSE 0 END) AS recent
                FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status = 'paid' AND o.deleted_at IS NULL
                WHERE c.id BETWEEN ?4 AND ?5 GROUP BY c.id
            ) AS s
            WHERE customers.id = s.cid
            """, [.text(yearAgo), .text(atRisk), .text(churn), .integer(first), .integer(last)])
        try connection.run(
            """
            UPDATE customers SET
                last_interaction_at = (SELECT max(occurred_at) FROM interactions i WHERE i.customer_id = customers.id),
                open_tickets = (SELECT count(*) FROM tickets t WHERE t.customer_id = customers.id AND t.status NOT IN ('solved', 'closed')),
                nps_last = (SELECT score FROM feedback f WHERE f.customer_id = customers.id AND f.kind = 'nps' ORDER BY created_at DESC, id DESC LIMIT 1),
                csat_avg = (SELECT avg(score) FROM feedback f WHERE f.customer_id = customers.id AND f.kind = 'csat')
            WHERE id BETWEEN ? AND ?
            """, [.integer(first), .integer(last)])
    }
}
