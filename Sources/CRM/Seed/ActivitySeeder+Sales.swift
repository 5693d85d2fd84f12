import SQLite

/// Seeded opportunities, shaped like a sales funnel so the funnel report has something to count:
/// every one enters `qualification`, about 70 % of those go on to `needs_analysis`, 65 % of them
/// to `proposal`, 55 % of them to `negotiation`. The older an opportunity, the likelier it is
/// decided: won mostly from negotiation (sometimes straight from a proposal), lost from any
/// stage. Each stage lasts a few days to a few weeks; the stage history records every move.
extension ActivitySeeder {
    private static let openStages = ["qualification", "needs_analysis", "proposal", "negotiation"]
    private static let goesOn = [70, 65, 55]
    private static let probabilities: [String: Int64] = [
        "qualification": 10, "needs_analysis": 25, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0,
    ]

    mutating func opportunity(epoch: Timestamp, summary: inout ActivitySummary) -> SeedRow {
        let age = Int64(random.int(5...540))
        let created = epoch.adding(milliseconds: -age * Self.day - Int64(random.int(0...86_399_999)))
        var reached = 0
        while reached < Self.goesOn.count, random.chance(Self.goesOn[reached]) { reached += 1 }
        var path = Array(Self.openStages[0...reached])
        if random.chance(min(90, 15 + Int(age) / 4)) {
            let winsPercent = reached == 3 ? 60 : reached == 2 ? 20 : 3
            path.append(random.chance(winsPercent) ? "won" : "lost")
        }
        let stage = path[path.count - 1]
        let closed = stage == "won" || stage == "lost"
        if !closed { summary.hasOpenOpportunity = true }
        // Moves spread over its age, the last before today.
        let longest = max(3_600_000, age * Self.day / Int64(path.count))
        var times = [created]
        for _ in 1..<path.count {
            times.append(times[times.count - 1].adding(milliseconds: Int64(random.int(3_600_000...Int(longest)))))
        }
        let entered = times[times.count - 1]
        let closeDate = CalendarDate(closed ? entered : epoch.adding(milliseconds: Int64(random.int(-30...180)) * Self.day))
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
        for (to, at) in zip(path, times) {
            row.children.append(SeedRow(table: .stageHistory, values: [previous, .text(to), .text(at.rfc3339)]))
            previous = .text(to)
        }
        return row
    }
}
