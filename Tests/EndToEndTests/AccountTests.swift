import CRM
import Foundation
import XCTest

/// Accounts and contacts (API.md §2): `account_id` on persons and its refusals, the contacts
/// list, `metrics.account` kept current by the writes that change it, a company's deletion and
/// merge re-pointing its contacts (with feed and audit entries), the timeline with contacts, and
/// `account_id` / `metrics.account.*` in filters, rules and reports.
final class AccountTests: SalesTestCase {
    var support: SupportSession!

    override func setUpWithError() throws {
        try super.setUpWithError()
        support = try SupportSession(server)
    }

    // MARK: - Helpers

    private func company(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        try sales.api.createPerson(name, ["type": "company"], file: file, line: line)
    }

    private func contact(_ name: String, of account: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        try sales.api.createPerson(name, ["account_id": account], file: file, line: line)
    }

    private func account(_ id: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Int] {
        let metrics = try sales.metrics(id, file: file, line: line)
        return try XCTUnwrap(metrics["account"] as? [String: Int], "metrics.account of \(id)", file: file, line: line)
    }

    private func rollup(contacts: Int, orders: Int, spent: Int, tickets: Int) -> [String: Int] {
        ["contacts": contacts, "order_count": orders, "total_spent": spent, "open_tickets": tickets]
    }

    /// The fields a refused write names.
    private func refused(_ reply: RawClient.Reply, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        XCTAssertEqual(reply.status, 422, reply.text, file: file, line: line)
        return ((try? reply.json()["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }.sorted()
    }

    private func ids(_ entries: [[String: Any]]) -> [Int] { entries.compactMap { $0["id"] as? Int } }

    // MARK: - account_id

    func testAccountIDNamesALiveCompanyAndOnlyOnPersons() throws {
        let acme = try company("Acme")
        let person = try sales.customer("Wang Fang")
        let gone = try company("Gone Ltd")
        try sales.expect(204, "DELETE", "/v1/customers/\(gone)")

        let lei = try contact("Li Lei", of: acme)
        XCTAssertEqual(try sales.customerJSON(lei)["account_id"] as? Int, acme)
        XCTAssertTrue(try sales.customerJSON(acme)["account_id"] is NSNull)

        func create(_ fields: [String: Any]) throws -> RawClient.Reply { try sales.send("POST", "/v1/customers", json: fields) }
        XCTAssertEqual(refused(try create(["type": "person", "name": "x", "account_id": person])), ["account_id"])
        XCTAssertEqual(refused(try create(["type": "person", "name": "x", "account_id": 999_999])), ["account_id"])
        XCTAssertEqual(refused(try create(["type": "person", "name": "x", "account_id": gone])), ["account_id"])
        XCTAssertEqual(refused(try create(["type": "company", "name": "x", "account_id": acme])), ["account_id"])
        XCTAssertEqual(refused(try create(["type": "person", "name": "x", "account_id": "acme"])), ["account_id"])
        // On update: itself, a person becoming a company while in an account, a company with
        // contacts becoming a person.
        XCTAssertEqual(refused(try sales.send("PATCH", "/v1/customers/\(acme)", json: ["account_id": acme])), ["account_id"])
        XCTAssertEqual(refused(try sales.send("PATCH", "/v1/customers/\(lei)", json: ["type": "company"])), ["account_id"])
        XCTAssertEqual(refused(try sales.send("PATCH", "/v1/customers/\(acme)", json: ["type": "person"])), ["type"])
        // The upsert path checks it too, and a refusal changes nothing.
        XCTAssertEqual(
            refused(
                try sales.send("PUT", "/v1/customers/by-external-id/e-1", json: ["type": "person", "name": "x", "account_id": person])),
            ["account_id"])
        XCTAssertEqual(try sales.send("GET", "/v1/customers/by-external-id/e-1").status, 404)
        XCTAssertEqual(try account(acme), rollup(contacts: 1, orders: 0, spent: 0, tickets: 0))

        // Leaving and joining.
        try sales.expect(200, "PATCH", "/v1/customers/\(lei)", json: ["account_id": NSNull()])
        XCTAssertEqual(try account(acme)["contacts"], 0)
        try sales.expect(200, "PATCH", "/v1/customers/\(person)", json: ["account_id": acme])
        XCTAssertEqual(try account(acme)["contacts"], 1)
        // A person has no rollup.
        XCTAssertTrue(try sales.metrics(person)["account"] is NSNull)
    }

    func testBatchRecordsAreCheckedEachOnItsOwn() throws {
        let acme = try company("Acme")
        let person = try sales.customer("Not a company")
        let body: [String: Any] = [
            "upsert_by": "email",
            "records": [
                ["type": "person", "name": "Good", "email": "good@example.com", "account_id": acme],
                ["type": "person", "name": "Bad", "email": "bad@example.com", "account_id": person],
            ],
        ]
        let reply = try sales.send("POST", "/v1/customers/batch", json: body)
        XCTAssertEqual(reply.status, 200, reply.text)
        let results = try XCTUnwrap(try reply.json()["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["status"] as? Int }, [201, 422])
        XCTAssertEqual(try account(acme)["contacts"], 1)
    }

    // MARK: - Contacts

    func testContactsListPagesTheCompanysLivePersons() throws {
        let acme = try company("Acme")
        let other = try company("Other")
        var expected: [Int] = []
        for index in 0..<5 { expected.append(try contact("Contact \(index)", of: acme)) }
        let gone = expected.removeLast()
        try sales.expect(204, "DELETE", "/v1/customers/\(gone)")
        _ = try contact("Elsewhere", of: other)
        _ = try sales.customer("Loner")

        let walked = try sales.walk("/v1/customers/\(acme)/contacts", limit: 2)
        XCTAssertEqual(ids(walked.entries), expected)
        XCTAssertEqual(walked.pages, 2)
        XCTAssertTrue(walked.entries.allSatisfy { $0["account_id"] as? Int == acme })
        // The list's filters and sorts apply within the account.
        XCTAssertEqual(ids(try sales.list("/v1/customers/\(acme)/contacts", [("sort", "-name"), ("name", "Contact 1")])), [expected[1]])
        XCTAssertEqual(ids(try sales.list("/v1/customers/\(acme)/contacts", [("sort", "-id")])), expected.reversed())
        // The account_id filter on the customer list says the same.
        XCTAssertEqual(ids(try sales.walk("/v1/customers", [("account_id", String(acme))], limit: 3).entries), expected)

        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(expected[0])/contacts").status, 404)  // a person
        XCTAssertEqual(try sales.send("GET", "/v1/customers/999999/contacts").status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(acme)/contacts?limit=0").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/customers?account_id%5Blte%5D=0").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/customers?account_id=x").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(acme)/contacts?cursor=garbage").status, 400)
        // Every role reads it; without a key it is 401.
        for role in ["viewer", "support", "marketing"] {
            let client = try SalesClient.withNewKey(server, role: role).client
            XCTAssertEqual(try client.send("GET", "/v1/customers/\(acme)/contacts").status, 200, role)
        }
        XCTAssertEqual(try server.client().request("GET", "/v1/customers/\(acme)/contacts").status, 401)
    }

    /// An erased contact stays a customer of its account (not deleted; its orders still count in
    /// the rollup): the contacts list shows it as the customer list's `account_id` filter and
    /// `metrics.account.contacts` do (it was left out of the contacts list alone).
    func testAnErasedContactStaysInTheContactsListAsEverywhereElse() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        let fang = try contact("Wang Fang", of: acme)
        try sales.expect(200, "POST", "/v1/customers/\(lei)/erase", json: ["reason": "request"])
        XCTAssertEqual(ids(try sales.list("/v1/customers/\(acme)/contacts")), [lei, fang])
        XCTAssertEqual(ids(try sales.list("/v1/customers", [("account_id", String(acme))])), [lei, fang])
        XCTAssertEqual(try account(acme)["contacts"], 2)
    }

    /// An erased company keeps the contacts it had, takes no new ones (joining writes its
    /// rollup), and a contact of it may still be written.
    func testAnErasedCompanyTakesNoNewContacts() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        try sales.expect(200, "POST", "/v1/customers/\(acme)/erase", json: ["reason": "request"])
        let joining = try sales.send("POST", "/v1/customers", json: ["type": "person", "name": "x", "account_id": acme])
        XCTAssertEqual(refused(joining), ["account_id"])
        XCTAssertTrue(joining.text.contains("\"code\":\"erased\""), joining.text)
        let fang = try sales.customer("Wang Fang")
        XCTAssertEqual(refused(try sales.send("PATCH", "/v1/customers/\(fang)", json: ["account_id": acme])), ["account_id"])
        try sales.expect(200, "PATCH", "/v1/customers/\(lei)", json: ["account_id": acme, "title": "CTO"])
        XCTAssertEqual(try account(acme)["contacts"], 1)
    }

    /// An erased contact's link is its company's to keep: deleting or merging the company
    /// repoints it as any contact (it was a `409` naming the contact, for good).
    func testACompanyWithAnErasedContactCanBeDeletedAndMerged() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        try sales.expect(200, "POST", "/v1/customers/\(lei)/erase", json: ["reason": "request"])
        let survivor = try company("Acme Holdings")
        try sales.expect(200, "POST", "/v1/customers/\(survivor)/merge", json: ["from": [acme]])
        XCTAssertEqual(try sales.customerJSON(lei)["account_id"] as? Int, survivor)
        try sales.expect(204, "DELETE", "/v1/customers/\(survivor)")
        XCTAssertTrue(try sales.customerJSON(lei)["account_id"] is NSNull)
        // A client still may not write to the erased contact.
        try sales.expect(409, "PATCH", "/v1/customers/\(lei)", json: ["account_id": NSNull()])
    }

    // MARK: - metrics.account

    func testRollupFollowsOrdersTicketsMovesAndDeletes() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        let fang = try contact("Wang Fang", of: acme)
        try sales.order(acme, amount: 100, at: SalesTime.ago(days: 3))
        try sales.order(lei, amount: 200, at: SalesTime.ago(days: 2))
        let refunded = try sales.order(lei, amount: 300, at: SalesTime.ago(days: 1))
        let ticket = try support.ticket(fang)
        XCTAssertEqual(try account(acme), rollup(contacts: 2, orders: 3, spent: 600, tickets: 1))

        // An order that stops counting, a ticket that closes.
        try sales.expect(200, "PATCH", "/v1/orders/\(try XCTUnwrap(refunded["id"] as? Int))", json: ["status": "refunded"])
        try support.patchTicket(try XCTUnwrap(ticket["id"] as? Int), ["status": "solved"])
        XCTAssertEqual(try account(acme), rollup(contacts: 2, orders: 2, spent: 300, tickets: 0))

        // A contact moving to another account takes its numbers along.
        let globex = try company("Globex")
        try sales.expect(200, "PATCH", "/v1/customers/\(lei)", json: ["account_id": globex])
        XCTAssertEqual(try account(acme), rollup(contacts: 1, orders: 1, spent: 100, tickets: 0))
        XCTAssertEqual(try account(globex), rollup(contacts: 1, orders: 1, spent: 200, tickets: 0))

        // A deleted contact leaves its account.
        try support.ticket(fang)
        XCTAssertEqual(try account(acme)["open_tickets"], 1)
        try sales.expect(204, "DELETE", "/v1/customers/\(fang)")
        XCTAssertEqual(try account(acme), rollup(contacts: 0, orders: 1, spent: 100, tickets: 0))

        // The company's own metrics stay its own; the rollup is beside them.
        let metrics = try sales.metrics(acme)
        XCTAssertEqual(metrics["order_count"] as? Int, 1)
        XCTAssertEqual(metrics["total_spent"] as? Int, 100)
    }

    /// The rollup is moved by each write rather than recounted; after every write of a long mix
    /// (orders on contacts and on the companies, refunds, deletions, tickets opened and solved,
    /// contacts joining and moving between accounts with their numbers) each company's
    /// `metrics.account` equals its contacts' metrics summed with its own.
    func testRollupEqualsItsRecountAfterEveryWrite() throws {
        let companies = [try company("Acme"), try company("Globex")]
        var members: [Int] = []
        for index in 0..<4 { members.append(try contact("Contact \(index)", of: companies[index % 2])) }
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var orders: [Int] = []
        var tickets: [Int] = []
        for step in 0..<40 {
            switch next(7) {
            case 0, 1:
                let buyer = next(3) == 0 ? companies[next(2)] : members[next(members.count)]
                let order = try sales.order(buyer, amount: 100 * (1 + next(50)), at: SalesTime.ago(days: Double(1 + next(30))))
                orders.append(try XCTUnwrap(order["id"] as? Int))
            case 2 where !orders.isEmpty:
                let order = orders.remove(at: next(orders.count))
                if next(2) == 0 {
                    try sales.expect(200, "PATCH", "/v1/orders/\(order)", json: ["status": "refunded"])
                } else {
                    try sales.expect(204, "DELETE", "/v1/orders/\(order)")
                }
            case 3:
                let ticket = try support.ticket(next(4) == 0 ? companies[next(2)] : members[next(members.count)])
                tickets.append(try XCTUnwrap(ticket["id"] as? Int))
            case 4 where !tickets.isEmpty:
                try support.patchTicket(tickets.remove(at: next(tickets.count)), ["status": "solved"])
            case 5:
                members.append(try contact("Contact \(members.count)", of: companies[next(2)]))
            default:
                let member = members[next(members.count)]
                try sales.expect(200, "PATCH", "/v1/customers/\(member)", json: ["account_id": companies[next(2)]])
            }
            for company in companies {
                var expected = ["contacts": 0, "order_count": 0, "total_spent": 0, "open_tickets": 0]
                for customer in [company] + members {
                    let json = try sales.customerJSON(customer)
                    guard customer == company || json["account_id"] as? Int == company else { continue }
                    let metrics = try XCTUnwrap(json["metrics"] as? [String: Any])
                    if customer != company { expected["contacts", default: 0] += 1 }
                    for key in ["order_count", "total_spent", "open_tickets"] { expected[key, default: 0] += metrics[key] as? Int ?? 0 }
                }
                XCTAssertEqual(try account(company), expected, "company \(company) after step \(step)")
            }
        }
    }

    /// Sets the contacts' `total_spent` by SQL, and their company's rollup to the sum the
    /// server would keep (its own total plus its contacts'), so a test can stand where thousands of
    /// orders would have brought them.
    private func setTotalSpent(_ total: Int64, of contacts: [Int], in company: Int) throws {
        let ids = contacts.map(String.init).joined(separator: ", ")
        try sales.api.sql("UPDATE customers SET total_spent = \(total) WHERE id IN (\(ids))")
        try sales.api.sql(
            """
            UPDATE customers SET account_total_spent = total_spent
                + (SELECT sum(k.total_spent) FROM customers k WHERE k.account_id = customers.id AND k.deleted_at IS NULL)
            WHERE id = \(company)
            """)
    }

    func testARollupPastTheLargestTotalIsA422AndTheServerLivesOn() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        // What 9,223 orders at the largest amount add up to, without sending them (the company's
        // rollup moved with it, as the server keeps it).
        try setTotalSpent(9_223_000_000_000_000_000, of: [lei], in: acme)
        let order: [String: Any] = [
            "customer_id": acme, "amount": 1_000_000_000_000_000, "currency": "CNY", "ordered_at": SalesTime.ago(days: 1),
        ]
        let refused = try sales.send("POST", "/v1/orders", json: order)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(refused.problemEntry("amount")?["code"] as? String, "total_too_large")
        XCTAssertEqual(try sales.list("/v1/orders").count, 0, "nothing written")

        // A contact joining brings a total that fits alone but not with the company's own.
        try setTotalSpent(0, of: [lei], in: acme)
        try sales.order(acme, amount: 100, at: SalesTime.ago(days: 1))
        let globex = try company("Globex")
        let rich = try contact("Han Meimei", of: globex)
        try setTotalSpent(9_223_372_036_854_775_800, of: [rich], in: globex)
        let moved = try sales.send("PATCH", "/v1/customers/\(rich)", json: ["account_id": acme])
        XCTAssertEqual(moved.status, 422, moved.text)
        XCTAssertEqual(moved.problemEntry("account_id")?["code"] as? String, "total_too_large")
        XCTAssertEqual(try sales.expect(200, "GET", "/healthz")["status"] as? String, "ok")
    }

    func testContactsWhoseTotalsTogetherPassTheLargestAreA422NamingTheWrite() throws {
        // The contacts' totals fit, and their sum just does; a write that adds to it does not.
        // Summed by SQL, SQLite failed the statement (a 500); it is the write that would carry the
        // rollup past the largest that is refused.
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        let fang = try contact("Wang Fang", of: acme)
        try setTotalSpent(5_000_000_000_000_000_000, of: [lei], in: acme)
        try setTotalSpent(4_223_372_036_854_775_000, of: [fang], in: acme)

        let order: [String: Any] = ["customer_id": acme, "amount": 1_000, "currency": "CNY", "ordered_at": SalesTime.ago(days: 1)]
        let refused = try sales.send("POST", "/v1/orders", json: order)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(refused.problemEntry("amount")?["code"] as? String, "total_too_large")
        XCTAssertEqual(try sales.list("/v1/orders").count, 0, "nothing written")

        let third = try sales.customer("Han Meimei")
        try sales.api.sql("UPDATE customers SET total_spent = 1000 WHERE id = \(third)")
        let joined = try sales.send("PATCH", "/v1/customers/\(third)", json: ["account_id": acme])
        XCTAssertEqual(joined.status, 422, joined.text)
        XCTAssertEqual(joined.problemEntry("account_id")?["code"] as? String, "total_too_large")
        // A merge whose moves would carry the company's rollup past it names `from`, the merge's
        // own field, not the `amount` of an order it moves (found by a black-box audit).
        try setTotalSpent(0, of: [fang], in: acme)
        try setTotalSpent(9_223_372_036_854_775_000, of: [lei], in: acme)
        let buyer = try sales.customer("Buyer")
        try sales.order(buyer, amount: 1_000_000_000_000, at: SalesTime.ago(days: 1))
        let merged = try sales.send("POST", "/v1/customers/\(fang)/merge", json: ["from": [buyer]])
        XCTAssertEqual(merged.status, 422, merged.text)
        XCTAssertEqual(merged.problemFields, ["from"], merged.text)
        XCTAssertEqual(merged.problemEntry("from")?["code"] as? String, "total_too_large")
        XCTAssertEqual(try sales.expect(200, "GET", "/healthz")["status"] as? String, "ok")
    }

    func testAPersonBecomingACompanyStartsItsRollupFromItsOwnMetrics() throws {
        let shop = try sales.customer("Shop")
        try sales.order(shop, amount: 700, at: SalesTime.ago(days: 1))
        try sales.expect(200, "PATCH", "/v1/customers/\(shop)", json: ["type": "company"])
        XCTAssertEqual(try account(shop), rollup(contacts: 0, orders: 1, spent: 700, tickets: 0))
    }

    // MARK: - Deleting and merging companies

    func testDeletingACompanyClearsItsContactsAccountsWithFeedAndAudit() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        let fang = try contact("Wang Fang", of: acme)
        let position = try sales.changes(after: 0).next

        try sales.expect(204, "DELETE", "/v1/customers/\(acme)")
        XCTAssertTrue(try sales.customerJSON(lei)["account_id"] is NSNull)
        XCTAssertTrue(try sales.customerJSON(fang)["account_id"] is NSNull)
        let feed = try sales.changes(after: position).entries
        for contact in [lei, fang] {
            let entry = feed.first { $0["id"] as? Int == contact }
            XCTAssertEqual(entry?["type"] as? String, "customer.updated")
            XCTAssertTrue((entry?["data"] as? [String: Any])?["account_id"] is NSNull)
        }
        XCTAssertEqual(feed.last?["type"] as? String, "customer.deleted")
        for contact in [lei, fang] {
            let audit = try sales.list("/v1/audit-log", [("record_type", "customer"), ("record_id", String(contact))])
            XCTAssertEqual(audit.first?["action"] as? String, "update")
        }
    }

    func testMergingCompaniesMovesContactsToTheSurvivor() throws {
        let acme = try company("Acme")
        let acmeCorp = try company("Acme Corp")
        let lei = try contact("Li Lei", of: acme)
        let fang = try contact("Wang Fang", of: acmeCorp)
        try sales.order(fang, amount: 500, at: SalesTime.ago(days: 1))

        try sales.expect(200, "POST", "/v1/customers/\(acme)/merge", json: ["from": [acmeCorp]])
        XCTAssertEqual(try sales.customerJSON(fang)["account_id"] as? Int, acme)
        XCTAssertEqual(ids(try sales.list("/v1/customers/\(acme)/contacts")), [lei, fang])
        XCTAssertEqual(try account(acme), rollup(contacts: 2, orders: 1, spent: 500, tickets: 0))
        let audit = try sales.list("/v1/audit-log", [("record_type", "customer"), ("record_id", String(fang))])
        XCTAssertEqual(audit.first?["action"] as? String, "update")

        // A company merged into a person leaves its contacts without an account.
        let initech = try company("Initech")
        let milton = try contact("Milton", of: initech)
        let owner = try sales.customer("Bill")
        try sales.expect(200, "POST", "/v1/customers/\(owner)/merge", json: ["from": [initech]])
        XCTAssertTrue(try sales.customerJSON(milton)["account_id"] is NSNull)
        XCTAssertTrue(try sales.customerJSON(owner)["account_id"] is NSNull)
    }

    func testMergingAContactOutOfAnAccountRecountsIt() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        try sales.order(lei, amount: 250, at: SalesTime.ago(days: 1))
        let survivor = try sales.customer("Lei Li")
        XCTAssertEqual(try account(acme), rollup(contacts: 1, orders: 1, spent: 250, tickets: 0))
        // The survivor takes the account of the merged contact, and with it the contact's orders.
        try sales.expect(200, "POST", "/v1/customers/\(survivor)/merge", json: ["from": [lei]])
        XCTAssertEqual(try sales.customerJSON(survivor)["account_id"] as? Int, acme)
        XCTAssertEqual(try account(acme), rollup(contacts: 1, orders: 1, spent: 250, tickets: 0))
    }

    // MARK: - Timeline

    func testCompanyTimelineWithContactsCarriesWhoseEntryItIs() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        let stranger = try sales.customer("Stranger")
        let order = try sales.order(acme, amount: 100, at: SalesTime.ago(days: 3))
        let call = try sales.interaction(lei, at: SalesTime.ago(days: 2), ["subject": "Renewal"])
        try sales.interaction(stranger, at: SalesTime.ago(days: 1))

        let own = try sales.list("/v1/customers/\(acme)/timeline")
        XCTAssertEqual(own.map { $0["kind"] as? String }, ["order"])
        XCTAssertNil(own.first?["customer_id"])

        let walked = try sales.walk("/v1/customers/\(acme)/timeline", [("include_contacts", "true")], limit: 1).entries
        XCTAssertEqual(walked.map { $0["kind"] as? String }, ["interaction", "order"])
        XCTAssertEqual(ids(walked), [call["id"] as? Int, order["id"] as? Int].compactMap { $0 })
        XCTAssertEqual(walked.map { $0["customer_id"] as? Int }, [lei, acme])
        XCTAssertEqual(try sales.send("GET", "/v1/customers/\(acme)/timeline?include_contacts=yes").status, 400)
    }

    // MARK: - Rules and reports

    func testRulesSegmentsAndReportsTakeAccounts() throws {
        let acme = try company("Acme")
        let lei = try contact("Li Lei", of: acme)
        let fang = try contact("Wang Fang", of: acme)
        let small = try company("Small")
        _ = try sales.customer("Loner")
        try sales.order(lei, amount: 900, at: SalesTime.ago(days: 1))

        func search(_ rules: [String: Any]) throws -> [Int] {
            ids(try sales.expect(200, "POST", "/v1/customers/search", json: ["rules": rules])["data"] as? [[String: Any]] ?? [])
        }
        XCTAssertEqual(try search(["all": [["field": "account_id", "op": "eq", "value": acme]]]), [lei, fang])
        XCTAssertEqual(try search(["all": [["field": "metrics.account.contacts", "op": "gte", "value": 2]]]), [acme])
        // A person has no rollup: no comparison holds on it.
        XCTAssertEqual(try search(["all": [["field": "metrics.account.total_spent", "op": "lt", "value": 100]]]), [small])
        XCTAssertEqual(try search(["all": [["field": "metrics.account.total_spent", "op": "gte", "value": 900]]]), [acme])
        XCTAssertEqual(
            refused(
                try sales.send(
                    "POST", "/v1/customers/search", json: ["rules": ["all": [["field": "account_id", "op": "eq", "value": "x"]]]])),
            ["rules.all[0].value"])
        let marketing = try SalesClient.withNewKey(server, role: "marketing").client
        let segment = try marketing.expect(
            201, "POST", "/v1/segments",
            json: ["name": "Acme people", "rules": ["all": [["field": "account_id", "op": "eq", "value": acme]]]])
        XCTAssertEqual(segment["member_count"] as? Int, 2)

        // The customers report and the churn-risk list narrowed to one account.
        let report = try sales.expect(200, "GET", "/v1/analytics/customers?account_id=\(acme)")
        XCTAssertEqual(report["total"] as? Int, 3)
        XCTAssertEqual((report["by_lifecycle_stage"] as? [String: Int])?["customer"], 1)
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/analytics/customers")["total"] as? Int, 5)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/customers?account_id=\(lei)").status, 404)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/customers?account_id=x").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/churn-risk?account_id=\(acme)").status, 200)
        XCTAssertEqual(try sales.send("GET", "/v1/analytics/churn-risk?account_id=\(lei)").status, 404)
    }
}
