import CRM
import Foundation
import XCTest

/// RFM scores and tiers computed by the scoring job over hand-chosen fixtures (API.md §3).
///
/// Each dimension scores `1 + min(4, ⌊5 × (rank − 1) / n⌋)`, rank = SQL `rank()` over the `n` live
/// customers with a paid order: recency by days since the last paid order, most days first;
/// frequency by paid orders in the last 365 days, ascending; monetary by paid amount in the last
/// 365 days, ascending. Tier: vip ≥ 13, important ≥ 9, else standard; `tier_override` wins.
final class SalesScoringTests: SalesTestCase {

    struct Expected {
        let name: String
        /// Paid orders: (days ago, amount). Half-day offsets keep whole-day counts unambiguous.
        let orders: [(Double, Int)]
        let r: Int, f: Int, m: Int
        var score: Int { r + f + m }
        let tier: String
    }

    /// n = 10 scored customers, so a dimension's score is 1 + ⌊(rank − 1) / 2⌋.
    ///
    /// | | last paid (days) | r rank | f (365 d) | f rank | m (365 d) | m rank |
    /// |---|---|---|---|---|---|---|
    /// | A | 300 | 1 → 1 | 1 | 1 → 1 | 1 000 | 1 → 1 |
    /// | B | 200 | 2 → 1 | 1 | 1 → 1 | 5 000 | 5 → 3 |
    /// | C | 100 | 3 → 2 | 1 (+1 older than a year) | 1 → 1 | 2 000 | 2 → 1 |
    /// | D | 50 | 4 → 2 | 2 | 5 → 3 | 2 000 | 2 → 1 |
    /// | E | 50 (other hour) | 4 → 2 | 2 | 5 → 3 | 6 000 | 6 → 3 |
    /// | F | 20 | 6 → 3 | 3 | 7 → 4 | 3 000 | 4 → 2 |
    /// | G | 10 | 7 → 4 | 3 | 7 → 4 | 15 000 | 8 → 4 |
    /// | H | 5 | 8 → 4 | 4 | 9 → 5 | 8 000 | 7 → 4 |
    /// | I | 1 | 9 → 5 | 5 | 10 → 5 | 20 000 | 9 → 5 |
    /// | J | 1 | 9 → 5 | 1 | 1 → 1 | 50 000 | 10 → 5 |
    static let fixtures: [Expected] = [
        Expected(name: "A", orders: [(300.5, 1000)], r: 1, f: 1, m: 1, tier: "standard"),
        Expected(name: "B", orders: [(200.5, 5000)], r: 1, f: 1, m: 3, tier: "standard"),
        Expected(name: "C", orders: [(400.5, 100_000), (100.5, 2000)], r: 2, f: 1, m: 1, tier: "standard"),
        Expected(name: "D", orders: [(50.5, 1000), (60.5, 1000)], r: 2, f: 3, m: 1, tier: "standard"),
        Expected(name: "E", orders: [(50.25, 3000), (70.5, 3000)], r: 2, f: 3, m: 3, tier: "standard"),
        Expected(name: "F", orders: [(20.5, 1000), (30.5, 1000), (40.5, 1000)], r: 3, f: 4, m: 2, tier: "important"),
        Expected(name: "G", orders: [(10.5, 5000), (11.5, 5000), (12.5, 5000)], r: 4, f: 4, m: 4, tier: "important"),
        Expected(name: "H", orders: [(5.5, 2000), (6.5, 2000), (7.5, 2000), (8.5, 2000)], r: 4, f: 5, m: 4, tier: "vip"),
        Expected(name: "I", orders: [(1.5, 4000), (2.5, 4000), (3.5, 4000), (4.5, 4000), (5.5, 4000)], r: 5, f: 5, m: 5, tier: "vip"),
        Expected(name: "J", orders: [(1.5, 50000)], r: 5, f: 1, m: 5, tier: "important"),
    ]

    /// Creates the fixtures plus customers that must not count; returns name → id.
    private func buildFixtures() throws -> [String: Int] {
        var ids: [String: Int] = [:]
        for fixture in Self.fixtures {
            let id = try sales.customer(fixture.name)
            ids[fixture.name] = id
            for (days, amount) in fixture.orders { try sales.order(id, amount: amount, at: SalesTime.ago(days: days)) }
        }
        // Orders that do not count: A's recent refund (would make A the most recent), C's big
        // cancelled order in the year (would raise C's frequency and monetary), J's refund.
        try sales.order(ids["A"]!, amount: 900_000, at: SalesTime.ago(days: 0.5), ["status": "refunded"])
        try sales.order(ids["C"]!, amount: 900_000, at: SalesTime.ago(days: 3.5), ["status": "cancelled"])
        try sales.order(ids["J"]!, amount: 1, at: SalesTime.ago(days: 300.5), ["status": "refunded"])
        // K has only a refunded order, M none: neither is scored nor counted in n.
        let k = try sales.customer("K")
        ids["K"] = k
        try sales.order(k, amount: 1_000_000, at: SalesTime.ago(days: 2.5), ["status": "refunded"])
        ids["M"] = try sales.customer("M")
        // L is deleted: its paid orders do not count in n either (n = 11 would change the scores).
        let l = try sales.customer("L")
        for days in [0.5, 1.5, 2.5, 3.5, 4.5, 5.5] { try sales.order(l, amount: 1_000_000, at: SalesTime.ago(days: days)) }
        try sales.expect(204, "DELETE", "/v1/customers/\(l)")
        return ids
    }

    private func assertScores(_ ids: [String: Int], file: StaticString = #filePath, line: UInt = #line) throws {
        for fixture in Self.fixtures {
            let customer = try sales.customerJSON(ids[fixture.name]!, file: file, line: line)
            let metrics = try XCTUnwrap(customer["metrics"] as? [String: Any], file: file, line: line)
            let rfm = try XCTUnwrap(metrics["rfm"] as? [String: Any], "\(fixture.name) has no rfm: \(metrics)", file: file, line: line)
            let actual = [rfm["r"] as? Int, rfm["f"] as? Int, rfm["m"] as? Int, rfm["score"] as? Int]
            XCTAssertEqual(actual, [fixture.r, fixture.f, fixture.m, fixture.score], "rfm of \(fixture.name)", file: file, line: line)
            XCTAssertEqual(customer["tier"] as? String, fixture.tier, "tier of \(fixture.name)", file: file, line: line)
        }
        for name in ["K", "M"] {
            let customer = try sales.customerJSON(ids[name]!, file: file, line: line)
            let metrics = try XCTUnwrap(customer["metrics"] as? [String: Any], file: file, line: line)
            XCTAssertTrue(metrics["rfm"] is NSNull, "\(name) has no paid order: \(metrics)", file: file, line: line)
            XCTAssertEqual(customer["tier"] as? String, "standard", name, file: file, line: line)
        }
    }

    func testRFMAndTierFromHandComputedQuintiles() throws {
        let ids = try buildFixtures()
        try server.application.recomputeScores()
        try assertScores(ids)
        // Recomputing with nothing changed changes nothing.
        let version = try sales.customerJSON(ids["G"]!)["version"] as? Int
        XCTAssertEqual(try server.application.recomputeScores(), 0)
        XCTAssertEqual(try sales.customerJSON(ids["G"]!)["version"] as? Int, version)
        // The analytics grid agrees with the customers' own scores.
        let analytics = try sales.send("GET", "/v1/analytics/customers")
        if analytics.status == 200, let grid = try analytics.json()["rfm_grid"] as? [[String: Any]] {
            var expected: [String: Int] = [:]
            for fixture in Self.fixtures { expected["\(fixture.r)/\(fixture.f)", default: 0] += 1 }
            var actual: [String: Int] = [:]
            for cell in grid {
                if let r = cell["r"] as? Int, let f = cell["f"] as? Int, let count = cell["count"] as? Int, count > 0 {
                    actual["\(r)/\(f)"] = count
                }
            }
            XCTAssertEqual(actual, expected, analytics.text)
        }
    }

    func testTierOverrideWinsAtOnceAndClearingItFallsBack() throws {
        let ids = try buildFixtures()
        try server.application.recomputeScores()
        let a = ids["A"]!, i = ids["I"]!
        let patched = try sales.expect(200, "PATCH", "/v1/customers/\(a)", json: ["tier_override": "vip"])
        XCTAssertEqual(patched["tier"] as? String, "vip")
        XCTAssertEqual(patched["tier_override"] as? String, "vip")
        XCTAssertEqual(try sales.customerJSON(a)["tier"] as? String, "vip")
        let down = try sales.expect(200, "PATCH", "/v1/customers/\(i)", json: ["tier_override": "standard"])
        XCTAssertEqual(down["tier"] as? String, "standard")
        // The scoring job keeps the override, and the RFM scores stay computed.
        try server.application.recomputeScores()
        XCTAssertEqual(try sales.customerJSON(a)["tier"] as? String, "vip")
        XCTAssertEqual(try sales.customerJSON(i)["tier"] as? String, "standard")
        let rfm = try XCTUnwrap(try sales.metrics(i)["rfm"] as? [String: Any])
        XCTAssertEqual(rfm["score"] as? Int, 15)
        // Clearing the override shows the computed tier at once.
        let cleared = try sales.expect(200, "PATCH", "/v1/customers/\(a)", json: ["tier_override": NSNull()])
        XCTAssertTrue(cleared["tier_override"] is NSNull)
        XCTAssertEqual(cleared["tier"] as? String, "standard")
        XCTAssertEqual(try sales.expect(200, "PATCH", "/v1/customers/\(i)", json: ["tier_override": NSNull()])["tier"] as? String, "vip")
        // An override on a customer with no score at all.
        XCTAssertEqual(
            try sales.expect(200, "PATCH", "/v1/customers/\(ids["M"]!)", json: ["tier_override": "important"])["tier"] as? String,
            "important")
        // tier itself is read-only, and the override is an enum.
        let readOnly = try sales.send("PATCH", "/v1/customers/\(a)", json: ["tier": "vip"])
        XCTAssertEqual(readOnly.status, 422)
        XCTAssertEqual(readOnly.problemFields, ["tier"])
        let bad = try sales.send("PATCH", "/v1/customers/\(a)", json: ["tier_override": "gold"])
        XCTAssertEqual(bad.status, 422)
        XCTAssertEqual(bad.problemFields, ["tier_override"])
    }

    private func assertRFM(
        _ ids: [String: Int], _ expected: [String: [Int]], tiers: [String: String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for (name, rfm) in expected.sorted(by: { $0.key < $1.key }) {
            let customer = try sales.customerJSON(ids[name]!, file: file, line: line)
            let metrics = try XCTUnwrap(customer["metrics"] as? [String: Any], file: file, line: line)
            let actual = try XCTUnwrap(metrics["rfm"] as? [String: Any], "\(name): \(metrics)", file: file, line: line)
            XCTAssertEqual(
                [actual["r"] as? Int, actual["f"] as? Int, actual["m"] as? Int, actual["score"] as? Int], rfm + [rfm.reduce(0, +)],
                "rfm of \(name)",
                file: file, line: line)
            XCTAssertEqual(customer["tier"] as? String, tiers[name], "tier of \(name)", file: file, line: line)
        }
    }

    func testScoresMoveWhenThePopulationChanges() throws {
        var ids = try buildFixtures()
        try server.application.recomputeScores()
        try assertScores(ids)
        // N: one big order half a day ago. n = 11, score = 1 + min(4, ⌊5 (rank − 1) / 11⌋):
        // ranks 1-3 → 1, 4-5 → 2, 6-7 → 3, 8-9 → 4, 10-11 → 5.
        // recency: A1 B2 C3 D4 E4 F6 G7 H8 I9 J9 N11; frequency: A B C J N 1, D E 6, F G 8, H 10, I 11;
        // monetary: A1 C2 D2 F4 B5 E6 H7 G8 I9 J10 N11.
        let n = try sales.customer("N")
        ids["N"] = n
        try sales.order(n, amount: 100_000, at: SalesTime.ago(days: 0.5))
        try server.application.recomputeScores()
        try assertRFM(
            ids,
            [
                "A": [1, 1, 1], "B": [1, 1, 2], "C": [1, 1, 1], "D": [2, 3, 1], "E": [2, 3, 3], "F": [3, 4, 2], "G": [3, 4, 4],
                "H": [4, 5, 3], "I": [4, 5, 4], "J": [4, 1, 5], "N": [5, 1, 5],
            ],
            tiers: [
                "A": "standard", "B": "standard", "C": "standard", "D": "standard", "E": "standard", "F": "important", "G": "important",
                "H": "important", "I": "vip", "J": "important", "N": "important",
            ])

        // Refunding every paid order of I removes its score; n = 10 again.
        let orders = try sales.list("/v1/orders", [("customer_id", "\(ids["I"]!)"), ("status", "paid")])
        XCTAssertEqual(orders.count, 5)
        for order in orders { try sales.expect(200, "PATCH", "/v1/orders/\(order["id"] as! Int)", json: ["status": "refunded"]) }
        try server.application.recomputeScores()
        XCTAssertTrue(try sales.metrics(ids["I"]!)["rfm"] is NSNull)
        XCTAssertEqual(try sales.customerJSON(ids["I"]!)["tier"] as? String, "standard")
        // recency: A1 B2 C3 D4 E4 F6 G7 H8 J9 N10; frequency: A B C J N 1, D E 6, F G 8, H 10;
        // monetary: A1 C2 D2 F4 B5 E6 H7 G8 J9 N10.
        try assertRFM(
            ids,
            [
                "A": [1, 1, 1], "B": [1, 1, 3], "C": [2, 1, 1], "D": [2, 3, 1], "E": [2, 3, 3], "F": [3, 4, 2], "G": [4, 4, 4],
                "H": [4, 5, 4], "J": [5, 1, 5], "N": [5, 1, 5],
            ],
            tiers: [
                "A": "standard", "B": "standard", "C": "standard", "D": "standard", "E": "standard", "F": "important", "G": "important",
                "H": "vip", "J": "important", "N": "important",
            ])
    }
}
