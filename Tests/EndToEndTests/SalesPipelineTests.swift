import CRM
import Foundation
import XCTest

/// `/v1/pipelines`: the default pipeline, admin-only writes, stage validation, removing a stage in
/// use (API.md §2 "pipelines").
final class SalesPipelineTests: SalesTestCase {

    static var defaultStages: [[String: Any]] {
        [
            ["key": "qualification", "probability": 10, "closed": false, "won": false],
            ["key": "needs_analysis", "probability": 25, "closed": false, "won": false],
            ["key": "proposal", "probability": 50, "closed": false, "won": false],
            ["key": "negotiation", "probability": 75, "closed": false, "won": false],
            ["key": "won", "probability": 100, "closed": true, "won": true],
            ["key": "lost", "probability": 0, "closed": true, "won": false],
        ]
    }

    private func stageSummary(_ pipeline: [String: Any]) -> String {
        let stages = pipeline["stages"] as? [[String: Any]] ?? []
        return canonicalJSON(stages.map { stage in stage.filter { $0.key != "name" } })
    }

    private let twoStages: [[String: Any]] = [
        ["key": "open", "name": "Open", "probability": 20],
        ["key": "done", "name": "Done", "probability": 100, "closed": true, "won": true],
    ]

    func testDefaultPipelineHasTheDocumentedStagesAndEveryRoleReadsIt() throws {
        let data = try sales.list("/v1/pipelines")
        XCTAssertEqual(data.count, 1)
        let pipeline = try XCTUnwrap(data.first)
        XCTAssertEqual(pipeline["is_default"] as? Bool, true)
        XCTAssertEqual(stageSummary(pipeline), canonicalJSON(Self.defaultStages))
        for stage in pipeline["stages"] as? [[String: Any]] ?? [] {
            XCTAssertFalse((stage["name"] as? String ?? "").isEmpty, "\(stage)")
        }
        let id = try XCTUnwrap(pipeline["id"] as? Int)
        let single = try sales.send("GET", "/v1/pipelines/\(id)")
        XCTAssertEqual(single.status, 200)
        XCTAssertNotNil(single.header("ETag"))
        XCTAssertEqual(canonicalJSON(try single.json()), canonicalJSON(pipeline))
        for role in ["sales", "support", "marketing", "viewer"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            XCTAssertEqual(try client.list("/v1/pipelines").salesIDs, [id], role)
            XCTAssertEqual(try client.send("GET", "/v1/pipelines/\(id)").status, 200, role)
        }
        XCTAssertEqual(try sales.send("GET", "/v1/pipelines/999").status, 404)
    }

    func testAdminCreatesAndEditsAPipeline() throws {
        let created = try sales.send("POST", "/v1/pipelines", json: ["name": "Renewals", "stages": twoStages])
        XCTAssertEqual(created.status, 201, created.text)
        let pipeline = try created.json()
        let id = try XCTUnwrap(pipeline["id"] as? Int)
        XCTAssertEqual(created.header("Location"), "/v1/pipelines/\(id)")
        XCTAssertEqual(pipeline["name"] as? String, "Renewals")
        XCTAssertEqual(pipeline["is_default"] as? Bool, false)
        let stages = try XCTUnwrap(pipeline["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.map { $0["key"] as? String }, ["open", "done"])
        XCTAssertEqual(stages.first?["closed"] as? Bool, false)
        XCTAssertEqual(stages.first?["won"] as? Bool, false)
        XCTAssertEqual(stages.last?["closed"] as? Bool, true)
        XCTAssertEqual(try sales.list("/v1/pipelines").count, 2)

        // Rename and reorder stages.
        let edited: [[String: Any]] = [
            ["key": "done", "name": "Signed", "probability": 100, "closed": true, "won": true],
            ["key": "open", "name": "In talks", "probability": 30],
        ]
        let patched = try sales.send(
            "PATCH", "/v1/pipelines/\(id)", json: ["name": "Renewals 2027", "stages": edited], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(patched.status, 200, patched.text)
        let after = try patched.json()
        XCTAssertEqual(after["name"] as? String, "Renewals 2027")
        XCTAssertEqual((after["stages"] as? [[String: Any]])?.map { $0["name"] as? String }, ["Signed", "In talks"])
        XCTAssertEqual((after["stages"] as? [[String: Any]])?.last?["probability"] as? Int, 30)
        XCTAssertEqual(after["version"] as? Int, 2)
        XCTAssertEqual(canonicalJSON(try sales.expect(200, "GET", "/v1/pipelines/\(id)")), canonicalJSON(after))
        XCTAssertEqual(try sales.send("PATCH", "/v1/pipelines/\(id)", json: ["name": "x"], headers: [("If-Match", "\"1\"")]).status, 412)
        XCTAssertEqual(try sales.send("PATCH", "/v1/pipelines/999", json: ["name": "x"]).status, 404)

        // A patch that changes nothing writes nothing: no new version, no feed entry.
        let head = try XCTUnwrap(try sales.expect(200, "GET", "/v1/changes?limit=200")["next_after"] as? Int)
        for body in [[String: Any](), ["name": "Renewals 2027"], ["name": "Renewals 2027", "stages": edited, "is_default": false]] {
            let same = try sales.send("PATCH", "/v1/pipelines/\(id)", json: body)
            XCTAssertEqual(same.status, 200, same.text)
            XCTAssertEqual(same.header("ETag"), "\"2\"", "\(body)")
        }
        XCTAssertEqual((try sales.expect(200, "GET", "/v1/changes?after=\(head)")["data"] as? [Any])?.count, 0)
        XCTAssertEqual(try sales.expect(200, "PATCH", "/v1/pipelines/\(id)", json: ["name": "Renewals 2028"])["version"] as? Int, 3)
    }

    func testInvalidStagesAre422() throws {
        func check(_ stages: Any?, field: String, line: UInt = #line) throws {
            var body: [String: Any] = ["name": "Bad"]
            if let stages { body["stages"] = stages }
            let reply = try sales.send("POST", "/v1/pipelines", json: body)
            XCTAssertEqual(reply.status, 422, reply.text, line: line)
            XCTAssertTrue(reply.problemFields.contains(field), "\(field) in \(reply.text)", line: line)
        }
        try check(nil, field: "stages")
        try check([Any](), field: "stages")
        try check("open", field: "stages")
        try check(
            [["key": "open", "name": "Open", "probability": 10], ["key": "open", "name": "Again", "probability": 20]],
            field: "stages[1].key")
        try check(
            [["key": "open", "name": "Open", "probability": 10], ["key": "won", "name": "Won", "probability": 100, "won": true]],
            field: "stages[1].won")
        try check(
            [
                ["key": "won", "name": "Won", "probability": 100, "closed": true, "won": true],
                ["key": "lost", "name": "Lost", "probability": 0, "closed": true],
            ],
            field: "stages")
        try check([["key": "open", "name": "Open", "probability": 101]], field: "stages[0].probability")
        try check([["key": "open", "name": "Open", "probability": -1]], field: "stages[0].probability")
        try check([["key": "Open Stage", "name": "Open", "probability": 10]], field: "stages[0].key")
        try check([["key": "open", "name": " ", "probability": 10]], field: "stages[0].name")
        try check([["key": "open", "name": "Open", "probability": 10, "colour": "red"]], field: "stages[0].colour")
        let noName = try sales.send("POST", "/v1/pipelines", json: ["stages": twoStages])
        XCTAssertEqual(noName.status, 422)
        XCTAssertEqual(noName.problemFields, ["name"])
        XCTAssertEqual(try sales.list("/v1/pipelines").count, 1)
        // The same rules on PATCH.
        let id = try XCTUnwrap(try sales.expect(201, "POST", "/v1/pipelines", json: ["name": "Ok", "stages": twoStages])["id"] as? Int)
        let patch = try sales.send(
            "PATCH", "/v1/pipelines/\(id)", json: ["stages": [["key": "a", "name": "A", "probability": 10, "won": true]]])
        XCTAssertEqual(patch.status, 422, patch.text)
        XCTAssertEqual(patch.problemFields, ["stages[0].won"])
    }

    func testEveryBadPartOfEveryStageIsNamedInOne422() throws {
        let reply = try sales.send(
            "POST", "/v1/pipelines",
            json: [
                "name": " ",
                "stages": [
                    ["key": "Bad Key", "name": "", "probability": 101, "colour": "red"],
                    ["key": "open", "name": "Open", "probability": 10],
                    "not a stage",
                    ["key": "open", "name": "Again", "probability": 20, "closed": "yes", "won": true],
                ],
            ])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(
            Set(reply.problemFields),
            [
                "name", "stages[0].key", "stages[0].name", "stages[0].probability", "stages[0].colour", "stages[2]", "stages[3].key",
                "stages[3].closed", "stages[3].won",
            ])
        XCTAssertEqual(try sales.list("/v1/pipelines").count, 1, "nothing was created")
    }

    func testRemovingAStageAnOpportunityStandsInIs409() throws {
        let pipeline = try XCTUnwrap(
            try sales.expect(
                201, "POST", "/v1/pipelines",
                json: [
                    "name": "Three",
                    "stages": [["key": "a", "name": "A", "probability": 10], ["key": "b", "name": "B", "probability": 60]] + twoStages,
                ])["id"] as? Int)
        let customer = try sales.customer("Pipelined")
        let opportunity = try sales.opportunity(customer, name: "In B", ["pipeline_id": pipeline, "stage": "b"])
        XCTAssertEqual(opportunity["probability"] as? Int, 60)
        let removeB: [[String: Any]] = [["key": "a", "name": "A", "probability": 10]] + twoStages
        let reply = try sales.send("PATCH", "/v1/pipelines/\(pipeline)", json: ["stages": removeB])
        XCTAssertEqual(reply.status, 409, reply.text)
        XCTAssertEqual(reply.problemFields, ["stages"])
        XCTAssertEqual(((try sales.expect(200, "GET", "/v1/pipelines/\(pipeline)"))["stages"] as? [[String: Any]])?.count, 4)
        // Removing a stage nobody stands in is fine.
        let removeA: [[String: Any]] = [["key": "b", "name": "B", "probability": 60]] + twoStages
        let ok = try sales.send("PATCH", "/v1/pipelines/\(pipeline)", json: ["stages": removeA])
        XCTAssertEqual(ok.status, 200, ok.text)
        // Once the opportunity is deleted, its stage may go too.
        try sales.expect(204, "DELETE", "/v1/opportunities/\(opportunity["id"] as! Int)")
        XCTAssertEqual(try sales.send("PATCH", "/v1/pipelines/\(pipeline)", json: ["stages": twoStages]).status, 200)
    }

    /// A stage turned closed (or open, or won) changes the opportunities standing in it where they
    /// stand: each is written as a record (version, `closed_at`, feed and audit entries, after the
    /// pipeline's own entry) and its customer's lifecycle follows in the same transaction (a deal
    /// closed this way had left its customer a `prospect`; found by a black-box audit).
    func testRedefiningAStageClosedOrOpenRewritesItsOpportunitiesAndTheirCustomers() throws {
        func stages(bClosed: Bool, bWon: Bool = false) -> [[String: Any]] {
            [["key": "a", "name": "A", "probability": 10], ["key": "b", "name": "B", "probability": 60, "closed": bClosed, "won": bWon]]
                + twoStages
        }
        let pipeline = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/pipelines", json: ["name": "Flags", "stages": stages(bClosed: false)])["id"] as? Int)
        let customer = try sales.customer("Standing in B")
        let opportunity = try XCTUnwrap(
            try sales.opportunity(customer, name: "In B", ["pipeline_id": pipeline, "stage": "b"])["id"] as? Int)
        XCTAssertEqual(try sales.customerJSON(customer)["lifecycle_stage"] as? String, "prospect")
        let head = try sales.changes(after: 0).next

        try sales.expect(200, "PATCH", "/v1/pipelines/\(pipeline)", json: ["stages": stages(bClosed: true)])
        let closed = try sales.expect(200, "GET", "/v1/opportunities/\(opportunity)")
        XCTAssertEqual(closed["stage"] as? String, "b", "it stays where it stands")
        XCTAssertNotNil(closed["closed_at"] as? String, "\(closed)")
        XCTAssertEqual(closed["version"] as? Int, 2)
        XCTAssertNotEqual(try sales.customerJSON(customer)["lifecycle_stage"] as? String, "prospect", "no open opportunity is left")
        let entries = try sales.changes(after: head).entries.map { "\($0["type"] as? String ?? "") \($0["id"] as? Int ?? 0)" }
        XCTAssertEqual(Array(entries.prefix(2)), ["pipeline.updated \(pipeline)", "opportunity.updated \(opportunity)"])
        XCTAssertTrue(entries.contains("customer.updated \(customer)"), "\(entries)")
        XCTAssertEqual(
            try sales.send("PATCH", "/v1/opportunities/\(opportunity)", json: ["stage": "a"]).status, 409, "closed: only with reopen")
        XCTAssertEqual(
            (try sales.expect(200, "GET", "/v1/opportunities/\(opportunity)/history")["data"] as? [Any])?.count, 1, "no move")

        try sales.expect(200, "PATCH", "/v1/pipelines/\(pipeline)", json: ["stages": stages(bClosed: false)])
        let reopened = try sales.expect(200, "GET", "/v1/opportunities/\(opportunity)")
        XCTAssertTrue(reopened["closed_at"] is NSNull, "\(reopened)")
        XCTAssertEqual(reopened["version"] as? Int, 3)
        XCTAssertEqual(try sales.customerJSON(customer)["lifecycle_stage"] as? String, "prospect")
        try sales.expect(200, "PATCH", "/v1/opportunities/\(opportunity)", json: ["stage": "a"])
    }

    /// Making a pipeline the default takes the flag from the old default, and that is a write of the
    /// old default too: its version and `ETag` move (no stale `304`), its `updated_at` is the
    /// write's, and the feed and the audit log show it — on PATCH and on a create with the flag.
    func testMakingAnotherPipelineTheDefaultIsAWriteOfTheOldDefault() throws {
        let old = try XCTUnwrap(try sales.list("/v1/pipelines").first { $0["is_default"] as? Bool == true })
        let oldID = try XCTUnwrap(old["id"] as? Int)
        let oldVersion = try XCTUnwrap(old["version"] as? Int)
        let oldETag = try XCTUnwrap(try sales.send("GET", "/v1/pipelines/\(oldID)").header("ETag"))
        let newID = try XCTUnwrap(
            try sales.expect(201, "POST", "/v1/pipelines", json: ["name": "Renewals", "stages": twoStages])["id"] as? Int)
        clock.advance(milliseconds: 60_000)
        let promoted = try sales.expect(200, "PATCH", "/v1/pipelines/\(newID)", json: ["is_default": true])
        XCTAssertEqual(promoted["is_default"] as? Bool, true)
        XCTAssertEqual(promoted["version"] as? Int, 2)

        let reread = try sales.send("GET", "/v1/pipelines/\(oldID)")
        XCTAssertEqual(reread.status, 200)
        let demoted = try reread.json()
        XCTAssertEqual(demoted["is_default"] as? Bool, false)
        XCTAssertEqual(demoted["version"] as? Int, oldVersion + 1)
        XCTAssertEqual(demoted["updated_at"] as? String, clock.now().rfc3339)
        XCTAssertEqual(reread.header("ETag"), "\"\(oldVersion + 1)\"")
        let conditional = try sales.send("GET", "/v1/pipelines/\(oldID)", headers: [("If-None-Match", oldETag)])
        XCTAssertEqual(conditional.status, 200, "the old ETag no longer matches")
        XCTAssertEqual(try sales.send("PATCH", "/v1/pipelines/\(oldID)", json: ["name": "x"], headers: [("If-Match", oldETag)]).status, 412)

        let feed = try sales.expect(200, "GET", "/v1/changes?types=pipeline")["data"] as? [[String: Any]] ?? []
        let updates = feed.filter { $0["type"] as? String == "pipeline.updated" }
        // The old default loses the flag before the new one takes it, in the same transaction.
        XCTAssertEqual(updates.compactMap { $0["id"] as? Int }, [oldID, newID])
        let entry = try XCTUnwrap(updates.first?["data"] as? [String: Any])
        XCTAssertEqual(canonicalJSON(entry), canonicalJSON(demoted), "the feed carries the record as it now is")

        let audit = try sales.list("/v1/audit-log", [("record_type", "pipeline"), ("record_id", String(oldID))])
        let update = try XCTUnwrap(audit.first)
        XCTAssertEqual(update["action"] as? String, "update")
        XCTAssertEqual(canonicalJSON(update["changes"]), canonicalJSON(["is_default": ["before": true, "after": false]]))

        // A create with the flag demotes the default the same way.
        let third = try sales.expect(
            201, "POST", "/v1/pipelines", json: ["name": "Partners", "stages": twoStages, "is_default": true])
        XCTAssertEqual(third["is_default"] as? Bool, true)
        let second = try sales.expect(200, "GET", "/v1/pipelines/\(newID)")
        XCTAssertEqual(second["is_default"] as? Bool, false)
        XCTAssertEqual(second["version"] as? Int, 3)
        let later = try sales.expect(200, "GET", "/v1/changes?types=pipeline")["data"] as? [[String: Any]] ?? []
        XCTAssertEqual(
            later.suffix(2).compactMap { "\($0["type"] as? String ?? "") \($0["id"] as? Int ?? 0)" },
            ["pipeline.updated \(newID)", "pipeline.created \(third["id"] as? Int ?? -1)"])
        XCTAssertEqual(
            try sales.list("/v1/pipelines").filter { $0["is_default"] as? Bool == true }.salesIDs, [third["id"] as? Int ?? -1])
    }

    func testNonAdminsMayNotWritePipelines() throws {
        let id = try XCTUnwrap(try sales.list("/v1/pipelines").first?["id"] as? Int)
        for role in ["sales", "support", "marketing", "viewer"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            XCTAssertEqual(try client.send("POST", "/v1/pipelines", json: ["name": "Mine", "stages": twoStages]).status, 403, role)
            XCTAssertEqual(try client.send("PATCH", "/v1/pipelines/\(id)", json: ["name": "Mine"]).status, 403, role)
        }
        XCTAssertEqual(try sales.list("/v1/pipelines").count, 1)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/pipelines/\(id)")["version"] as? Int, 1)
    }
}
