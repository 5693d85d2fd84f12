import CRM
import Foundation
import XCTest

/// Every refusal of an automation's definition (a 422 naming each bad part, nothing stored) and
/// the admin-only role checks of every automation endpoint.
final class AutomationValidationTests: SalesTestCase {
    /// A create that must answer 422: the named fields, sorted.
    private func refused(_ body: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let reply = try sales.send("POST", "/v1/automations", json: body)
        XCTAssertEqual(reply.status, 422, reply.text, file: file, line: line)
        let errors = (try? reply.json()["errors"] as? [[String: Any]]) ?? []
        return errors.compactMap { $0["field"] as? String }.sorted()
    }

    private let task: [String: Any] = ["type": "create_task", "title": "Call"]

    func testEveryBadPartIsNamed() throws {
        XCTAssertEqual(try refused(["name": "x", "trigger": "customer.exploded", "actions": [task]]), ["trigger"])
        XCTAssertEqual(
            try refused([
                "name": "x", "trigger": "nope",
                "actions": [["type": "add_tag"], ["type": "set_field", "field": "industry", "value": 1], ["type": "explode"]],
            ]),
            ["actions[0].tag", "actions[2].type", "trigger"],
            "an unknown trigger hides none of the actions' own faults (a set_field's depend on the trigger)")
        XCTAssertEqual(try refused(["name": "x", "trigger": "schedule.daily", "actions": [task]]), ["schedule"])
        XCTAssertEqual(
            try refused(["name": "x", "trigger": "schedule.daily", "schedule": ["select": "full_moon"], "actions": [task]]),
            ["schedule.select"])
        XCTAssertEqual(
            try refused(["name": "x", "trigger": "schedule.daily", "schedule": ["select": "no_order_for_days"], "actions": [task]]),
            ["schedule.days"])
        XCTAssertEqual(
            try refused([
                "name": "x", "trigger": "schedule.daily", "schedule": ["select": "no_order_for_days", "days": 0], "actions": [task],
            ]),
            ["schedule.days"])
        XCTAssertEqual(
            try refused(["name": "x", "trigger": "schedule.daily", "schedule": ["select": "birthday_today", "days": 3], "actions": [task]]),
            ["schedule.days"])
        XCTAssertEqual(
            try refused(["name": "x", "trigger": "customer.created", "schedule": ["select": "birthday_today"], "actions": [task]]),
            ["schedule"])
        XCTAssertEqual(try refused(["name": "x", "trigger": "customer.created", "actions": []]), ["actions"])
        XCTAssertEqual(try refused(["name": "x", "trigger": "customer.created"]), ["actions"])

        // Conditions: an unknown field, an operator the field does not take, a value of the wrong
        // type, over the trigger's own record.
        XCTAssertEqual(
            try refused([
                "name": "x", "trigger": "order.created", "actions": [task],
                "conditions": ["all": [leaf("industry", "eq", "retail"), leaf("amount", "contains", "1"), leaf("amount", "gte", "many")]],
            ]), ["conditions.all[0].field", "conditions.all[1].op", "conditions.all[2].value"])
        var deep: [String: Any] = leaf("name", "eq", "x")
        for _ in 0..<11 { deep = ["not": deep] }
        XCTAssertEqual(try refused(["name": "x", "trigger": "customer.created", "conditions": deep, "actions": [task]]).count, 1)

        // Actions: each bad part of each, at once.
        let fields = try refused([
            "name": "x", "trigger": "customer.created",
            "actions": [
                ["type": "launch_rocket"], ["type": "create_task"],
                ["type": "create_task", "title": "t", "kind": "party", "due_in_days": -1],
                ["type": "add_tag"], ["type": "set_field", "field": "lifecycle_stage", "value": "loyal"],
                ["type": "set_field", "field": "shoe_size", "value": 42], ["type": "set_field", "field": "email", "value": "not an email"],
                ["type": "create_ticket", "subject": "s", "priority": "whenever"], ["type": "webhook", "webhook_id": 999],
                ["type": "add_tag", "tag": "ok", "colour": "red"],
            ],
        ])
        XCTAssertEqual(
            fields,
            [
                "actions[0].type", "actions[1].title", "actions[2].due_in_days", "actions[2].kind", "actions[3].tag", "actions[4].field",
                "actions[5].field", "actions[6].value", "actions[7].priority", "actions[8].webhook_id", "actions[9].colour",
            ].sorted())
        XCTAssertEqual(try sales.walk("/v1/automations", limit: 50).entries.count, 0, "nothing was stored")
    }

    /// A customer's `set_field` of `attributes` is checked against the custom field definitions
    /// when the automation is written, as a PATCH of the same value is, not only by every run
    /// (found by a black-box audit); keys without a definition and `null`s pass.
    func testASetFieldOfAttributesIsCheckedAgainstTheFieldDefinitions() throws {
        try sales.expect(201, "POST", "/v1/fields", json: ["key": "score", "label": "Score", "type": "number"])
        try sales.expect(201, "POST", "/v1/fields", json: ["key": "lvl", "label": "Level", "type": "enum", "options": ["gold", "silver"]])
        func body(_ value: [String: Any]) -> [String: Any] {
            ["name": "f", "trigger": "customer.created", "actions": [["type": "set_field", "field": "attributes", "value": value]]]
        }
        let reply = try sales.send("POST", "/v1/automations", json: body(["score": "high", "lvl": "bronze"]))
        XCTAssertEqual(reply.status, 422, reply.text)
        let errors = (try reply.json()["errors"] as? [[String: Any]]) ?? []
        XCTAssertEqual(errors.compactMap { $0["field"] as? String }, ["actions[0].value", "actions[0].value"], reply.text)
        XCTAssertEqual(Set(errors.compactMap { $0["code"] as? String }), ["invalid_type"])
        XCTAssertEqual((try sales.expect(200, "GET", "/v1/automations")["data"] as? [Any])?.count, 0, "nothing stored")
        try sales.expect(201, "POST", "/v1/automations", json: body(["score": 3, "lvl": "gold", "other": "x", "lvl2": NSNull()]))
        try sales.expect(201, "POST", "/v1/automations", json: body(["score": NSNull()]))
    }

    /// A schedule's faults carry the code of what is wrong: missing is `required`, the wrong type
    /// `invalid_type`, a whole number out of bounds `out_of_range`.
    func testScheduleFaultsAreNamedByKind() throws {
        func code(_ schedule: Any?) throws -> [String] {
            var body: [String: Any] = ["name": "x", "trigger": "schedule.daily", "actions": [task]]
            if let schedule { body["schedule"] = schedule }
            let reply = try sales.send("POST", "/v1/automations", json: body)
            XCTAssertEqual(reply.status, 422, reply.text)
            return ((try? reply.json()["errors"] as? [[String: Any]]) ?? []).map { "\($0["field"] ?? ""):\($0["code"] ?? "")" }
        }
        XCTAssertEqual(try code(nil), ["schedule:required"])
        XCTAssertEqual(try code([Any]()), ["schedule:invalid_type"])
        for days: Any in ["10", 10.5, true] {
            XCTAssertEqual(try code(["select": "no_order_for_days", "days": days]), ["schedule.days:invalid_type"], "\(days)")
        }
        XCTAssertEqual(try code(["select": "no_order_for_days"]), ["schedule.days:required"])
        XCTAssertEqual(try code(["select": "no_order_for_days", "days": 3651]), ["schedule.days:out_of_range"])
    }

    func testAPatchIsCheckedAgainstTheWholeDefinition() throws {
        let automation = try sales.automation("order.created", actions: [["type": "set_field", "field": "channel", "value": "web"]])
        // A customer has no `channel`: the stored action no longer fits the new trigger.
        let reply = try sales.send("PATCH", "/v1/automations/\(automation)", json: ["trigger": "customer.created"])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual((try reply.json()["errors"] as? [[String: Any]])?.first?["field"] as? String, "actions[0].field")
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/automations/\(automation)")["trigger"] as? String, "order.created")
        try sales.expect(200, "PATCH", "/v1/automations/\(automation)", json: ["name": "Renamed", "enabled": false])
    }

    func testOnlyAdminsReachAutomations() throws {
        let automation = try sales.automation("customer.created", actions: [["type": "add_tag", "tag": "x"]])
        let body: [String: Any] = ["name": "x", "trigger": "customer.created", "actions": [["type": "add_tag", "tag": "x"]]]
        for role in ["sales", "support", "marketing", "viewer"] {
            let client = try SalesClient.withNewKey(server, role: role).client
            XCTAssertEqual(try client.send("GET", "/v1/automations").status, 403, role)
            XCTAssertEqual(try client.send("POST", "/v1/automations", json: body).status, 403, role)
            XCTAssertEqual(try client.send("GET", "/v1/automations/\(automation)").status, 403, role)
            XCTAssertEqual(try client.send("PATCH", "/v1/automations/\(automation)", json: ["enabled": false]).status, 403, role)
            XCTAssertEqual(try client.send("DELETE", "/v1/automations/\(automation)").status, 403, role)
            XCTAssertEqual(try client.send("GET", "/v1/automations/\(automation)/runs").status, 403, role)
            XCTAssertEqual(try client.send("POST", "/v1/automations/run-daily").status, 403, role)
        }
        let anonymous = try SalesClient(server, key: "crm_1_not-a-key")
        XCTAssertEqual(try anonymous.send("GET", "/v1/automations").status, 401)
        XCTAssertEqual(try anonymous.send("POST", "/v1/automations/run-daily").status, 401)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/automations/\(automation)")["enabled"] as? Bool, true, "nothing changed")
        XCTAssertEqual(try sales.send("GET", "/v1/automations/999/runs").status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/automations/\(automation)/runs?limit=0").status, 400)
        XCTAssertEqual(try sales.send("POST", "/v1/automations/run-daily?now=1").status, 400)
        XCTAssertEqual(try sales.send("POST", "/v1/automations/run-daily", json: ["force": true]).status, 400)
        XCTAssertEqual(try sales.expect(200, "POST", "/v1/automations/run-daily", json: [String: Any]())["runs"] as? Int, 0)
    }

    func testMetricsCountRunsByStatus() throws {
        try sales.automation(
            "customer.created", conditions: ["all": [leaf("type", "eq", "company")]], actions: [["type": "add_tag", "tag": "b2b"]])
        _ = try sales.person("Person")
        _ = try sales.expect(201, "POST", "/v1/customers", json: ["type": "company", "name": "Firm"])
        let reply = try sales.send("GET", "/metrics")
        XCTAssertTrue(reply.text.contains("crm_automation_runs_succeeded_total 1"), reply.text)
        XCTAssertTrue(reply.text.contains("crm_automation_runs_skipped_total 1"), reply.text)
        XCTAssertTrue(reply.text.contains("crm_automation_runs_failed_total 0"), reply.text)
    }
}
