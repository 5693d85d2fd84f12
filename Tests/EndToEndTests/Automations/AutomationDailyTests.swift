import API
import CRM
import Foundation
import XCTest

/// `schedule.daily`: each selection at its boundaries on an injected clock, once per record per
/// automation per day (also across repeated calls and a restart), and conditions applied.
final class AutomationDailyTests: SalesTestCase {
    private func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    func testBirthdaysToday() throws {
        let automation = try sales.automation(
            "schedule.daily", schedule: ["select": "birthday_today"],
            actions: [["type": "create_task", "title": "Happy birthday", "kind": "care"]])
        let today = try sales.person("Today", ["birthday": "1990-06-01"])
        let tomorrow = try sales.person("Tomorrow", ["birthday": "1990-06-02"])
        let leapling = try sales.person("Leapling", ["birthday": "2000-02-29"])
        _ = try sales.person("Unknown")

        XCTAssertEqual(try sales.runDaily(), 1)
        XCTAssertEqual(try sales.tasks(of: today).compactMap { $0["title"] as? String }, ["Happy birthday"])
        XCTAssertEqual(try sales.runDaily(), 0, "once per record per day")
        let run = try XCTUnwrap(try sales.runs(automation).first)
        XCTAssertEqual(run["trigger"] as? String, "schedule.daily")
        XCTAssertEqual(run["record_type"] as? String, "customer")
        XCTAssertEqual(run["record_id"] as? Int, today)

        clock.advance(milliseconds: SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 1)
        XCTAssertEqual(try sales.tasks(of: tomorrow).count, 1)
        XCTAssertEqual(try sales.tasks(of: today).count, 1)

        // 29 February: on the 28th in a common year, on the day itself in a leap year.
        clock.set(at("2027-02-28T03:00:00.000Z"))
        XCTAssertEqual(try sales.runDaily(), 1)
        clock.set(at("2028-02-28T03:00:00.000Z"))
        XCTAssertEqual(try sales.runDaily(), 0)
        clock.set(at("2028-02-29T03:00:00.000Z"))
        XCTAssertEqual(try sales.runDaily(), 1)
        XCTAssertEqual(try sales.tasks(of: leapling).count, 2)
    }

    /// API.md: a POST accepts `Idempotency-Key`; a client retrying run-daily after a timeout gets
    /// the first answer back, not the `{"runs":0}` a second run would give.
    func testRunDailyWithAnIdempotencyKeyReplaysItsFirstAnswer() throws {
        try sales.automation(
            "schedule.daily", schedule: ["select": "birthday_today"], actions: [["type": "create_task", "title": "Happy birthday"]])
        let today = try sales.person("Today", ["birthday": "1990-06-01"])
        let first = try sales.send("POST", "/v1/automations/run-daily", headers: [("Idempotency-Key", "daily-1")])
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertEqual(try first.json()["runs"] as? Int, 1)
        let replay = try sales.send("POST", "/v1/automations/run-daily", headers: [("Idempotency-Key", "daily-1")])
        XCTAssertEqual(replay.status, 200, replay.text)
        XCTAssertEqual(replay.body, first.body)
        XCTAssertEqual(replay.header("Idempotent-Replayed"), "true")
        XCTAssertEqual(try sales.tasks(of: today).count, 1)
        let reused = try sales.send("POST", "/v1/automations/run-daily", json: [String: Any](), headers: [("Idempotency-Key", "daily-1")])
        XCTAssertEqual(reused.status, 422, "another body with the key: \(reused.text)")
        XCTAssertEqual(try XCTUnwrap(try sales.send("POST", "/v1/automations/run-daily").json()["runs"] as? Int), 0)
    }

    func testNoOrderForDaysActsOncePerSilence() throws {
        let automation = try sales.automation(
            "schedule.daily", schedule: ["select": "no_order_for_days", "days": 60],
            conditions: ["all": [leaf("name", "ne", "Excluded")]],
            actions: [["type": "create_task", "title": "Follow up", "due_in_days": 3]])
        let sixty = try sales.person("Sixty")
        try sales.order(sixty, amount: 1000, at: SalesTime.ago(days: 60))
        let fiftyNine = try sales.person("Fifty-nine")
        try sales.order(fiftyNine, amount: 1000, at: SalesTime.ago(days: 59))
        let long = try sales.person("Long gone")
        try sales.order(long, amount: 1000, at: SalesTime.ago(days: 200))
        _ = try sales.person("Never bought")
        let excluded = try sales.person("Excluded")
        try sales.order(excluded, amount: 1000, at: SalesTime.ago(days: 100))

        XCTAssertEqual(try sales.runDaily(), 2)
        XCTAssertEqual(try sales.tasks(of: sixty).first?["due_at"] as? String, SalesTime.now.adding(days: 3).rfc3339)
        XCTAssertEqual(try sales.tasks(of: long).count, 1)
        XCTAssertEqual(try sales.tasks(of: fiftyNine).count, 0)
        XCTAssertEqual(try sales.tasks(of: excluded).count, 0, "the condition is part of the selection")
        XCTAssertEqual(try sales.runDaily(), 0)

        clock.advance(milliseconds: SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 1, "the 59-day buyer reached 60; the others were already followed up")
        XCTAssertEqual(try sales.tasks(of: fiftyNine).count, 1)

        // A new order starts a new silence.
        try sales.order(sixty, amount: 1000, at: clock.now().rfc3339)
        clock.advance(milliseconds: 59 * SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 0)
        clock.advance(milliseconds: SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 1)
        XCTAssertEqual(try sales.tasks(of: sixty).count, 2)
        XCTAssertEqual(try sales.runs(automation).count, 4)
    }

    func testNoInteractionForDays() throws {
        try sales.automation(
            "schedule.daily", schedule: ["select": "no_interaction_for_days", "days": 30], actions: [["type": "add_tag", "tag": "quiet"]])
        let never = try sales.person("Never contacted")
        let recent = try sales.person("Called recently")
        try sales.interaction(recent, at: SalesTime.now.adding(days: 10).rfc3339)
        let old = try sales.person("Called long ago")
        try sales.interaction(old, at: SalesTime.ago(days: 5))

        clock.advance(milliseconds: 29 * SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 1, "35 days since the old call; the others not yet 30")
        XCTAssertEqual(try sales.tags(of: old), ["quiet"])
        clock.advance(milliseconds: SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 1, "created 30 days ago and never contacted")
        XCTAssertEqual(try sales.tags(of: never), ["quiet"])
        XCTAssertEqual(try sales.tags(of: recent), [])
    }

    func testAFailedDailyRunIsTriedAgainTheNextDay() throws {
        _ = try sales.person("Holder", ["email": "taken@example.com"])
        let automation = try sales.automation(
            "schedule.daily", schedule: ["select": "no_order_for_days", "days": 30],
            actions: [["type": "set_field", "field": "email", "value": "taken@example.com"]])
        let quiet = try sales.person("Quiet")
        try sales.order(quiet, amount: 1000, at: SalesTime.ago(days: 40))
        XCTAssertEqual(try sales.runDaily(), 1)
        XCTAssertEqual(try sales.runs(automation).first?["status"] as? String, "failed")
        XCTAssertEqual(try sales.runDaily(), 0, "once a day, failed or not")
        clock.advance(milliseconds: SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 1, "a failed run does not count as followed up")
    }

    func testBreachedTicketsOnceEach() throws {
        let automation = try sales.automation(
            "schedule.daily", schedule: ["select": "ticket_sla_breached"],
            actions: [["type": "set_field", "field": "assignee", "value": "escalations"]])
        let customer = try sales.person("Waiting")
        let late = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "Broken", "priority": "urgent"])["id"]
                as? Int)
        XCTAssertEqual(try sales.runDaily(), 0, "not due yet")
        clock.advance(milliseconds: SalesTime.day)
        let fresh = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "New", "priority": "low"])["id"] as? Int
        )
        XCTAssertEqual(try sales.runDaily(), 1)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/tickets/\(late)")["assignee"] as? String, "escalations")
        XCTAssertTrue(try sales.expect(200, "GET", "/v1/tickets/\(fresh)")["assignee"] is NSNull)
        XCTAssertEqual(try sales.runs(automation).first?["record_type"] as? String, "ticket")
        clock.advance(milliseconds: SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), 0, "a breached ticket is chased once")
    }

    /// A daily run acts on its records in id order, on either engine (their plans differ).
    func testADailyRunActsInIDOrder() throws {
        let automation = try sales.automation(
            "schedule.daily", schedule: ["select": "ticket_sla_breached"],
            actions: [["type": "set_field", "field": "assignee", "value": "escalations"]])
        let customer = try sales.person("Waiting")
        var tickets: [Int] = []
        for (subject, priority) in [("a", "low"), ("b", "urgent"), ("c", "normal"), ("d", "high"), ("e", "urgent")] {
            let ticket = try sales.expect(
                201, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": subject, "priority": priority])
            tickets.append(try XCTUnwrap(ticket["id"] as? Int))
        }
        clock.advance(milliseconds: 30 * SalesTime.day)
        XCTAssertEqual(try sales.runDaily(), tickets.count)
        let acted = try sales.runs(automation).reversed().compactMap { $0["record_id"] as? Int }
        XCTAssertEqual(acted, tickets)
    }

    func testActedOnAtMostOnceADayAcrossARestart() throws {
        try sales.automation(
            "schedule.daily", schedule: ["select": "birthday_today"], actions: [["type": "add_tag", "tag": "birthday"]])
        _ = try sales.person("Today", ["birthday": "1985-06-01"])
        XCTAssertEqual(try sales.runDaily(), 1)

        let previous = server.application.configuration
        server.application.shutdown()
        var configuration = Configuration()
        configuration.db = previous.db
        configuration.secretKeyFile = previous.secretKeyFile
        configuration.port = 0
        let restarted = try Application(configuration: configuration, clock: clock, accessLog: false)
        restarted.start()
        defer { restarted.shutdown() }
        let reply = try RawClient(port: restarted.port, receiveTimeout: 5).request(
            "POST", "/v1/automations/run-daily", headers: [("Authorization", "Bearer \(server.adminKey)")])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(try reply.json()["runs"] as? Int, 0)
    }
}
