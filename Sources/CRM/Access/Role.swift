/// What an API key may do (API.md §1, "Roles"). A key has exactly one role.
public enum Role: String, Sendable, CaseIterable, Codable {
    case admin, sales, support, marketing, viewer

    /// Whether this role may write records of `resource`.
    ///
    /// Every role reads all business data and analytics; only `admin` reads or writes the
    /// administrative resources (keys, webhooks, automations, SLA policies, pipelines, custom field
    /// definitions, audit log).
    public func mayWrite(_ resource: Resource) -> Bool {
        switch self {
        case .admin: true
        case .sales: [.customers, .orders, .interactions, .opportunities, .tasks].contains(resource)
        case .support: [.customers, .interactions, .tickets, .feedback, .tasks].contains(resource)
        case .marketing: [.customers, .segments, .feedback, .tasks].contains(resource)
        case .viewer: false
        }
    }

    /// Whether this role may read records of `resource`.
    public func mayRead(_ resource: Resource) -> Bool {
        self == .admin || !resource.isAdministrative
    }
}

/// The kinds of records the roles table speaks of.
public enum Resource: String, Sendable, CaseIterable {
    case customers, orders, interactions, opportunities, pipelines, tickets, feedback, tasks, segments, fields
    case analytics, changes
    case apiKeys = "api-keys"
    case webhooks, automations
    case slaPolicies = "sla-policies"
    case auditLog = "audit-log"
    /// A customer's data export and erasure (API.md §2, "data-subject requests").
    case dataSubjectRequests = "data-subject-requests"

    /// Resources only `admin` may read (writes to pipelines and SLA policies are admin-only too,
    /// but every role reads them).
    public var isAdministrative: Bool {
        switch self {
        case .apiKeys, .webhooks, .automations, .auditLog, .dataSubjectRequests: true
        default: false
        }
    }
}
