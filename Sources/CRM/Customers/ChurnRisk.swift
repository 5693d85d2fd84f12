import JSON

/// The churn-risk warning (`metrics.churn_risk`): a score from 0 to 100 that is the sum of a few
/// named signals the data holds, each with a short stable code and words a rep understands, so
/// the number can always be explained (docs/architecture.md, "Churn risk"):
///
/// | code | points | when |
/// |---|---|---|
/// | `overdue_vs_rhythm` | 20 / 30 / 40 | no paid order for 1.5× / 2× / 3× the customer's own average gap between paid orders (2+ orders), taken as at least 7 days |
/// | `single_order_long_ago` | 25 | one paid order only, longer ago than the at-risk days |
/// | `order_frequency_falling` | 15 | fewer paid orders in the last 180 days than in the 180 before (which had 2+) |
/// | `spend_falling` | 10 | paid spend in the last 180 days under half of the 180 before |
/// | `recent_complaint` | 15 | a complaint in the last 90 days |
/// | `low_satisfaction` | 15 | last NPS 0–6, or average CSAT under 3 |
/// | `open_tickets` | 10 | tickets neither solved nor closed |
/// | `no_recent_interaction` | 10 | a buyer with no logged interaction for 90 days |
///
/// A customer who never bought scores only on the service signals.
public enum ChurnRisk {
    /// What the model reads about one customer.
    public struct Signals: Sendable {
        public var paidOrders: Int64 = 0
        public var firstPaidAt: Timestamp?
        public var lastPaidAt: Timestamp?
        public var recentOrders: Int64 = 0
        public var priorOrders: Int64 = 0
        public var recentSpend: Int64 = 0
        public var priorSpend: Int64 = 0
        public var recentComplaints: Int64 = 0
        public var npsLast: Int64?
        public var csatAverage: Double?
        public var openTickets: Int64 = 0
        public var lastInteractionAt: Timestamp?

        public init() {}
    }

    public struct Reason: Sendable, Equatable {
        public let code: String
        public let points: Int
        public let text: String
    }

    /// The windows the signals are counted over.
    public static let trendDays: Int64 = 180
    public static let complaintDays: Int64 = 90
    public static let interactionDays: Int64 = 90

    public static func assess(_ signals: Signals, settings: CRMSettings, now: Timestamp) -> (score: Int, reasons: [Reason]) {
        var reasons: [Reason] = []
        func days(since time: Timestamp) -> Int64 { max(0, now.milliseconds(since: time) / CustomerMetrics.day) }

        if let last = signals.lastPaidAt {
            let silent = days(since: last)
            if signals.paidOrders >= 2, let first = signals.firstPaidAt {
                let usualGap = last.milliseconds(since: first) / CustomerMetrics.day / (signals.paidOrders - 1)
                // Silence is measured against a gap of at least a week: a customer who ordered
                // twice in a day is not overdue after two quiet days. The text states the real gap.
                let ratio = Double(silent) / Double(max(7, usualGap))
                let points = ratio >= 3 ? 40 : ratio >= 2 ? 30 : ratio >= 1.5 ? 20 : 0
                if points > 0 {
                    reasons.append(
                        Reason(
                            code: "overdue_vs_rhythm", points: points,
                            text:
                                "No order for \(silent) days; they usually order \(usualGap < 1 ? "within a day" : usualGap == 1 ? "every day" : "every \(usualGap) days")"
                        ))
                }
            } else if signals.paidOrders == 1, now.milliseconds(since: last) > Int64(settings.atRiskDays) * CustomerMetrics.day {
                // Past the at-risk days as the lifecycle counts them (exact time, not whole days),
                // so a one-time buyer turns `at_risk` and gets this reason in the same scoring.
                reasons.append(
                    Reason(code: "single_order_long_ago", points: 25, text: "Bought once, \(silent) days ago, and not since"))
            }
            if signals.priorOrders >= 2, signals.recentOrders < signals.priorOrders {
                reasons.append(
                    Reason(
                        code: "order_frequency_falling", points: 15,
                        text: "\(signals.recentOrders) orders in the last \(trendDays) days, down from \(signals.priorOrders)"))
            }
            if signals.priorSpend > 0, signals.recentSpend * 2 < signals.priorSpend {
                reasons.append(
                    Reason(code: "spend_falling", points: 10, text: "Spent less than half as much in the last \(trendDays) days as before"))
            }
            if signals.lastInteractionAt.map({ days(since: $0) > interactionDays }) ?? true {
                reasons.append(
                    Reason(code: "no_recent_interaction", points: 10, text: "No interaction logged in \(interactionDays) days"))
            }
        }
        if signals.recentComplaints > 0 {
            reasons.append(
                Reason(
                    code: "recent_complaint", points: 15,
                    text: signals.recentComplaints == 1
                        ? "Complained in the last \(complaintDays) days"
                        : "\(signals.recentComplaints) complaints in the last \(complaintDays) days"))
        }
        if let nps = signals.npsLast, nps <= 6 {
            reasons.append(Reason(code: "low_satisfaction", points: 15, text: "Last NPS answer was \(nps) (a detractor)"))
        } else if let csat = signals.csatAverage, csat < 3 {
            reasons.append(Reason(code: "low_satisfaction", points: 15, text: "Average CSAT is below 3"))
        }
        if signals.openTickets > 0 {
            reasons.append(
                Reason(
                    code: "open_tickets", points: 10,
                    text: signals.openTickets == 1 ? "Has an open support ticket" : "Has \(signals.openTickets) open support tickets"))
        }
        return (min(100, reasons.reduce(0) { $0 + $1.points }), reasons)
    }

    /// `[{"code","points","text"}]`, as stored in `churn_reasons` and rendered in `reasons`.
    static func json(_ reasons: [Reason]) -> String {
        JSONValue.array(
            reasons.map { ["code": .string($0.code), "points": .int(Int64($0.points)), "text": .string($0.text)] as JSONValue }
        ).jsonString
    }
}
