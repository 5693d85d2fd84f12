import CRM
import Foundation
import XCTest

/// SLA due times, the pause rule, read-time breach flags and the `sla_breached` filter
/// (API.md §2 "tickets"; rule in `TicketService`'s doc comment), all on a fixed clock.
final class SupportSLATests: SupportTestCase {

    /// The default policies: priority → (first response, resolution) minutes.
    static let defaults: [String: (Int64, Int64)] = ["urgent": (60, 240), "high": (240, 1440), "normal": (480, 4320), "low": (1440, 10080)]

    /// Moves the clock to `time` plus `minutes` and `milliseconds`.
    func setClock(_ time: Timestamp, minutes: Int64 = 0, milliseconds: Int64 = 0) {
        clock.set(time.adding(milliseconds: minutes * SupportTime.minute + milliseconds))
    }

    func sla(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try api.getTicket(id, file: file, line: line).supportSLA
    }

    func flags(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [Bool?] {
        let sla = try sla(id, file: file, line: line)
        return [sla["first_response_breached"] as? Bool, sla["resolution_breached"] as? Bool]
    }

    // MARK: - Due times

    func testDueTimesForEveryPriorityExactToTheMillisecond() throws {
        for (priority, targets) in Self.defaults.sorted(by: { $0.key < $1.key }) {
            clock.advance(milliseconds: 1_237)  // an odd millisecond, so nothing rounds by accident
            let created = clock.now()
            let ticket = try api.ticket(customer, priority, ["priority": priority])
            XCTAssertEqual(ticket["created_at"] as? String, created.rfc3339, priority)
            XCTAssertEqual(ticket.supportSLA["first_response_due_at"] as? String, SupportTime.text(created, minutes: targets.0), priority)
            XCTAssertEqual(ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: targets.1), priority)
            let fetched = try sla(ticket.supportID)
            XCTAssertEqual(fetched["first_response_due_at"] as? String, SupportTime.text(created, minutes: targets.0), priority)
            XCTAssertEqual(fetched["resolution_due_at"] as? String, SupportTime.text(created, minutes: targets.1), priority)
        }
    }

    func testPriorityChangeRecomputesBothFromCreatedAt() throws {
        clock.advance(milliseconds: 321)
        let created = clock.now()
        let id = try api.ticket(customer).supportID
        clock.advance(milliseconds: 17 * SupportTime.minute + 5)
        for priority in ["urgent", "low", "high", "normal", "urgent"] {
            let ticket = try api.patchTicket(id, ["priority": priority])
            let targets = try XCTUnwrap(Self.defaults[priority])
            XCTAssertEqual(ticket.supportSLA["first_response_due_at"] as? String, SupportTime.text(created, minutes: targets.0), priority)
            XCTAssertEqual(ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: targets.1), priority)
            clock.advance(milliseconds: 3 * SupportTime.minute)
        }
        // Any other change leaves the due times alone.
        let other = try api.patchTicket(id, ["assignee": "alice", "status": "open"])
        XCTAssertEqual(other.supportSLA["first_response_due_at"] as? String, SupportTime.text(created, minutes: 60))
        XCTAssertEqual(other.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 240))
    }

    func testPauseMovesResolutionDueByThePausedSpanWhenLeavingThePause() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "paused", ["priority": "urgent"]).supportID
        let firstDue = SupportTime.text(created, minutes: 60)

        setClock(created, minutes: 10)
        var ticket = try api.patchTicket(id, ["status": "pending"])
        XCTAssertEqual(ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 240))

        // pending → on_hold is still paused: nothing moves yet.
        setClock(created, minutes: 20)
        ticket = try api.patchTicket(id, ["status": "on_hold"])
        XCTAssertEqual(ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 240))
        XCTAssertEqual(ticket.supportSLA["first_response_due_at"] as? String, firstDue)

        // Leaving the pause after 25 min 7 ms in pending/on_hold moves the due time by exactly that.
        setClock(created, minutes: 35, milliseconds: 7)
        ticket = try api.patchTicket(id, ["status": "open"])
        XCTAssertEqual(ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 240 + 25, milliseconds: 7))
        XCTAssertEqual(ticket.supportSLA["first_response_due_at"] as? String, firstDue)

        // A second pause adds up; leaving it by solving counts too.
        setClock(created, minutes: 50)
        try api.patchTicket(id, ["status": "on_hold"])
        setClock(created, minutes: 53, milliseconds: 500)
        ticket = try api.patchTicket(id, ["status": "solved"])
        XCTAssertEqual(
            ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 240 + 25 + 3, milliseconds: 7 + 500))
        XCTAssertEqual(ticket.supportSLA["first_response_due_at"] as? String, firstDue)

        // A priority change afterwards recomputes from created_at and keeps the paused time.
        setClock(created, minutes: 60)
        try api.patchTicket(id, ["status": "open"])
        ticket = try api.patchTicket(id, ["priority": "high"])
        XCTAssertEqual(ticket.supportSLA["first_response_due_at"] as? String, SupportTime.text(created, minutes: 240))
        XCTAssertEqual(
            ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 1440 + 25 + 3, milliseconds: 7 + 500))
    }

    func testTicketCreatedPendingPausesFromCreation() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "waiting on customer", ["status": "pending", "priority": "high"]).supportID
        setClock(created, minutes: 90, milliseconds: 1)
        let ticket = try api.patchTicket(id, ["status": "open"])
        XCTAssertEqual(ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 1440 + 90, milliseconds: 1))
        XCTAssertEqual(ticket.supportSLA["first_response_due_at"] as? String, SupportTime.text(created, minutes: 240))
    }

    func testPausedTicketDoesNotBreachResolutionWhilePaused() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "paused past due", ["priority": "urgent"]).supportID
        setClock(created, minutes: 100)
        try api.patchTicket(id, ["status": "pending"])
        // Far past the original resolution due time, but the resolution clock is stopped.
        setClock(created, minutes: 1000)
        XCTAssertEqual(try sla(id)["resolution_breached"] as? Bool, false)
        XCTAssertEqual(try sla(id)["first_response_breached"] as? Bool, true)
        // Leaving the pause: 140 minutes of resolution time were left.
        try api.patchTicket(id, ["status": "open"])
        XCTAssertEqual(try sla(id)["resolution_due_at"] as? String, SupportTime.text(created, minutes: 240 + 900))
        setClock(created, minutes: 1140)
        XCTAssertEqual(try sla(id)["resolution_breached"] as? Bool, false)
        setClock(created, minutes: 1140, milliseconds: 1)
        XCTAssertEqual(try sla(id)["resolution_breached"] as? Bool, true)
    }

    /// A ticket whose clock a pause stopped before its resolution fell due has not fallen due:
    /// `sla_compliance` leaves it out (it counted as due and met, although unresolved; found by a
    /// black-box audit). When the pause ends its due time moves by the paused span, and it counts
    /// on that day, met or missed by what happens then.
    func testAPausedTicketIsNotDueInComplianceUntilItsClockRunsAgain() throws {
        let created = SupportTime.start
        let paused = try api.ticket(customer, "waiting on customer", ["priority": "urgent", "status": "pending"]).supportID
        let open = try api.ticket(customer, "left open", ["priority": "urgent"]).supportID
        setClock(created, minutes: 10)
        for id in [paused, open] { try api.comment(id, body: "On it.") }
        setClock(created, minutes: 60 * 24 * 2)
        func compliance() throws -> Double? { try api.expect(200, "GET", "/v1/analytics/tickets")["sla_compliance"] as? Double }
        XCTAssertEqual(try compliance(), 0, "only the open one fell due, and missed")
        // Resumed after two days: 240 minutes of resolution time left, solved within them.
        try api.patchTicket(paused, ["status": "open"])
        setClock(created, minutes: 60 * 24 * 2 + 100)
        try api.patchTicket(paused, ["status": "solved"])
        setClock(created, minutes: 60 * 24 * 4)
        XCTAssertEqual(try compliance(), 50, "now due, and met")
    }

    // MARK: - Breach flags

    func testBreachFlagsFlipWithTheClockAndNoWrite() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "urgent", ["priority": "urgent"]).supportID
        XCTAssertEqual(try flags(id), [false, false])
        let version = try api.getTicket(id)["version"] as? Int

        setClock(created, minutes: 60, milliseconds: -1)
        XCTAssertEqual(try flags(id), [false, false])
        setClock(created, minutes: 60, milliseconds: 1)
        XCTAssertEqual(try flags(id), [true, false])
        setClock(created, minutes: 240, milliseconds: -1)
        XCTAssertEqual(try flags(id), [true, false])
        setClock(created, minutes: 240, milliseconds: 1)
        XCTAssertEqual(try flags(id), [true, true])
        // Read-time only: nothing was written.
        XCTAssertEqual(try api.getTicket(id)["version"] as? Int, version)
        // The list shows the same flags.
        let listed = try XCTUnwrap(try api.list("/v1/tickets").first { $0.supportID == id })
        XCTAssertEqual(listed.supportSLA["first_response_breached"] as? Bool, true)
        XCTAssertEqual(listed.supportSLA["resolution_breached"] as? Bool, true)
    }

    func testBreachFlagsForEveryPriority() throws {
        for (priority, targets) in Self.defaults {
            clock.set(SupportTime.start)
            let id = try api.ticket(customer, priority, ["priority": priority]).supportID
            setClock(SupportTime.start, minutes: targets.0, milliseconds: -1)
            XCTAssertEqual(try flags(id), [false, false], priority)
            setClock(SupportTime.start, minutes: targets.0, milliseconds: 1)
            XCTAssertEqual(try flags(id), [true, false], priority)
            setClock(SupportTime.start, minutes: targets.1, milliseconds: -1)
            XCTAssertEqual(try flags(id), [true, false], priority)
            setClock(SupportTime.start, minutes: targets.1, milliseconds: 1)
            XCTAssertEqual(try flags(id), [true, true], priority)
        }
    }

    func testFirstPublicStaffCommentBeforeDueKeepsFirstResponseUnbreachedForever() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "answered", ["priority": "urgent"]).supportID
        setClock(created, minutes: 59, milliseconds: 999)
        try api.comment(id)
        XCTAssertEqual(try api.getTicket(id)["first_response_at"] as? String, SupportTime.text(created, minutes: 59, milliseconds: 999))
        for minutes: Int64 in [60, 61, 241, 60 * 24 * 365] {
            setClock(created, minutes: minutes, milliseconds: 1)
            XCTAssertEqual(try sla(id)["first_response_breached"] as? Bool, false, "at +\(minutes) min")
        }
        XCTAssertEqual(try sla(id)["resolution_breached"] as? Bool, true)
    }

    func testLateFirstResponseStaysBreached() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "late", ["priority": "urgent"]).supportID
        setClock(created, minutes: 60, milliseconds: 1)
        try api.comment(id)
        XCTAssertEqual(try sla(id)["first_response_breached"] as? Bool, true)
        setClock(created, minutes: 60 * 24 * 30)
        XCTAssertEqual(try sla(id)["first_response_breached"] as? Bool, true)
    }

    func testSolvingBeforeResolutionDueKeepsResolutionUnbreachedForever() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "quick fix", ["priority": "urgent"]).supportID
        try api.comment(id)
        setClock(created, minutes: 239)
        try api.patchTicket(id, ["status": "solved"])
        setClock(created, minutes: 60 * 24 * 30)
        XCTAssertEqual(try flags(id), [false, false])
        try api.patchTicket(id, ["status": "closed"])
        setClock(created, minutes: 60 * 24 * 60)
        XCTAssertEqual(try flags(id), [false, false])
    }

    func testSolvingBeforeAnyReplyStopsTheFirstResponseClock() throws {
        let created = SupportTime.start
        // Solved 10 minutes in, with no public reply: both targets met, whatever the clock says later.
        let quiet = try api.ticket(customer, "solved unanswered", ["priority": "urgent"]).supportID
        // Solved after its first response was due, still with no reply: that target was missed.
        let late = try api.ticket(customer, "solved late", ["priority": "urgent"]).supportID
        setClock(created, minutes: 10)
        try api.patchTicket(quiet, ["status": "solved"])
        setClock(created, minutes: 61)
        try api.patchTicket(late, ["status": "solved"])
        for minutes: Int64 in [61, 241, 60 * 24 * 30] {
            setClock(created, minutes: minutes, milliseconds: 1)
            XCTAssertEqual(try flags(quiet), [false, false], "at +\(minutes) min")
            XCTAssertEqual(try flags(late), [true, false], "at +\(minutes) min")
            XCTAssertEqual(try api.listIDs("/v1/tickets", [("sla_breached", "true")]), [late], "at +\(minutes) min")
        }
        try api.patchTicket(quiet, ["status": "closed"])
        XCTAssertEqual(try flags(quiet), [false, false])
        // Both fell due; one met both targets.
        let report = try api.expect(200, "GET", "/v1/analytics/tickets")
        XCTAssertEqual(report["sla_compliance"] as? Double, 50)
        // A reopen runs the clock again: no reply by now is a missed first response.
        let reopened = try api.ticket(customer, "reopened", ["priority": "urgent"]).supportID
        try api.patchTicket(reopened, ["status": "solved"])
        try api.patchTicket(reopened, ["status": "open"])
        setClock(created, minutes: 60 * 24 * 30, milliseconds: 60 * SupportTime.minute + 2)
        XCTAssertEqual(try flags(reopened).first, true)
    }

    func testSolvingAfterResolutionDueStaysBreached() throws {
        let created = SupportTime.start
        let id = try api.ticket(customer, "slow fix", ["priority": "urgent"]).supportID
        try api.comment(id)
        setClock(created, minutes: 240, milliseconds: 1)
        try api.patchTicket(id, ["status": "solved"])
        XCTAssertEqual(try flags(id), [false, true])
        setClock(created, minutes: 60 * 24 * 30)
        XCTAssertEqual(try flags(id), [false, true])
    }

    func testSLABreachedFilterMatchesTheFlagsAtTheCurrentClock() throws {
        let created = SupportTime.start
        // A: urgent, never answered.
        let a = try api.ticket(customer, "A", ["priority": "urgent"]).supportID
        // B: low.
        let b = try api.ticket(customer, "B", ["priority": "low"]).supportID
        // C: urgent, answered at once, never solved.
        let c = try api.ticket(customer, "C", ["priority": "urgent"]).supportID
        try api.comment(c)
        // D: urgent, answered and solved in time.
        let d = try api.ticket(customer, "D", ["priority": "urgent"]).supportID
        try api.comment(d)
        setClock(created, minutes: 30)
        try api.patchTicket(d, ["status": "solved"])

        func check(_ breached: [Int], _ unbreached: [Int], _ moment: String, file: StaticString = #filePath, line: UInt = #line) throws {
            XCTAssertEqual(try api.listIDs("/v1/tickets", [("sla_breached", "true")]), breached, moment, file: file, line: line)
            XCTAssertEqual(try api.listIDs("/v1/tickets", [("sla_breached", "false")]), unbreached, moment, file: file, line: line)
            // The filter agrees with each ticket's own flags.
            for id in breached + unbreached {
                let flags = try flags(id, file: file, line: line)
                XCTAssertEqual(flags.contains(true), breached.contains(id), "\(moment) ticket \(id)", file: file, line: line)
            }
        }

        try check([], [a, b, c, d], "at +30 min")
        setClock(created, minutes: 60, milliseconds: -1)
        try check([], [a, b, c, d], "1 ms before the urgent first response due")
        setClock(created, minutes: 60, milliseconds: 1)
        try check([a], [b, c, d], "1 ms after the urgent first response due")
        setClock(created, minutes: 240, milliseconds: 1)
        try check([a, c], [b, d], "1 ms after the urgent resolution due")
        setClock(created, minutes: 1440, milliseconds: 1)
        try check([a, b, c], [d], "1 ms after the low first response due")
        // The filter combines with the others.
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("sla_breached", "true"), ("priority", "urgent")]), [a, c])
        XCTAssertEqual(try api.listIDs("/v1/tickets", [("sla_breached", "false"), ("status", "solved")]), [d])
    }

    func testSLABreachedBadValueIs400() throws {
        for value in ["yes", "1", "TRUE", ""] {
            let reply = try api.send("GET", "/v1/tickets" + SupportSession.query([("sla_breached", value)]))
            XCTAssertEqual(reply.status, 400, "sla_breached=\(value): \(reply.text)")
        }
    }

    // MARK: - Policies

    func testSLAPoliciesDefaults() throws {
        let body = try api.expect(200, "GET", "/v1/sla-policies")
        XCTAssertEqual(Set(body.keys), ["urgent", "high", "normal", "low"])
        for (priority, targets) in Self.defaults {
            let policy = try XCTUnwrap(body[priority] as? [String: Any], priority)
            XCTAssertEqual(policy["first_response_minutes"] as? Int, Int(targets.0), priority)
            XCTAssertEqual(policy["resolution_minutes"] as? Int, Int(targets.1), priority)
            XCTAssertEqual(Set(policy.keys), ["first_response_minutes", "resolution_minutes"])
        }
    }

    static var custom: [String: Any] {
        [
            "urgent": ["first_response_minutes": 15, "resolution_minutes": 120],
            "high": ["first_response_minutes": 30, "resolution_minutes": 600],
            "normal": ["first_response_minutes": 90, "resolution_minutes": 2000],
            "low": ["first_response_minutes": 1000, "resolution_minutes": 20000],
        ]
    }

    func testEveryRoleReadsPoliciesOnlyAdminWrites() throws {
        for role in ["sales", "support", "marketing", "viewer"] {
            let session = try SupportSession.role(server, role)
            let read = try session.expect(200, "GET", "/v1/sla-policies")
            XCTAssertEqual(SupportSession.text(read), SupportSession.text(try api.expect(200, "GET", "/v1/sla-policies")), role)
            try session.refuse(403, "PUT", "/v1/sla-policies", json: Self.custom)
        }
        let defaults = try api.expect(200, "GET", "/v1/sla-policies")
        XCTAssertEqual((defaults["urgent"] as? [String: Any])?["first_response_minutes"] as? Int, 60)

        let put = try api.expect(200, "PUT", "/v1/sla-policies", json: Self.custom)
        XCTAssertEqual(SupportSession.text(put), SupportSession.text(Self.custom))
        XCTAssertEqual(SupportSession.text(try api.expect(200, "GET", "/v1/sla-policies")), SupportSession.text(Self.custom))
        let viewer = try SupportSession.role(server, "viewer")
        XCTAssertEqual(SupportSession.text(try viewer.expect(200, "GET", "/v1/sla-policies")), SupportSession.text(Self.custom))
    }

    func testNewTicketsUseNewTargets() throws {
        try api.expect(200, "PUT", "/v1/sla-policies", json: Self.custom)
        clock.advance(milliseconds: 42)
        let created = clock.now()
        for (priority, value) in Self.custom {
            let policy = try XCTUnwrap(value as? [String: Int])
            let ticket = try api.ticket(customer, priority, ["priority": priority])
            XCTAssertEqual(
                ticket.supportSLA["first_response_due_at"] as? String,
                SupportTime.text(created, minutes: Int64(policy["first_response_minutes"]!)), priority)
            XCTAssertEqual(
                ticket.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: Int64(policy["resolution_minutes"]!)),
                priority)
        }
        // A priority change also uses the new targets.
        let id = try api.ticket(customer, "later urgent").supportID
        let changed = try api.patchTicket(id, ["priority": "urgent"])
        XCTAssertEqual(changed.supportSLA["first_response_due_at"] as? String, SupportTime.text(created, minutes: 15))
        XCTAssertEqual(changed.supportSLA["resolution_due_at"] as? String, SupportTime.text(created, minutes: 120))
    }

    func testInvalidPoliciesAre422AndChangeNothing() throws {
        let before = SupportSession.text(try api.expect(200, "GET", "/v1/sla-policies"))
        var missing = Self.custom
        missing.removeValue(forKey: "low")
        XCTAssertEqual(try api.refuse(422, "PUT", "/v1/sla-policies", json: missing), ["low"])

        for bad in [0, -5] {
            var body = Self.custom
            body["high"] = ["first_response_minutes": bad, "resolution_minutes": 600]
            let fields = try api.refuse(422, "PUT", "/v1/sla-policies", json: body)
            XCTAssertEqual(fields.count, 1, "\(bad): \(fields)")
            XCTAssertTrue(fields.first?.contains("high") == true && fields.first?.contains("first_response_minutes") == true, "\(fields)")
            body["high"] = ["first_response_minutes": 30, "resolution_minutes": bad]
            let resolution = try api.refuse(422, "PUT", "/v1/sla-policies", json: body)
            XCTAssertEqual(resolution.count, 1, "\(bad): \(resolution)")
            XCTAssertTrue(resolution.first?.contains("resolution_minutes") == true, "\(resolution)")
        }

        // A first response due after the resolution is a typo the policy must not keep.
        var inverted = Self.custom
        inverted["high"] = ["first_response_minutes": 600, "resolution_minutes": 60]
        XCTAssertEqual(try api.refuse(422, "PUT", "/v1/sla-policies", json: inverted), ["high.first_response_minutes"])
        inverted["high"] = ["first_response_minutes": 60, "resolution_minutes": 60]
        XCTAssertEqual(
            try api.expect(200, "PUT", "/v1/sla-policies", json: inverted)["high"] as? [String: Int],
            ["first_response_minutes": 60, "resolution_minutes": 60], "equal targets are fine")
        try api.expect(200, "PUT", "/v1/sla-policies", json: try JSONSerialization.jsonObject(with: Data(before.utf8)))

        var unknownTop = Self.custom
        unknownTop["critical"] = ["first_response_minutes": 5, "resolution_minutes": 10]
        XCTAssertEqual(try api.refuse(422, "PUT", "/v1/sla-policies", json: unknownTop), ["critical"])

        var unknownInner = Self.custom
        unknownInner["normal"] = ["first_response_minutes": 90, "resolution_minutes": 2000, "business_hours": true]
        let inner = try api.refuse(422, "PUT", "/v1/sla-policies", json: unknownInner)
        XCTAssertEqual(inner.count, 1, "\(inner)")
        XCTAssertTrue(inner.first?.contains("business_hours") == true, "\(inner)")

        var missingTarget = Self.custom
        missingTarget["urgent"] = ["first_response_minutes": 15]
        XCTAssertEqual(try api.refuse(422, "PUT", "/v1/sla-policies", json: missingTarget).count, 1)

        var notAnObject = Self.custom
        notAnObject["urgent"] = 15
        XCTAssertEqual(try api.refuse(422, "PUT", "/v1/sla-policies", json: notAnObject), ["urgent"])

        // Several problems are listed at once.
        var several = Self.custom
        several.removeValue(forKey: "urgent")
        several["extra"] = [:] as [String: Any]
        XCTAssertEqual(Set(try api.refuse(422, "PUT", "/v1/sla-policies", json: several)), ["urgent", "extra"])

        XCTAssertEqual(SupportSession.text(try api.expect(200, "GET", "/v1/sla-policies")), before)
        // New tickets still use the defaults.
        XCTAssertEqual(
            try api.ticket(customer, "still default", ["priority": "urgent"]).supportSLA["first_response_due_at"] as? String,
            SupportTime.text(SupportTime.start, minutes: 60))
    }
}
