import SQLite

/// Seeded tickets, feedback and tasks.
///
/// - Tickets still open were opened in the last two months, decided ones over the last 18; each
///   answered one has its first response minutes to hours after it was opened and, when solved,
///   its solution after that, so the ticket report's medians and SLA compliance mean something.
/// - Feedback spreads over the last 18 months, more of it recently, with scores that lean
///   positive and improve a little over time, so the feedback report's months differ.
/// - Tasks fall due in the past six weeks (most done, some overdue) or the next four (most
///   open), assigned mostly to the customer's owner.
extension ActivitySeeder {
    private static let subjects = ["无法登录", "Invoice question", "数据导出失败", "Feature request: API limits", "账号权限问题", "Slow dashboard"]
    private static let slaTargets: [String: (Int64, Int64)] = [
        "urgent": (60, 240), "high": (240, 1440), "normal": (480, 4320), "low": (1440, 10080),
    ]

    mutating func ticket(epoch: Timestamp, summary: inout ActivitySummary) -> SeedRow {
        let status = random.pick(["new", "open", "pending", "solved", "solved", "closed", "closed"])
        let decided = status == "solved" || status == "closed"
        let days = decided ? random.int(3...540) : random.int(0...60)
        let created = epoch.adding(milliseconds: -Int64(days) * Self.day - Int64(random.int(0...86_399_999)))
        let priority = random.pick(["low", "normal", "normal", "high", "urgent"])
        let (first, resolution) = Self.slaTargets[priority] ?? (480, 4320)
        if !decided { summary.openTickets += 1 }
        let responded = status != "new" ? min(epoch, created.adding(milliseconds: Int64(random.int(5...600)) * 60_000)) : nil
        let solved = decided ? (responded ?? created).adding(milliseconds: Int64(random.int(30...6000)) * 60_000) : nil
        var row = SeedRow(
            table: .ticket,
            values: [
                .text(random.pick(Self.subjects)), .text("客户反馈 / customer report"), .text(status), .text(priority),
                .text(random.pick(TicketSchema.types)), .text(random.pick(["email", "phone", "web", "wechat"])),
                .text(random.pick(["客服小王", "Lee Support", "客服小李"])),
                .text(created.adding(milliseconds: first * 60_000).rfc3339),
                .text(created.adding(milliseconds: resolution * 60_000).rfc3339),
                status == "pending" ? .text(min(epoch, created.adding(milliseconds: 3_600_000)).rfc3339) : .null,
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

    mutating func feedback(epoch: Timestamp, summary: inout ActivitySummary) -> SeedRow {
        // Uniform over 18 months, or (40 %) leaning recent: the minimum of two draws.
        let days = random.chance(60) ? random.int(0...540) : min(random.int(0...540), random.int(0...540))
        let at = epoch.adding(milliseconds: -Int64(days) * Self.day - Int64(random.int(0...86_399_999)))
        let kind = random.pick(["nps", "nps", "nps", "csat", "csat", "ces", "review", "complaint", "complaint", "suggestion", "praise"])
        // Recent answers are a little happier: up to 15 points more often in the top band.
        let happier = random.chance(65 + (540 - days) * 15 / 540)
        let score: Int64? =
            switch kind {
            case "nps": Int64(happier ? random.int(7...10) : random.int(0...8))
            case "csat", "review": Int64(happier ? random.int(4...5) : random.int(1...4))
            case "ces": Int64(happier ? random.int(1...3) : random.int(3...7))
            default: nil
            }
        if let score { summary.addFeedback(kind: kind, score: score, at: at) }
        let comments =
            kind == "complaint"
            ? ["发货太慢", "Could be faster", "客服回复慢", "Billing was wrong"]
            : kind == "suggestion" ? ["希望支持导出 PDF", "Add a dark mode", "增加微信通知"] : ["很满意", "Great support", "推荐给朋友", "Easy to use"]
        // Older feedback has been dealt with.
        let status = days > 60 ? random.pick(["actioned", "closed", "closed"]) : random.pick(FeedbackSchema.statuses)
        let time = SQLValue.text(at.rfc3339)
        return SeedRow(
            table: .feedback,
            values: [
                .text(kind), score.map(SQLValue.integer) ?? .null, .text(random.pick(comments)),
                .text(random.pick(["email", "web", "wechat"])),
                .text(status), time, time,
            ])
    }

    private static let taskTitles: [(kind: String, titles: [String])] = [
        ("follow_up", ["回访：确认发票已收到", "Follow up on the proposal", "电话跟进报价", "Check in after onboarding"]),
        ("follow_up", ["回访：确认发票已收到", "Follow up on the proposal", "电话跟进报价", "Check in after onboarding"]),
        ("renewal", ["续约提醒", "Send the renewal quote"]),
        ("care", ["生日关怀", "Thank-you call", "节日问候"]),
        ("data_review", ["核对客户资料", "Review duplicate contact details"]),
        ("other", ["准备季度回顾材料", "Book the quarterly review"]),
    ]

    mutating func task(owner: String, epoch: Timestamp) -> SeedRow {
        let (kind, titles) = random.pick(Self.taskTitles)
        // Due at a working hour in China (01:00–10:00 UTC), or (10 %) without a due date.
        let due =
            random.chance(90)
            ? epoch.adding(milliseconds: Int64(random.int(-42...28)) * Self.day + Int64(random.int(1...10)) * 3_600_000) : nil
        let past = due.map { $0 < epoch } ?? random.chance(50)
        let roll = random.int(0...99)
        let status =
            past ? (roll < 70 ? "done" : roll < 80 ? "cancelled" : "open") : (roll < 88 ? "open" : roll < 98 ? "done" : "cancelled")
        // Made a few days to three weeks before it fell due (and before today).
        let created = min(epoch, due ?? epoch).adding(
            milliseconds: -Int64(random.int(1...21)) * Self.day - Int64(random.int(0...86_399_999)))
        let updated =
            status == "open" ? created : created.adding(milliseconds: Int64(random.int(0...Int(epoch.milliseconds(since: created)))))
        return SeedRow(
            table: .task,
            values: [
                .text(random.pick(titles)), due.map { .text($0.rfc3339) } ?? .null,
                .text(random.chance(80) ? owner : random.pick(DemoData.owners)),
                .text(kind), .text(status), .text(created.rfc3339), .text(updated.rfc3339),
            ])
    }
}
