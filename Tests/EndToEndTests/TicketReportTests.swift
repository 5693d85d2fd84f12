import Foundation
import SQLite
import XCTest

@testable import CRM

/// `GET /v1/analytics/tickets` against numbers computed by hand from tickets the test sets up.
final class TicketReportTests: SalesTestCase {
    /// Creates a ticket and then sets its clock fields directly in the file, so each number below
    /// can be worked out by hand.
    private func ticket(_ customer: Int, priority: String, fields: [String: String?]) throws {
        let made = try sales.expect(
            201, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "Help", "priority": priority] as [String: Any])
        let id = try XCTUnwrap(made["id"] as? Int)
        let names = fields.keys.sorted()
        let values: [SQLValue] = names.map { fields[$0]!.map(SQLValue.text) ?? .null } + [.integer(Int64(id))]
        _ = try server.application.database.writeAndWait { connection in
            try connection.run("UPDATE tickets SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?", values)
        }
    }

    func testBacklogComplianceAndMediansFromHandComputedNumbers() throws {
        let customer = try sales.customer("Needs help")
        // Met both targets: 30 min to respond, 120 to solve.
        try ticket(
            customer, priority: "normal",
            fields: [
                "status": "solved", "created_at": "2026-05-01T10:00:00.000Z", "first_response_at": "2026-05-01T10:30:00.000Z",
                "solved_at": "2026-05-01T12:00:00.000Z", "first_response_due_at": "2026-05-01T18:00:00.000Z",
                "resolution_due_at": "2026-05-02T10:00:00.000Z",
            ])
        // Responded late (600 min); solved in 1,440 min of which 60 paused: 1,380.
        try ticket(
            customer, priority: "high",
            fields: [
                "status": "solved", "created_at": "2026-05-02T10:00:00.000Z", "first_response_at": "2026-05-02T20:00:00.000Z",
                "solved_at": "2026-05-03T10:00:00.000Z", "first_response_due_at": "2026-05-02T18:00:00.000Z",
                "resolution_due_at": "2026-05-03T12:00:00.000Z",
            ])
        _ = try server.application.database.writeAndWait { try $0.run("UPDATE tickets SET paused_ms = 3600000 WHERE id = 2") }
        // Open and overdue; and open but not due until after "now" (left out of compliance).
        try ticket(
            customer, priority: "urgent",
            fields: [
                "status": "open", "created_at": "2026-05-03T10:00:00.000Z", "first_response_due_at": "2026-05-03T11:00:00.000Z",
                "resolution_due_at": "2026-05-03T14:00:00.000Z",
            ])
        try ticket(
            customer, priority: "normal",
            fields: [
                "status": "open", "created_at": "2026-05-31T10:00:00.000Z", "first_response_due_at": "2026-06-02T10:00:00.000Z",
                "resolution_due_at": "2026-06-05T10:00:00.000Z",
            ])

        let all = try sales.expect(200, "GET", "/v1/analytics/tickets")
        XCTAssertEqual(all["backlog_by_status"] as? [String: Int], ["new": 0, "open": 2, "pending": 0, "on_hold": 0])
        XCTAssertEqual(all["backlog_by_priority"] as? [String: Int], ["urgent": 1, "high": 0, "normal": 1, "low": 0])
        XCTAssertEqual(try XCTUnwrap(all["sla_compliance"] as? Double), 100.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(all["median_first_response_minutes"] as? Double), 315, "exact to the millisecond")
        XCTAssertEqual(try XCTUnwrap(all["median_resolution_minutes"] as? Double), 750, "exact to the millisecond")

        // 2 May only: the first ticket fell due then (met); the second was created then.
        let day = try sales.expect(200, "GET", "/v1/analytics/tickets?from=2026-05-02&to=2026-05-02")
        XCTAssertEqual(day["sla_compliance"] as? Double, 100)
        XCTAssertEqual(try XCTUnwrap(day["median_first_response_minutes"] as? Double), 600, "exact to the millisecond")
        XCTAssertEqual(try XCTUnwrap(day["median_resolution_minutes"] as? Double), 1380, "exact to the millisecond")
        let quiet = try sales.expect(200, "GET", "/v1/analytics/tickets?from=2025-01-01&to=2025-01-31")
        XCTAssertTrue(quiet["sla_compliance"] is NSNull && quiet["median_first_response_minutes"] is NSNull)

        XCTAssertEqual(try sales.send("GET", "/v1/analytics/tickets?from=June").status, 400)
        let viewer = try SalesClient.withNewKey(server, role: "viewer").client
        XCTAssertEqual(try viewer.send("GET", "/v1/analytics/tickets").status, 200)
    }
}
