import SQLite

/// The RFM scores of a bulk load's whole population, computed before any row is written so each
/// customer is inserted with its own instead of updated afterwards. Same rule as
/// ``CustomerScoring`` over the same orders: `1 + min(4, ⌊5 × (rank − 1) / n⌋)` per dimension,
/// where ties share a rank and recency ranks the most days lowest. (A test checks that
/// ``CustomerScoring`` finds nothing to change after a seed.)
struct SeedScores: Sendable {
    struct Inputs: Sendable {
        /// Whole days since the last paid order.
        let days: Int64
        /// Paid orders, and their total, in the last 365 days.
        let frequency: Int64
        let monetary: Int64
    }

    private let inputs: [Inputs?]
    private let days: [Int64]
    private let frequencies: [Int64]
    private let monetaries: [Int64]

    /// `inputs[i]` belongs to the load's `i`-th customer.
    init(_ inputs: [Inputs?]) {
        self.inputs = inputs
        let scored = inputs.compactMap { $0 }
        days = scored.map(\.days).sorted()
        frequencies = scored.map(\.frequency).sorted()
        monetaries = scored.map(\.monetary).sorted()
    }

    /// The `i`-th customer's `rfm_r`, `rfm_f`, `rfm_m`, `rfm_score` (nulls without a paid order)
    /// and its tier.
    func values(at index: Int) -> (columns: [SQLValue], tier: String) {
        guard let input = inputs[index] else { return ([.null, .null, .null, .null], CustomerScoring.tier(score: nil, override: nil)) }
        // rank() OVER (ORDER BY days DESC): one more than the number with more days.
        let r = score(rank: days.count - Self.firstIndex(after: input.days, in: days) + 1)
        let f = score(rank: Self.firstIndex(of: input.frequency, in: frequencies) + 1)
        let m = score(rank: Self.firstIndex(of: input.monetary, in: monetaries) + 1)
        let total = r + f + m
        return ([.integer(r), .integer(f), .integer(m), .integer(total)], CustomerScoring.tier(score: total, override: nil))
    }

    static let columns = ["rfm_r", "rfm_f", "rfm_m", "rfm_score"]

    private func score(rank: Int) -> Int64 {
        Int64(1 + min(4, (rank - 1) * 5 / days.count))
    }

    /// SQLite's `CAST(julianday(to) - julianday(from) AS INTEGER)`, to the same rounding:
    /// julianday is the millisecond Julian day number divided as a double.
    static func wholeDays(from: Timestamp, to: Timestamp) -> Int64 {
        let julianEpoch: Int64 = 210_866_760_000_000
        func julianDay(_ time: Timestamp) -> Double { Double(time.millisecondsSinceEpoch + julianEpoch) / 86_400_000.0 }
        return Int64(julianDay(to) - julianDay(from))
    }

    /// The index of the first element equal to or greater than `value` in `sorted`.
    private static func firstIndex(of value: Int64, in sorted: [Int64]) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The index of the first element greater than `value` in `sorted`.
    private static func firstIndex(after value: Int64, in sorted: [Int64]) -> Int {
        value == .max ? sorted.count : firstIndex(of: value + 1, in: sorted)
    }
}
