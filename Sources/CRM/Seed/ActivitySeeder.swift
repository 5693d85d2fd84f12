import JSON
import SQLite

/// Seeds what customers do — orders, interactions, opportunities with their stage history,
/// tickets with comments, feedback — in realistic proportions, as rows for the writer, and adds up
/// each customer's derived metrics on the way (``ActivitySummary``). Deterministic like
/// ``CustomerSeeder``; no change-feed or audit entries.
///
/// Per customer, on average: 60 % have 1–8 orders (90 % paid), 0–2 interactions, 20 % an
/// opportunity, 10 % 1–2 tickets with 0–3 comments, 15 % a piece of feedback.
struct ActivitySeeder {
    static let day: Int64 = 86_400_000
    private static let salesStages = ["qualification", "needs_analysis", "proposal", "negotiation", "won", "lost"]
    private static let probabilities: [String: Int64] = [
        "qualification": 10, "needs_analysis": 25, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0,
    ]
    private static let products: [(sku: String, name: String, unitAmount: Int)] = [
        ("SKU-100", "CRM 专业版", 129_900), ("SKU-200", "Onboarding package", 50_000), ("SKU-300", "数据迁移服务", 300_000),
        ("SKU-400", "Support plan", 80_000),
    ]
    private static let subjects = ["无法登录", "Invoice question", "数据导出失败", "Feature request: API limits", "账号权限问题", "Slow dashboard"]

    var random = SeedRandom(seed: 7_777)

    /// An order as planned, before it becomes a row.
    struct PlannedOrder {
        let product: (sku: String, name: String, unitAmount: Int)
        let quantity: Int64
        let ordered: Timestamp
        let status: String
        let channel: String

        var amount: Int64 { Int64(product.unitAmount) * quantity }
    }

    /// Customer `number`'s orders, from a random stream of its own: a bulk load plans every
    /// customer's orders once before writing anything (to score them, ``SeedScores``), then again
    /// to write them, and gets the same orders both times.
    static func plannedOrders(customer number: Int, epoch: Timestamp) -> [PlannedOrder] {
        var random = SeedRandom(seed: 0x0BDE_5EED ^ UInt64(number) &* 0x9E37_79B9)
        guard random.chance(60) else { return [] }
        let roll = random.int(0...99)
        let count = roll < 45 ? 1 : roll < 70 ? 2 : roll < 85 ? 3 : random.int(4...8)
        return (0..<count).map { _ in
            let product = random.pick(Self.products)
            let quantity = Int64(random.int(1...3))
            let ordered = epoch.adding(milliseconds: -Int64(random.int(0...540)) * Self.day - Int64(random.int(0...86_399_999)))
            let roll = random.int(0...99)
            let status = roll < 90 ? "paid" : roll < 97 ? "refunded" : "cancelled"
            return PlannedOrder(
                product: product, quantity: quantity, ordered: ordered, status: status,
                channel: random.pick(["web", "store", "partner", "phone"]))
        }
    }

    /// Customer `number`'s activity: its rows, and what they add up to.
    mutating func generate(customer number: Int, epoch: Timestamp, yearAgo: Timestamp) -> (rows: [SeedRow], summary: ActivitySummary) {
        var rows: [SeedRow] = []
        var summary = ActivitySummary()
        for order in Self.plannedOrders(customer: number, epoch: epoch) {
            if order.status == "paid" { summary.addPaidOrder(amount: order.amount, at: order.ordered, yearAgo: yearAgo) }
            let items = JSONValue.array([
                [
                    "sku": .string(order.product.sku), "name": .string(order.product.name), "quantity": .int(order.quantity),
                    "unit_amount": .int(Int64(order.product.unitAmount)),
                ]
            ]).jsonString
            let time = SQLValue.text(order.ordered.rfc3339)
            rows.append(
                SeedRow(
                    table: .order,
                    values: [.integer(order.amount), .text(order.status), time, .text(order.channel), .text(items), time, time]))
        }
        for _ in 0..<random.int(0...2) {
            let at = epoch.adding(milliseconds: -Int64(random.int(0...365)) * Self.day - Int64(random.int(0...86_399_999)))
            summary.lastInteraction = max(summary.lastInteraction ?? at, at)
            let time = SQLValue.text(at.rfc3339)
            rows.append(
                SeedRow(
                    table: .interaction,
                    values: [
                        .text(random.pick(InteractionSchema.channels)), .text(random.pick(["inbound", "outbound"])),
                        .text(random.pick(["回访", "Quarterly review", "产品演示", "Follow-up call", "Pricing question"])), time,
                        .integer(Int64(random.int(60...3600))), .text(random.pick(DemoData.owners)), time, time,
                    ]))
        }
        if random.chance(20) { rows.append(opportunity(epoch: epoch, summary: &summary)) }
        if random.chance(10) {
            for _ in 0..<random.int(1...2) { rows.append(ticket(epoch: epoch, summary: &summary)) }
        }
        if random.chance(15) {
            let kind = random.pick(["nps", "nps", "csat", "csat", "ces", "review", "complaint", "suggestion", "praise"])
            let range = FeedbackSchema.scoreRanges[kind]
            let score = range.map { Int64(random.int(Int($0.lowerBound)...Int($0.upperBound))) }
            let at = epoch.adding(milliseconds: -Int64(random.int(0...365)) * Self.day)
            if let score { summary.addFeedback(kind: kind, score: score, at: at) }
            let time = SQLValue.text(at.rfc3339)
            rows.append(
                SeedRow(
                    table: .feedback,
                    values: [
                        .text(kind), score.map(SQLValue.integer) ?? .null,
                        .text(random.pick(["很满意", "Great support", "发货太慢", "Could be faster", "推荐给朋友"])),
                        .text(random.pick(["email", "web", "wechat"])), .text(random.pick(FeedbackSchema.statuses)), time, time,
                    ]))
        }
        return (rows, summary)
    }

    private mutating func opportunity(epoch: Timestamp, summary: inout ActivitySummary) -> SeedRow {
        let created = epoch.adding(milliseconds: -Int64(random.int(10...300)) * Self.day)
        let stageIndex = random.int(0...5)
        let stage = Self.salesStages[stageIndex]
        let closed = stage == "won" || stage == "lost"
        if !closed { summary.hasOpenOpportunity = true }
        let entered = created.adding(milliseconds: Int64(stageIndex) * 3 * Self.day)
        let closeDate = CalendarDate(epoch.adding(milliseconds: Int64(random.int(-60...180)) * Self.day))
        var row = SeedRow(
            table: .opportunity,
            values: [
                .text(random.pick(["年度订阅", "Enterprise upgrade", "渠道合作", "Renewal 2026", "新门店系统"])), .text(stage),
                .integer(Int64(random.int(10...500)) * 10_000), .integer(Self.probabilities[stage] ?? 0), .text(closeDate.description),
                .text(random.pick(DemoData.owners)), .text(random.pick(["web", "referral", "event"])),
                stage == "lost" ? .text(random.pick(["预算不足", "Chose a competitor", "No decision"])) : .null,
                .integer(closed ? 1 : 0), .integer(stage == "won" ? 1 : 0), closed ? .text(entered.rfc3339) : .null, .text(entered.rfc3339),
                .text(created.rfc3339), .text(entered.rfc3339),
            ])
        var previous: SQLValue = .null
        for index in 0...stageIndex where index == 0 || index == stageIndex || (index < 4 && Self.salesStages[index] != "won") {
            let to = Self.salesStages[index]
            if stage == "lost" && to == "won" { continue }
            row.children.append(
                SeedRow(
                    table: .stageHistory,
                    values: [previous, .text(to), .text(created.adding(milliseconds: Int64(index) * 3 * Self.day).rfc3339)]))
            previous = .text(to)
        }
        return row
    }

    private mutating func ticket(epoch: Timestamp, summary: inout ActivitySummary) -> SeedRow {
        let created = epoch.adding(milliseconds: -Int64(random.int(0...200)) * Self.day - Int64(random.int(0...86_399_999)))
        let priority = random.pick(["low", "normal", "normal", "high", "urgent"])
        let targets: [String: (Int64, Int64)] = ["urgent": (60, 240), "high": (240, 1440), "normal": (480, 4320), "low": (1440, 10080)]
        let (first, resolution) = targets[priority] ?? (480, 4320)
        let status = random.pick(["new", "open", "pending", "solved", "solved", "closed", "closed"])
        if status != "solved" && status != "closed" { summary.openTickets += 1 }
        let responded = status != "new" ? created.adding(milliseconds: Int64(random.int(5...600)) * 60_000) : nil
        let solved = status == "solved" || status == "closed" ? created.adding(milliseconds: Int64(random.int(30...6000)) * 60_000) : nil
        var row = SeedRow(
            table: .ticket,
            values: [
                .text(random.pick(Self.subjects)), .text("客户反馈 / customer report"), .text(status), .text(priority),
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
        for index in 0..<random.int(0...3) {
            let at = (responded ?? created).adding(milliseconds: Int64(index) * 3_600_000)
            row.children.append(
                SeedRow(
                    table: .comment,
                    values: [
                        .text(index % 2 == 0 ? "客服小王" : "客户"), .text(index % 2 == 0 ? "staff" : "customer"),
                        .text(random.pick(["我们正在处理", "Thanks, it works now", "请提供截图", "Any update?"])), .integer(1), .text(at.rfc3339),
                    ]))
        }
        return row
    }
}
