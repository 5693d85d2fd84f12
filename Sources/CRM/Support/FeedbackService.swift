import SQLite

/// Feedback (API.md §2): per-kind score rules, the status workflow, links to a ticket or
/// opportunity of the same customer, and the customer's `nps_last` / `csat_avg`.
public enum FeedbackService {
    public static func make(settings: CRMSettings, customers: CustomerService) -> RecordService {
        let schema = FeedbackSchema.schema
        return RecordService(
            schema: schema,
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, _, before, _ in
                    try applyRules(connection, &values, before: before)
                },
                afterWrite: { connection, before, after, _, now in
                    try SalesServices.refreshCustomers(connection, before, after, settings: settings, customers: customers, now: now)
                }))
    }

    static func applyRules(_ connection: StoreConnection, _ values: inout [String: SQLValue], before: Row?) throws {
        var issues: [FieldIssue] = []
        if before == nil && values["status"] == nil { values["status"] = .text("new") }
        if values["status"] == .null { issues.append(FieldIssue("status", "required", "cannot be null")) }
        let kind = values["kind"]?.text ?? before?.string("kind") ?? ""
        let score: Int64? =
            if let given = values["score"] {
                if case .integer(let number) = given { number } else { nil }
            } else {
                before?.int64("score")
            }
        if let range = FeedbackSchema.scoreRanges[kind] {
            if let score {
                if !range.contains(score) {
                    issues.append(FieldIssue("score", "out_of_range", "a \(kind) score is from \(range.lowerBound) to \(range.upperBound)"))
                }
            } else {
                issues.append(FieldIssue("score", "required", "a \(kind) needs a score from \(range.lowerBound) to \(range.upperBound)"))
            }
        } else if score != nil, !kind.isEmpty {
            issues.append(FieldIssue("score", "not_allowed", "a \(kind) takes no score"))
        }
        if let before, let to = values["status"]?.text, let from = before.string("status"), !FeedbackSchema.mayMove(from: from, to: to) {
            throw CRMError.conflict(
                "feedback status moves forward only", [FieldIssue("status", "invalid_transition", "\(from) → \(to) is not allowed")])
        }
        issues += try CustomerLinks.issues(connection, values, before: before)
        if !issues.isEmpty { throw CRMError.validation(issues) }
    }
}
