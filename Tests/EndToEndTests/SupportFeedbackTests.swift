import CRM
import Foundation
import XCTest

/// Feedback (API.md §2 "feedback"): per-kind scores, the forward-only workflow and links to a
/// ticket or opportunity of the same customer.
final class SupportFeedbackTests: SupportTestCase {

    /// Feedback without a score sorts first by `score`, last by `-score`, page after page (a
    /// number, not text: PostgreSQL answered `500`, SQLite put it last).
    func testFeedbackWithoutAScoreSortsFirstAscending() throws {
        let seven = try api.feedback(customer, kind: "nps", score: 7).supportID
        let none = try api.feedback(customer, kind: "complaint").supportID
        let zero = try api.feedback(customer, kind: "nps", score: 0).supportID
        let alsoNone = try api.feedback(customer, kind: "praise").supportID
        XCTAssertEqual(try api.listIDs("/v1/feedback", [("sort", "score")]), [none, alsoNone, zero, seven])
        XCTAssertEqual(try api.listIDs("/v1/feedback", [("sort", "-score")]), [seven, zero, alsoNone, none])
        var ids: [Int] = []
        var cursor: String?
        repeat {
            let page = try api.expect(200, "GET", "/v1/feedback?sort=score&limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
            ids += (page["data"] as? [[String: Any]] ?? []).map(\.supportID)
            cursor = page["next_cursor"] as? String
        } while cursor != nil && ids.count < 10
        XCTAssertEqual(ids, [none, alsoNone, zero, seven])
    }

    func testCreateDefaultsAndRoundTrip() throws {
        let reply = try api.send(
            "POST", "/v1/feedback",
            json: ["customer_id": customer, "kind": "nps", "score": 9, "comment": "Great", "channel": "survey", "tags": ["q2"]])
        XCTAssertEqual(reply.status, 201, reply.text)
        let feedback = try reply.json()
        let id = feedback.supportID
        XCTAssertEqual(reply.header("Location"), "/v1/feedback/\(id)")
        XCTAssertEqual(feedback["customer_id"] as? Int, customer)
        XCTAssertEqual(feedback["kind"] as? String, "nps")
        XCTAssertEqual(feedback["score"] as? Int, 9)
        XCTAssertEqual(feedback["comment"] as? String, "Great")
        XCTAssertEqual(feedback["channel"] as? String, "survey")
        XCTAssertEqual(feedback["tags"] as? [String], ["q2"])
        XCTAssertEqual(feedback["status"] as? String, "new")
        XCTAssertEqual(feedback["version"] as? Int, 1)
        XCTAssertEqual(SupportSession.text(try api.expect(200, "GET", "/v1/feedback/\(id)")), SupportSession.text(feedback))
        XCTAssertEqual(try api.listIDs("/v1/feedback"), [id])
        XCTAssertEqual(Set(try api.refuse(422, "POST", "/v1/feedback", json: ["score": 3])), ["customer_id", "kind"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": "survey"]), ["kind"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": 999_999, "kind": "praise"]), ["customer_id"])
        XCTAssertEqual(
            try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": "praise", "mood": "happy"]), ["mood"])
        XCTAssertEqual(try api.send("DELETE", "/v1/feedback/\(id)").status, 204)
        try api.refuse(404, "GET", "/v1/feedback/\(id)")
        XCTAssertEqual(try api.listIDs("/v1/feedback"), [])
    }

    /// kind → (accepted scores, refused scores).
    static let scoreCases: [(String, [Int], [Int])] = [
        ("nps", [0, 5, 10], [-1, 11]),
        ("csat", [1, 3, 5], [0, 6, -1]),
        ("ces", [1, 4, 7], [0, 8]),
        ("review", [1, 5], [0, 6]),
    ]

    func testScoreRangesPerKind() throws {
        for (kind, accepted, refused) in Self.scoreCases {
            for score in accepted {
                XCTAssertEqual(try api.feedback(customer, kind: kind, score: score)["score"] as? Int, score, "\(kind) \(score)")
            }
            for score in refused {
                let fields = try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": kind, "score": score])
                XCTAssertEqual(fields, ["score"], "\(kind) \(score)")
            }
            // The scored kinds need a score.
            XCTAssertEqual(try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": kind]), ["score"], kind)
            XCTAssertEqual(
                try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": kind, "score": NSNull()]), ["score"],
                kind)
            XCTAssertEqual(
                try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": kind, "score": 3.5]), ["score"], kind)
            XCTAssertEqual(
                try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": kind, "score": "3"]), ["score"], kind)
        }
        let stored = try api.walk("/v1/feedback", limit: 200).entries
        XCTAssertEqual(stored.count, Self.scoreCases.reduce(0) { $0 + $1.1.count })
    }

    func testUnscoredKindsTakeNoScore() throws {
        for kind in ["complaint", "suggestion", "praise"] {
            let created = try api.feedback(customer, kind: kind, ["comment": "\(kind) text"])
            XCTAssertTrue(created.supportIsNull("score"), "\(kind): \(created)")
            for score in [0, 1, 5, 10] {
                let fields = try api.refuse(422, "POST", "/v1/feedback", json: ["customer_id": customer, "kind": kind, "score": score])
                XCTAssertEqual(fields, ["score"], "\(kind) \(score)")
            }
            // Adding one later is refused too.
            XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(created.supportID)", json: ["score": 4]), ["score"], kind)
        }
    }

    func testScoreIsCheckedAgainstTheKindOnUpdate() throws {
        let csat = try api.feedback(customer, kind: "csat", score: 4).supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(csat)", json: ["score": 9]), ["score"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(csat)", json: ["score": NSNull()]), ["score"])
        XCTAssertEqual(try api.expect(200, "PATCH", "/v1/feedback/\(csat)", json: ["score": 5])["score"] as? Int, 5)
        // Changing the kind re-checks the stored score: an NPS 9 is out of a CSAT's range, and a praise takes none.
        let nps = try api.feedback(customer, kind: "nps", score: 9).supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(nps)", json: ["kind": "csat"]), ["score"])
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(nps)", json: ["kind": "praise"]), ["score"])
        let praise = try api.expect(200, "PATCH", "/v1/feedback/\(nps)", json: ["kind": "praise", "score": NSNull()])
        XCTAssertEqual(praise["kind"] as? String, "praise")
        XCTAssertTrue(praise.supportIsNull("score"))
    }

    func testStatusMovesForwardOnly() throws {
        let id = try api.feedback(customer, kind: "complaint", ["comment": "late delivery"]).supportID
        let path = "/v1/feedback/\(id)"
        XCTAssertEqual(try api.expect(200, "PATCH", path, json: ["status": "acknowledged"])["status"] as? String, "acknowledged")
        try api.refuse(409, "PATCH", path, json: ["status": "new"])
        XCTAssertEqual(try api.expect(200, "PATCH", path, json: ["status": "actioned"])["status"] as? String, "actioned")
        try api.refuse(409, "PATCH", path, json: ["status": "acknowledged"])
        try api.refuse(409, "PATCH", path, json: ["status": "new"])
        XCTAssertEqual(try api.expect(200, "PATCH", path, json: ["status": "closed"])["status"] as? String, "closed")
        for back in ["actioned", "acknowledged", "new"] {
            try api.refuse(409, "PATCH", path, json: ["status": back])
        }
        XCTAssertEqual(try api.expect(200, "GET", path)["status"] as? String, "closed")
        XCTAssertEqual(try api.refuse(422, "PATCH", path, json: ["status": "reopened"]), ["status"])
    }

    func testEveryBackwardMoveIs409AndEveryForwardMoveSucceeds() throws {
        let statuses = ["new", "acknowledged", "actioned", "closed"]
        for (fromIndex, from) in statuses.enumerated() {
            for (toIndex, to) in statuses.enumerated() where to != from {
                let id = try api.feedback(customer, kind: "suggestion").supportID
                if from != "new" { try api.expect(200, "PATCH", "/v1/feedback/\(id)", json: ["status": from]) }
                let reply = try api.send("PATCH", "/v1/feedback/\(id)", json: ["status": to])
                if toIndex > fromIndex {
                    XCTAssertEqual(reply.status, 200, "\(from) → \(to): \(reply.text)")
                } else {
                    XCTAssertEqual(reply.status, 409, "\(from) → \(to): \(reply.text)")
                    XCTAssertEqual(try api.expect(200, "GET", "/v1/feedback/\(id)")["status"] as? String, from)
                }
            }
        }
        // Created directly in a later status is allowed; status null is not.
        XCTAssertEqual(try api.feedback(customer, kind: "praise", ["status": "acknowledged"])["status"] as? String, "acknowledged")
        let id = try api.feedback(customer, kind: "praise").supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(id)", json: ["status": NSNull()]), ["status"])
    }

    func testLinksMustBelongToTheSameCustomer() throws {
        let other = try api.customer("Other")
        let ownTicket = try api.ticket(customer, "mine").supportID
        let otherTicket = try api.ticket(other, "theirs").supportID
        let ownOpportunity = try api.expect(201, "POST", "/v1/opportunities", json: ["customer_id": customer, "name": "Deal"]).supportID
        let otherOpportunity = try api.expect(201, "POST", "/v1/opportunities", json: ["customer_id": other, "name": "Their deal"])
            .supportID

        let linked = try api.feedback(customer, kind: "csat", score: 5, ["ticket_id": ownTicket, "opportunity_id": ownOpportunity])
        XCTAssertEqual(linked["ticket_id"] as? Int, ownTicket)
        XCTAssertEqual(linked["opportunity_id"] as? Int, ownOpportunity)

        let base: [String: Any] = ["customer_id": customer, "kind": "csat", "score": 4]
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/feedback", json: base.merging(["ticket_id": otherTicket]) { $1 }), ["ticket_id"])
        XCTAssertEqual(
            try api.refuse(422, "POST", "/v1/feedback", json: base.merging(["opportunity_id": otherOpportunity]) { $1 }), ["opportunity_id"]
        )
        XCTAssertEqual(
            Set(
                try api.refuse(
                    422, "POST", "/v1/feedback", json: base.merging(["ticket_id": otherTicket, "opportunity_id": otherOpportunity]) { $1 })),
            ["ticket_id", "opportunity_id"])
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/feedback", json: base.merging(["ticket_id": 777_777]) { $1 }), ["ticket_id"])
        XCTAssertEqual(
            try api.refuse(422, "POST", "/v1/feedback", json: base.merging(["opportunity_id": 777_777]) { $1 }), ["opportunity_id"])

        // A deleted ticket is as good as unknown.
        let gone = try api.ticket(customer, "gone").supportID
        XCTAssertEqual(try api.send("DELETE", "/v1/tickets/\(gone)").status, 204)
        XCTAssertEqual(try api.refuse(422, "POST", "/v1/feedback", json: base.merging(["ticket_id": gone]) { $1 }), ["ticket_id"])

        // On update too: linking another customer's ticket, or moving to another customer while linked.
        let plain = try api.feedback(customer, kind: "praise").supportID
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(plain)", json: ["ticket_id": otherTicket]), ["ticket_id"])
        XCTAssertEqual(
            try api.expect(200, "PATCH", "/v1/feedback/\(plain)", json: ["ticket_id": ownTicket])["ticket_id"] as? Int, ownTicket)
        XCTAssertEqual(try api.refuse(422, "PATCH", "/v1/feedback/\(plain)", json: ["customer_id": other]), ["ticket_id"])
        let moved = try api.expect(200, "PATCH", "/v1/feedback/\(plain)", json: ["customer_id": other, "ticket_id": otherTicket])
        XCTAssertEqual(moved["customer_id"] as? Int, other)
        XCTAssertEqual(try api.listIDs("/v1/feedback", [("customer_id", String(customer))]), [linked.supportID])
    }
}
