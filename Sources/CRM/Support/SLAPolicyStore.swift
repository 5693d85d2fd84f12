import SQLite

/// The `sla_policies` table: one row per ticket priority.
enum SLAPolicyStore {
    static func all(_ connection: StoreConnection) throws -> [String: SLAPolicy] {
        var policies: [String: SLAPolicy] = [:]
        for row in try connection.query("SELECT priority, first_response_minutes, resolution_minutes FROM sla_policies") {
            guard let priority = row.string(0), let first = row.int64(1), let resolution = row.int64(2) else { continue }
            policies[priority] = SLAPolicy(firstResponseMinutes: first, resolutionMinutes: resolution)
        }
        return policies
    }

    static func update(_ connection: StoreConnection, priority: String, _ policy: SLAPolicy) throws {
        try connection.run(
            "UPDATE sla_policies SET first_response_minutes = ?, resolution_minutes = ? WHERE priority = ?",
            [.integer(policy.firstResponseMinutes), .integer(policy.resolutionMinutes), .text(priority)])
    }
}
