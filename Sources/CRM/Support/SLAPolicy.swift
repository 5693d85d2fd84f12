import JSON
import SQLite

/// SLA targets per priority (API.md §2 "sla-policies"), in minutes.
public struct SLAPolicy: Sendable, Equatable {
    public var firstResponseMinutes: Int64
    public var resolutionMinutes: Int64

    public static let priorities = ["urgent", "high", "normal", "low"]

    public static func all(_ connection: StoreConnection) throws -> [String: SLAPolicy] {
        try SLAPolicyStore.all(connection)
    }

    public static func replaceAll(_ connection: StoreConnection, _ policies: [String: SLAPolicy]) throws {
        for (priority, policy) in policies { try SLAPolicyStore.update(connection, priority: priority, policy) }
    }

    public static func json(_ policies: [String: SLAPolicy]) -> JSONValue {
        var object = JSONObject()
        for priority in priorities {
            guard let policy = policies[priority] else { continue }
            object[priority] = [
                "first_response_minutes": .int(policy.firstResponseMinutes), "resolution_minutes": .int(policy.resolutionMinutes),
            ]
        }
        return .object(object)
    }

    /// Validates a PUT body: all four priorities, each with both positive targets (≤ 1 year; the
    /// first response no later than the resolution), nothing else.
    public static func parse(_ body: JSONObject) throws(CRMError) -> [String: SLAPolicy] {
        var issues: [FieldIssue] = []
        var policies: [String: SLAPolicy] = [:]
        for key in body.keys where !priorities.contains(key) {
            issues.append(FieldIssue(key, "unknown_field", "priorities are urgent, high, normal and low"))
        }
        for priority in priorities {
            guard let object = body[priority]?.objectValue else {
                issues.append(FieldIssue(priority, "required", "an object with first_response_minutes and resolution_minutes"))
                continue
            }
            for key in object.keys where key != "first_response_minutes" && key != "resolution_minutes" {
                issues.append(FieldIssue("\(priority).\(key)", "unknown_field", "no such field"))
            }
            var values: [Int64] = []
            for name in ["first_response_minutes", "resolution_minutes"] {
                if let minutes = object[name]?.intValue, (1...525_600).contains(minutes) {
                    values.append(minutes)
                } else {
                    issues.append(FieldIssue("\(priority).\(name)", "out_of_range", "whole minutes from 1 to 525600"))
                }
            }
            if values.count == 2 && values[0] > values[1] {
                // A first response due after the resolution could never be breached alone: a typo.
                issues.append(
                    FieldIssue("\(priority).first_response_minutes", "out_of_range", "at most resolution_minutes (\(values[1]))"))
            } else if values.count == 2 {
                policies[priority] = SLAPolicy(firstResponseMinutes: values[0], resolutionMinutes: values[1])
            }
        }
        if !issues.isEmpty { throw .validation(issues) }
        return policies
    }
}
