import CRM
import Foundation
import XCTest

/// The ticket status machine (API.md §2 "tickets"): allowed moves, refused moves (409),
/// `closed` final, `solved_at` / `closed_at`.
final class SupportTicketStatusTests: SupportTestCase {

    static let statuses = ["new", "open", "pending", "on_hold", "solved", "closed"]

    /// Whether API.md allows `from` → `to` (from ≠ to).
    static func allowed(_ from: String, _ to: String) -> Bool {
        switch from {
        case "new", "open", "pending", "on_hold": ["open", "pending", "on_hold", "solved"].contains(to)
        case "solved": to == "open" || to == "closed"
        default: false
        }
    }

    /// A new ticket brought to `status` through allowed moves.
    func ticket(in status: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let id = try api.ticket(customer, "to \(status)", file: file, line: line).supportID
        switch status {
        case "new": break
        case "open", "pending", "on_hold", "solved": try api.patchTicket(id, ["status": status], file: file, line: line)
        case "closed":
            try api.patchTicket(id, ["status": "solved"], file: file, line: line)
            try api.patchTicket(id, ["status": "closed"], file: file, line: line)
        default: XCTFail("unknown status \(status)", file: file, line: line)
        }
        XCTAssertEqual(try api.getTicket(id, file: file, line: line)["status"] as? String, status, file: file, line: line)
        return id
    }

    func testEveryMoveIsAllowedOrRefusedAsDocumented() throws {
        var allowedCount = 0
        var refusedCount = 0
        for from in Self.statuses {
            for to in Self.statuses where to != from {
                let id = try ticket(in: from)
                let before = try api.getTicket(id)
                let reply = try api.send("PATCH", "/v1/tickets/\(id)", json: ["status": to])
                if Self.allowed(from, to) {
                    allowedCount += 1
                    XCTAssertEqual(reply.status, 200, "\(from) → \(to): \(reply.text)")
                    XCTAssertEqual(try reply.json()["status"] as? String, to, "\(from) → \(to)")
                    XCTAssertEqual(try api.getTicket(id)["status"] as? String, to, "\(from) → \(to)")
                } else {
                    refusedCount += 1
                    XCTAssertEqual(reply.status, 409, "\(from) → \(to): \(reply.text)")
                    XCTAssertEqual(reply.header("Content-Type")?.hasPrefix("application/problem+json"), true)
                    let after = try api.getTicket(id)
                    XCTAssertEqual(after["status"] as? String, from, "\(from) → \(to) changed the ticket")
                    XCTAssertEqual(after["version"] as? Int, before["version"] as? Int, "\(from) → \(to) bumped the version")
                }
            }
        }
        // 4 active statuses × 3 other targets among open/pending/on_hold/solved + solved's 2.
        XCTAssertEqual(allowedCount, 4 * 4 - 3 + 2)
        XCTAssertEqual(refusedCount, 30 - allowedCount)
    }

    func testSpecificRefusedMovesAre409() throws {
        for (from, to) in [
            ("new", "closed"), ("pending", "new"), ("solved", "pending"), ("solved", "on_hold"), ("open", "new"), ("on_hold", "closed"),
        ] {
            let id = try ticket(in: from)
            let reply = try api.send("PATCH", "/v1/tickets/\(id)", json: ["status": to])
            XCTAssertEqual(reply.status, 409, "\(from) → \(to): \(reply.text)")
            XCTAssertEqual(try reply.json()["status"] as? Int, 409)
        }
    }

    func testClosedIsFinal() throws {
        let id = try ticket(in: "closed")
        let closed = try api.getTicket(id)
        for patch: [String: Any] in [
            ["assignee": "alice"], ["status": "open"], ["status": "closed"], ["priority": "urgent"], ["subject": "new subject"],
            ["tags": ["x"]],
            ["status": "solved"], [:],
        ] {
            let reply = try api.send("PATCH", "/v1/tickets/\(id)", json: patch)
            XCTAssertEqual(reply.status, 409, "\(patch): \(reply.text)")
        }
        let comment = try api.send("POST", "/v1/tickets/\(id)/comments", json: ["author": "Agent", "body": "Hello?"])
        XCTAssertEqual(comment.status, 409, comment.text)
        let privateNote = try api.send("POST", "/v1/tickets/\(id)/comments", json: ["author": "Agent", "body": "note", "public": false])
        XCTAssertEqual(privateNote.status, 409, privateNote.text)
        XCTAssertEqual(try api.list("/v1/tickets/\(id)/comments").count, 0)
        XCTAssertEqual(SupportSession.text(try api.getTicket(id)), SupportSession.text(closed))
    }

    func testSolvedAtSetOnSolveAndClearedOnReopenClosedAtOnClose() throws {
        let id = try api.ticket(customer).supportID
        clock.advance(milliseconds: 60_000)
        let open = try api.patchTicket(id, ["status": "open"])
        XCTAssertTrue(open.supportIsNull("solved_at"))
        clock.advance(milliseconds: 1_234)
        let solvedAt = SupportTime.text(SupportTime.start, milliseconds: 61_234)
        let solved = try api.patchTicket(id, ["status": "solved"])
        XCTAssertEqual(solved["solved_at"] as? String, solvedAt)
        XCTAssertTrue(solved.supportIsNull("closed_at"))

        clock.advance(milliseconds: 10_000)
        let reopened = try api.patchTicket(id, ["status": "open"])
        XCTAssertEqual(reopened["status"] as? String, "open")
        XCTAssertTrue(reopened.supportIsNull("solved_at"), "\(reopened)")
        XCTAssertTrue(reopened.supportIsNull("closed_at"))

        clock.advance(milliseconds: 10_000)
        let solvedAgain = try api.patchTicket(id, ["status": "solved"])
        let secondSolve = SupportTime.text(SupportTime.start, milliseconds: 81_234)
        XCTAssertEqual(solvedAgain["solved_at"] as? String, secondSolve)

        clock.advance(milliseconds: 5)
        let closed = try api.patchTicket(id, ["status": "closed"])
        XCTAssertEqual(closed["closed_at"] as? String, SupportTime.text(SupportTime.start, milliseconds: 81_239))
        XCTAssertEqual(closed["solved_at"] as? String, secondSolve)
        XCTAssertEqual(closed["status"] as? String, "closed")
        XCTAssertEqual(try api.getTicket(id)["closed_at"] as? String, closed["closed_at"] as? String)
    }

    func testSolvingFromEveryActiveStatusSetsSolvedAt() throws {
        for from in ["new", "open", "pending", "on_hold"] {
            let id = try ticket(in: from)
            clock.advance(milliseconds: 7)
            let solved = try api.patchTicket(id, ["status": "solved"])
            XCTAssertEqual(solved["solved_at"] as? String, clock.now().rfc3339, from)
        }
    }

    func testStatusNullIs422() throws {
        let id = try api.ticket(customer).supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/tickets/\(id)", json: ["status": NSNull()]), ["status"])
        XCTAssertEqual(try api.getTicket(id)["status"] as? String, "new")
    }
}
