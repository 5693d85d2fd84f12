import JSON
import SQLite

/// Seeds what customers do — orders with their loyalty points, interactions, opportunities with
/// their stage history, tickets with comments, feedback, tasks — in realistic proportions, as rows
/// for the writer, and adds up each customer's derived metrics on the way (``ActivitySummary``).
/// Deterministic like ``CustomerSeeder``; no change-feed or audit entries.
///
/// Per customer, on average: 60 % have 1–8 orders (90 % paid) over the last 18 months, each paid
/// one earning points (some redeemed); 0–2 interactions; 20 % an opportunity (a funnel: fewer
/// reach each later stage, and old ones are mostly won or lost); 10 % 1–2 tickets with 0–3
/// comments; 15 % 1–2 pieces of feedback over the last 18 months; 25 % 1–2 tasks due in the
/// past or next weeks. (The opportunities, tickets, feedback and tasks are in
/// `ActivitySeeder+Sales.swift` and `ActivitySeeder+Service.swift`.)
struct ActivitySeeder {
    static let day: Int64 = 86_400_000
    private static let products: [(sku: String, name: String, unitAmount: Int)] = [
        ("SKU-100", "CRM 专业版", 129_900), ("SKU-200", "Onboarding package", 50_000), ("SKU-300", "数据迁移服务", 300_000),
        ("SKU-400", "Support plan", 80_000),
    ]

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

    /// Customer `number`'s activity: its rows, and what they add up to. `owner` is the
    /// customer's, who gets most of its tasks.
    mutating func generate(customer number: Int, owner: String, epoch: Timestamp, yearAgo: Timestamp) -> (
        rows: [SeedRow], summary: ActivitySummary
    ) {
        var rows: [SeedRow] = []
        var summary = ActivitySummary()
        let orders = Self.plannedOrders(customer: number, epoch: epoch)
        for order in orders {
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
        loyalty(orders, epoch: epoch, rows: &rows, summary: &summary)
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
            for _ in 0..<random.int(1...2) { rows.append(feedback(epoch: epoch, summary: &summary)) }
        }
        if random.chance(25) {
            for _ in 0..<random.int(1...2) { rows.append(task(owner: owner, epoch: epoch)) }
        }
        return (rows, summary)
    }

    /// Loyalty points: one point per yuan of each paid order, earned when it was paid, and now
    /// and then some redeemed (never more than the balance), in time order so the ledger's ids
    /// follow its times and each `balance_after` is the running sum.
    private mutating func loyalty(_ orders: [PlannedOrder], epoch: Timestamp, rows: inout [SeedRow], summary: inout ActivitySummary) {
        let paid = orders.filter { $0.status == "paid" }.sorted { $0.ordered < $1.ordered }
        var balance: Int64 = 0
        for (index, order) in paid.enumerated() {
            let points = max(1, order.amount / 100)
            balance += points
            rows.append(
                SeedRow(
                    table: .loyalty,
                    values: [
                        .integer(points), .text(random.pick(["订单积分", "Points for order"])), .integer(balance), .text(order.ordered.rfc3339),
                    ]))
            guard random.chance(20) else { continue }
            let redeemed = min(balance, Int64(random.pick([200, 500, 1000, 2000, 5000])))
            // Between this order and the next (or today).
            let until = index + 1 < paid.count ? paid[index + 1].ordered : epoch
            let span = max(1, until.milliseconds(since: order.ordered))
            let at = order.ordered.adding(milliseconds: 1 + Int64(random.int(0...Int(min(span - 1, 30 * Self.day)))))
            balance -= redeemed
            rows.append(
                SeedRow(
                    table: .loyalty,
                    values: [
                        .integer(-redeemed), .text(random.pick(["兑换咖啡券", "Gift card", "积分抵现"])), .integer(balance), .text(at.rfc3339),
                    ]))
        }
        summary.loyaltyPoints = balance
    }
}
