import XCTest

@testable import CRM

/// The roles table of API.md §1: what each role may write and read, for every resource.
///
/// | role | may write | may read |
/// |---|---|---|
/// | admin | everything, incl. api-keys, webhooks, automations, sla-policies, pipelines, fields | everything, incl. audit log |
/// | sales | customers, orders, interactions, opportunities, tasks | all business data, analytics |
/// | support | customers, interactions, tickets (+comments), feedback, tasks | all business data, analytics |
/// | marketing | customers, segments, feedback, tasks | all business data, analytics |
/// | viewer | nothing | all business data, analytics |
final class RoleTests: XCTestCase {
    /// What every role reads: business data, analytics and the change feed; pipelines, SLA
    /// policies and custom field definitions are read by every role (`GET /v1/pipelines`,
    /// `GET /v1/sla-policies`, `GET /v1/fields`: a frontend builds its forms from them).
    private static let businessAndAnalytics: Set<Resource> = [
        .customers, .orders, .interactions, .opportunities, .pipelines, .tickets, .feedback, .tasks, .segments,
        .analytics, .changes, .slaPolicies, .fields,
    ]
    /// Only admin reads these (API.md §2: api-keys, webhooks, automations, audit-log and the
    /// data-subject requests are "(admin)").
    private static let administrative: Set<Resource> = [.apiKeys, .webhooks, .automations, .auditLog, .dataSubjectRequests]

    private static let writes: [Role: Set<Resource>] = [
        .admin: Set(Resource.allCases),
        .sales: [.customers, .orders, .interactions, .opportunities, .tasks],
        .support: [.customers, .interactions, .tickets, .feedback, .tasks],
        .marketing: [.customers, .segments, .feedback, .tasks],
        .viewer: [],
    ]

    func testTheTableCoversEveryRoleAndResource() {
        XCTAssertEqual(Set(Role.allCases), [.admin, .sales, .support, .marketing, .viewer])
        XCTAssertEqual(Self.businessAndAnalytics.union(Self.administrative), Set(Resource.allCases))
        XCTAssertTrue(Self.businessAndAnalytics.isDisjoint(with: Self.administrative))
        XCTAssertEqual(Set(Self.writes.keys), Set(Role.allCases))
    }

    func testEveryRoleMayWriteExactlyItsResources() {
        for role in Role.allCases {
            for resource in Resource.allCases {
                let expected = Self.writes[role]?.contains(resource) ?? false
                XCTAssertEqual(role.mayWrite(resource), expected, "\(role) write \(resource.rawValue)")
            }
        }
    }

    func testEveryRoleMayReadExactlyItsResources() {
        for role in Role.allCases {
            for resource in Resource.allCases {
                let expected = role == .admin || Self.businessAndAnalytics.contains(resource)
                XCTAssertEqual(role.mayRead(resource), expected, "\(role) read \(resource.rawValue)")
            }
        }
    }

    func testAdminMayDoEverything() {
        for resource in Resource.allCases {
            XCTAssertTrue(Role.admin.mayRead(resource), resource.rawValue)
            XCTAssertTrue(Role.admin.mayWrite(resource), resource.rawValue)
        }
    }

    func testViewerWritesNothingAndReadsAllBusinessData() {
        for resource in Resource.allCases {
            XCTAssertFalse(Role.viewer.mayWrite(resource), resource.rawValue)
        }
        for resource in Self.businessAndAnalytics {
            XCTAssertTrue(Role.viewer.mayRead(resource), resource.rawValue)
        }
    }

    func testOnlyAdminTouchesAdministrativeResources() {
        for role in Role.allCases where role != .admin {
            for resource in Self.administrative {
                XCTAssertFalse(role.mayRead(resource), "\(role) read \(resource.rawValue)")
                XCTAssertFalse(role.mayWrite(resource), "\(role) write \(resource.rawValue)")
            }
            XCTAssertFalse(role.mayWrite(.pipelines), "\(role): pipelines are written by admin only")
            XCTAssertFalse(role.mayWrite(.slaPolicies), "\(role): SLA policies are written by admin only")
        }
    }

    func testEveryRoleThatWritesMayReadWhatItWrites() {
        for role in Role.allCases {
            for resource in Resource.allCases where role.mayWrite(resource) {
                XCTAssertTrue(role.mayRead(resource), "\(role) writes but cannot read \(resource.rawValue)")
            }
        }
    }

    func testRoleAndResourceNamesAreTheAPISpellings() {
        XCTAssertEqual(Role.allCases.map(\.rawValue), ["admin", "sales", "support", "marketing", "viewer"])
        XCTAssertEqual(Role(rawValue: "Admin"), nil, "role names are lower case")
        XCTAssertEqual(Resource.apiKeys.rawValue, "api-keys")
        XCTAssertEqual(Resource.slaPolicies.rawValue, "sla-policies")
        XCTAssertEqual(Resource.auditLog.rawValue, "audit-log")
    }
}
