import SQLite

/// The ticket list's own SQL (the shared record columns are ``RecordStore``'s).
enum TicketStore {
    /// `sla_breached=true|false` on the ticket list: a target missed, judged at the request's
    /// time (a paused ticket is judged at the moment it was paused).
    static let slaBreachedParameter = ListParameter { value, now throws(CRMError) in
        guard value == "true" || value == "false" else {
            throw .invalidParameter(name: "sla_breached", message: "sla_breached must be true or false")
        }
        let (sql, bindings) = breachedCondition(value == "true", now: now)
        return ListCondition(sql: sql, bindings: bindings)
    }

    /// The condition on alias `r`: breached (or, with `false`, not breached) at `now`.
    static func breachedCondition(_ breached: Bool, now: Timestamp, alias r: String = "r") -> (sql: String, bindings: [SQLValue]) {
        let condition = """
            (coalesce(\(r).first_response_at, \(r).solved_at, ?) > \(r).first_response_due_at OR \
            CASE WHEN \(r).paused_since IS NOT NULL THEN \(r).paused_since > \(r).resolution_due_at \
            ELSE coalesce(\(r).solved_at, ?) > \(r).resolution_due_at END)
            """
        return (breached ? condition : "NOT \(condition)", [.text(now.rfc3339), .text(now.rfc3339)])
    }
}
