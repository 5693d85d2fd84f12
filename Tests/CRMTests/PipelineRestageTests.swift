import Foundation
import SQLite
import XCTest

@testable import CRM

/// A pipeline write that turns a stage closed or open rewrites the live opportunities standing in
/// it, each as a record, up to ``PipelineService/maximumRestaged``; past that it is a `409` and
/// nothing changes.
final class PipelineRestageTests: TemporaryDatabaseTestCase {
    private static let customers = CustomerService(baseCurrency: "CNY")
    private static let opportunities = OpportunityService.make(settings: CRMSettings(), customers: customers)
    private static let now = Timestamp(rfc3339: "2026-06-01T00:00:00.000Z")!

    /// The default pipeline's stages with `negotiation` closed (lost) or open.
    private static func stages(negotiationClosed: Bool) -> [PipelineStage] {
        [
            PipelineStage(key: "qualification", name: "Qualification", probability: 10, closed: false, won: false),
            PipelineStage(key: "needs_analysis", name: "Needs analysis", probability: 25, closed: false, won: false),
            PipelineStage(key: "proposal", name: "Proposal", probability: 50, closed: false, won: false),
            PipelineStage(key: "negotiation", name: "Negotiation", probability: 75, closed: negotiationClosed, won: false),
            PipelineStage(key: "won", name: "Won", probability: 100, closed: true, won: true),
            PipelineStage(key: "lost", name: "Lost", probability: 0, closed: true, won: false),
        ]
    }

    /// `count` open opportunities in `negotiation` of one customer, written directly.
    private static func insertOpportunities(_ connection: StoreConnection, count: Int) throws {
        try connection.run(
            """
            INSERT INTO customers (id, type, name, lifecycle_stage, tier, created_at, updated_at)
            VALUES (1, 'person', 'C', 'prospect', 'standard', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
            """)
        for id in 1...count {
            try connection.run(
                """
                INSERT INTO opportunities (id, customer_id, name, pipeline_id, stage, probability, is_closed, stage_entered_at,
                    created_at, updated_at, currency)
                VALUES (?, 1, 'O', 1, 'negotiation', 75, 0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
                    '2026-01-01T00:00:00.000Z', 'CNY')
                """,
                [.integer(Int64(id))])
        }
    }

    private static func restage(_ connection: StoreConnection, closed: Bool) throws {
        _ = try PipelineService().update(
            connection, id: 1, RecordChanges(), stages: stages(negotiationClosed: closed), ifMatch: nil, opportunities: opportunities,
            actor: nil, now: now)
    }

    func testEveryOpportunityInTheStageIsRewrittenAndItsCustomerFollows() throws {
        let (closed, lifecycle) = try database.writeAndWait { connection -> (Int64, String?) in
            try Self.insertOpportunities(connection, count: 3)
            try Self.restage(connection, closed: true)
            let closed =
                try connection.queryOne(
                    "SELECT count(*) FROM opportunities WHERE is_closed = 1 AND closed_at = ? AND version = 2",
                    [.text(Self.now.rfc3339)])?.int64(0) ?? 0
            return (closed, try connection.queryOne("SELECT lifecycle_stage FROM customers WHERE id = 1")?.string(0))
        }
        XCTAssertEqual(closed, 3)
        XCTAssertNotEqual(lifecycle, "prospect")
    }

    func testMoreThanTheLimitIs409AndChangesNothing() throws {
        let count = PipelineService.maximumRestaged + 1
        try database.writeAndWait { connection in try Self.insertOpportunities(connection, count: count) }
        XCTAssertThrowsError(try database.writeAndWait { connection in try Self.restage(connection, closed: true) }) { error in
            guard case CRMError.conflict(_, let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.map(\.code), ["too_many_opportunities"])
        }
        let (open, version) = try database.writeAndWait { connection -> (Int64, Int64?) in
            (
                try connection.queryOne("SELECT count(*) FROM opportunities WHERE is_closed = 0 AND version = 1")?.int64(0) ?? 0,
                try connection.queryOne("SELECT version FROM pipelines WHERE id = 1")?.int64(0)
            )
        }
        XCTAssertEqual(open, Int64(count))
        XCTAssertEqual(version, 1, "the pipeline is unchanged too")
    }
}
