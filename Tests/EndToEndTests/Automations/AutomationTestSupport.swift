import Foundation
import XCTest

extension SalesClient {
    /// `POST /v1/automations` that must answer 201: the automation's id.
    @discardableResult
    func automation(
        _ trigger: String, name: String = "Automation", schedule: [String: Any]? = nil, conditions: [String: Any]? = nil,
        actions: [[String: Any]], enabled: Bool = true, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Int {
        var body: [String: Any] = ["name": name, "trigger": trigger, "actions": actions, "enabled": enabled]
        if let schedule { body["schedule"] = schedule }
        if let conditions { body["conditions"] = conditions }
        let created = try expect(201, "POST", "/v1/automations", json: body, file: file, line: line)
        return try XCTUnwrap(created["id"] as? Int, file: file, line: line)
    }

    /// The automation's runs, newest first.
    func runs(_ automation: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try walk("/v1/automations/\(automation)/runs", limit: 50, file: file, line: line).entries
    }

    /// `POST /v1/automations/run-daily`: how many runs it recorded.
    func runDaily(file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        try XCTUnwrap(try expect(200, "POST", "/v1/automations/run-daily", file: file, line: line)["runs"] as? Int, file: file, line: line)
    }

    /// The tasks of a customer, oldest first.
    func tasks(of customer: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try walk("/v1/tasks", [("customer_id", "\(customer)")], limit: 50, file: file, line: line).entries.sorted {
            ($0["id"] as? Int ?? 0) < ($1["id"] as? Int ?? 0)
        }
    }

    func tags(of customer: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        try customerJSON(customer, file: file, line: line)["tags"] as? [String] ?? []
    }

    /// A person with `fields` besides type and name; returns the id.
    func person(_ name: String, _ fields: [String: Any] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var body: [String: Any] = ["type": "person", "name": name]
        for (key, value) in fields { body[key] = value }
        return try XCTUnwrap(
            try expect(201, "POST", "/v1/customers", json: body, file: file, line: line)["id"] as? Int, file: file, line: line)
    }
}

func leaf(_ field: String, _ op: String, _ value: Any) -> [String: Any] { ["field": field, "op": op, "value": value] }
