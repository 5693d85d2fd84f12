import CRM
import Foundation
import XCTest

/// Event-triggered automations: each trigger and each action, their effects in place as soon as
/// the firing write is answered, conditions, disabling, no cascades and failing actions.
final class AutomationEventTests: SalesTestCase {
    func testLargeOrderTagsTheCustomerAndMakesATaskBeforeTheWriteIsAnswered() throws {
        let automation = try sales.automation(
            "order.created", name: "VIP on a large order", conditions: ["all": [leaf("amount", "gte", 100_000)]],
            actions: [
                ["type": "add_tag", "tag": "vip"], ["type": "create_task", "title": "Thank them", "kind": "care", "due_in_days": 2],
            ])
        let customer = try sales.person("Li Lei", ["owner": "wang"])
        let after = try XCTUnwrap(try sales.expect(200, "GET", "/v1/changes?after=0")["next_after"] as? Int)

        let big = try XCTUnwrap(try sales.order(customer, amount: 200_000, at: SalesTime.ago(days: 1))["id"] as? Int)
        XCTAssertEqual(try sales.tags(of: customer), ["vip"])
        let tasks = try sales.tasks(of: customer)
        XCTAssertEqual(tasks.count, 1)
        XCTAssertEqual(tasks.first?["title"] as? String, "Thank them")
        XCTAssertEqual(tasks.first?["kind"] as? String, "care")
        XCTAssertEqual(tasks.first?["assignee"] as? String, "wang", "the customer's owner when the action names nobody")
        XCTAssertEqual(tasks.first?["source"] as? String, "automation:\(automation)")
        XCTAssertEqual(tasks.first?["due_at"] as? String, SalesTime.now.adding(days: 2).rfc3339)

        // In the feed right after the order, in the same commit.
        let feed = try XCTUnwrap(try sales.expect(200, "GET", "/v1/changes?after=\(after)")["data"] as? [[String: Any]])
        let types = feed.compactMap { $0["type"] as? String }
        let order = try XCTUnwrap(types.firstIndex(of: "order.created"), "\(types)")
        let task = try XCTUnwrap(types.firstIndex(of: "task.created"), "\(types)")
        XCTAssertLessThan(order, task, "the automation ran after the write that fired it")

        try sales.order(customer, amount: 500, at: SalesTime.ago(days: 1))
        XCTAssertEqual(try sales.tasks(of: customer).count, 1, "the condition does not hold for a small order")
        let runs = try sales.runs(automation)
        XCTAssertEqual(runs.compactMap { $0["status"] as? String }, ["skipped", "succeeded"], "newest first")
        let succeeded = try XCTUnwrap(runs.last)
        XCTAssertEqual(succeeded["trigger"] as? String, "order.created")
        XCTAssertEqual(succeeded["record_type"] as? String, "order")
        XCTAssertEqual(succeeded["record_id"] as? Int, big)
        XCTAssertTrue(succeeded["error"] is NSNull)
        XCTAssertNotNil(succeeded["started_at"] as? String)
        let actions = try XCTUnwrap(succeeded["actions"] as? [[String: Any]])
        XCTAssertEqual(actions.compactMap { $0["type"] as? String }, ["add_tag", "create_task"])
        XCTAssertEqual(actions.last?["task_id"] as? Int, tasks.first?["id"] as? Int)
    }

    func testInABatchEachRecordsAutomationsRunRightAfterIt() throws {
        let automation = try sales.automation(
            "customer.created", conditions: ["all": [leaf("name", "eq", "Cond One")]], actions: [["type": "add_tag", "tag": "welcomed"]])
        // The second record renames the first one the same batch created: the automation must
        // see the first record as its own write left it, as it would after a single POST.
        let body: [String: Any] = [
            "upsert_by": "external_id",
            "records": [
                ["external_id": "C-1", "type": "person", "name": "Cond One"], ["external_id": "C-1", "name": "Renamed"],
                ["external_id": "C-2", "type": "person", "name": "Cond One", "email": "not an email"],
                ["external_id": "C-3", "type": "person", "name": "Someone"],
            ],
        ]
        let results = try XCTUnwrap(try sales.expect(200, "POST", "/v1/customers/batch", json: body)["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["status"] as? Int }, [201, 200, 422, 201])
        let first = try XCTUnwrap(results.first?["id"] as? Int)
        let customer = try sales.customerJSON(first)
        XCTAssertEqual(customer["name"] as? String, "Renamed")
        XCTAssertEqual(customer["tags"] as? [String], ["welcomed"])
        // One run per created record, none for the refused one.
        let runs = try sales.runs(automation)
        XCTAssertEqual(runs.compactMap { $0["status"] as? String }, ["skipped", "succeeded"], "newest first")
        XCTAssertEqual(runs.compactMap { $0["record_id"] as? Int }, [try XCTUnwrap(results.last?["id"] as? Int), first])
    }

    func testEveryEventTrigger() throws {
        try sales.automation(
            "customer.created", conditions: ["all": [leaf("type", "eq", "company")]],
            actions: [["type": "set_field", "field": "owner", "value": "key accounts"]])
        try sales.automation(
            "ticket.created", conditions: ["all": [leaf("subject", "contains", "outage")]],
            actions: [["type": "set_field", "field": "priority", "value": "urgent"]])
        try sales.automation(
            "feedback.created", conditions: ["all": [leaf("kind", "eq", "complaint")]],
            actions: [["type": "create_ticket", "subject": "Complaint follow-up", "priority": "high", "ticket_type": "complaint"]])
        try sales.automation(
            "opportunity.stage_changed", conditions: ["all": [leaf("stage", "eq", "won")]],
            actions: [["type": "create_task", "title": "Kick-off call", "assignee": "onboarding"]])

        let company = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/customers", json: ["type": "company", "name": "Acme"])["id"] as? Int)
        XCTAssertEqual(try sales.customerJSON(company)["owner"] as? String, "key accounts")
        let person = try sales.person("Han Meimei")
        XCTAssertTrue(try sales.customerJSON(person)["owner"] is NSNull, "the condition did not hold for a person")

        let ticket = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/tickets", json: ["customer_id": person, "subject": "Total outage"])["id"] as? Int)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/tickets/\(ticket)")["priority"] as? String, "urgent")

        let complaint = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/feedback", json: ["customer_id": person, "kind": "complaint", "comment": "Late delivery"])[
                "id"]
                as? Int)
        let tickets = try sales.walk("/v1/tickets", [("customer_id", "\(person)")], limit: 50).entries
        let followUp = try XCTUnwrap(tickets.first { $0["subject"] as? String == "Complaint follow-up" })
        XCTAssertEqual(
            try sales.expect(200, "GET", "/v1/feedback/\(complaint)")["ticket_id"] as? Int, followUp["id"] as? Int,
            "the complaint points at the ticket it became")
        XCTAssertEqual(followUp["priority"] as? String, "high")
        XCTAssertEqual(followUp["type"] as? String, "complaint")
        try sales.expect(201, "POST", "/v1/feedback", json: ["customer_id": person, "kind": "praise", "comment": "Great"])
        XCTAssertEqual(try sales.walk("/v1/tickets", [("customer_id", "\(person)")], limit: 50).entries.count, 2)

        let deal = try XCTUnwrap(try sales.opportunity(company, name: "Deal")["id"] as? Int)
        try sales.expect(200, "PATCH", "/v1/opportunities/\(deal)", json: ["stage": "proposal"])
        XCTAssertTrue(try sales.tasks(of: company).isEmpty)
        try sales.expect(200, "PATCH", "/v1/opportunities/\(deal)", json: ["stage": "won"])
        XCTAssertEqual(try sales.tasks(of: company).compactMap { $0["assignee"] as? String }, ["onboarding"])
    }

    func testDisabledAutomationsDoNothingUntilEnabled() throws {
        let automation = try sales.automation("customer.created", actions: [["type": "add_tag", "tag": "new"]], enabled: false)
        let first = try sales.person("First")
        XCTAssertEqual(try sales.tags(of: first), [])
        XCTAssertTrue(try sales.runs(automation).isEmpty)
        try sales.expect(200, "PATCH", "/v1/automations/\(automation)", json: ["enabled": true])
        XCTAssertEqual(try sales.tags(of: try sales.person("Second")), ["new"])
        try sales.expect(204, "DELETE", "/v1/automations/\(automation)")
        XCTAssertEqual(try sales.tags(of: try sales.person("Third")), [], "a deleted automation does nothing")
    }

    func testAnAutomationsOwnWritesTriggerNothing() throws {
        let opening = try sales.automation("customer.created", actions: [["type": "create_ticket", "subject": "Welcome call"]])
        let onTicket = try sales.automation("ticket.created", actions: [["type": "add_tag", "tag": "has_ticket"]])
        let customer = try sales.person("Wei")
        XCTAssertEqual(try sales.walk("/v1/tickets", [("customer_id", "\(customer)")], limit: 50).entries.count, 1)
        XCTAssertEqual(try sales.tags(of: customer), [], "the ticket the automation made fired nothing")
        XCTAssertEqual(try sales.runs(opening).count, 1)
        XCTAssertTrue(try sales.runs(onTicket).isEmpty)
        // A ticket someone makes does fire it.
        try sales.expect(201, "POST", "/v1/tickets", json: ["customer_id": customer, "subject": "Question"])
        XCTAssertEqual(try sales.tags(of: customer), ["has_ticket"])
    }

    func testAFailingActionIsAFailedRunAndTheWriteStands() throws {
        _ = try sales.person("Holder", ["email": "taken@example.com"])
        let automation = try sales.automation(
            "customer.created",
            actions: [["type": "add_tag", "tag": "first"], ["type": "set_field", "field": "email", "value": "taken@example.com"]])
        let customer = try sales.person("Newcomer")
        XCTAssertEqual(try sales.tags(of: customer), [], "the run's earlier action was undone with it")
        XCTAssertTrue(try sales.customerJSON(customer)["email"] is NSNull)
        let run = try XCTUnwrap(try sales.runs(automation).first)
        XCTAssertEqual(run["status"] as? String, "failed")
        XCTAssertEqual((run["actions"] as? [[String: Any]])?.count, 0)
        let error = try XCTUnwrap(run["error"] as? String)
        XCTAssertTrue(error.hasPrefix("actions[1] (set_field)"), error)
        XCTAssertTrue(error.contains("email"), error)
    }

    func testWebhookActionQueuesAnAutomationFiredEvent() throws {
        let webhook = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/webhooks", json: ["url": "https://hooks.example.com/crm", "events": ["automation.fired"]])[
                "id"]
                as? Int)
        let automation = try sales.automation("customer.created", actions: [["type": "webhook", "webhook_id": webhook]])
        _ = try sales.person("Announced")
        let deliveries = try XCTUnwrap(try sales.expect(200, "GET", "/v1/webhooks/\(webhook)/deliveries")["data"] as? [[String: Any]])
        XCTAssertEqual(deliveries.compactMap { $0["type"] as? String }, ["automation.fired"])
        XCTAssertEqual(try sales.runs(automation).first?["status"] as? String, "succeeded")

        // The webhook deleted since: the run fails and says why; the customer is still made.
        try sales.expect(204, "DELETE", "/v1/webhooks/\(webhook)")
        let later = try sales.person("Later")
        XCTAssertEqual(try sales.customerJSON(later)["name"] as? String, "Later")
        let run = try XCTUnwrap(try sales.runs(automation).first)
        XCTAssertEqual(run["status"] as? String, "failed")
        XCTAssertTrue((run["error"] as? String ?? "").contains("no live webhook \(webhook)"), "\(run)")
        // It can still be paused or renamed; new actions are checked again.
        try sales.expect(200, "PATCH", "/v1/automations/\(automation)", json: ["enabled": false, "name": "Paused"])
        XCTAssertEqual(
            try sales.send("PATCH", "/v1/automations/\(automation)", json: ["actions": [["type": "webhook", "webhook_id": webhook]]])
                .status,
            422)
    }
}
