import CRM
import Foundation
import XCTest

/// `/v1/orders`: the five endpoints, filters, validation, unique `external_id`, roles
/// (API.md §1 conventions, §2 "orders").
final class SalesOrderTests: SalesTestCase {

    func testCreateDefaultsToPaidWithETagAndLocationThenGetPatchDelete() throws {
        let customer = try sales.customer("Buyer")
        let created = try sales.send(
            "POST", "/v1/orders",
            json: [
                "customer_id": customer, "amount": 12990, "currency": "CNY", "ordered_at": "2026-05-01T10:00:00+08:00", "channel": "web",
                "external_id": "ord-1", "items": [["sku": "A-1", "name": "Tea", "quantity": 2, "unit_amount": 6495]],
            ])
        XCTAssertEqual(created.status, 201, created.text)
        let order = try created.json()
        let id = try XCTUnwrap(order["id"] as? Int)
        XCTAssertEqual(order["status"] as? String, "paid")
        XCTAssertEqual(order["customer_id"] as? Int, customer)
        XCTAssertEqual(order["amount"] as? Int, 12990)
        XCTAssertEqual(order["currency"] as? String, "CNY")
        XCTAssertEqual(order["ordered_at"] as? String, "2026-05-01T02:00:00.000Z")
        XCTAssertEqual(order["channel"] as? String, "web")
        XCTAssertEqual(order["external_id"] as? String, "ord-1")
        XCTAssertEqual(order["version"] as? Int, 1)
        XCTAssertEqual(order["created_at"] as? String, SalesTime.nowText)
        XCTAssertTrue(order["deleted_at"] is NSNull)
        let items = try XCTUnwrap(order["items"] as? [[String: Any]])
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items.first?["sku"] as? String, "A-1")
        XCTAssertEqual(items.first?["name"] as? String, "Tea")
        XCTAssertEqual(items.first?["quantity"] as? Int, 2)
        XCTAssertEqual(items.first?["unit_amount"] as? Int, 6495)
        XCTAssertEqual(created.header("ETag"), "\"1\"")
        XCTAssertEqual(created.header("Location"), "/v1/orders/\(id)")

        let fetched = try sales.send("GET", "/v1/orders/\(id)")
        XCTAssertEqual(fetched.status, 200)
        XCTAssertEqual(fetched.header("ETag"), "\"1\"")
        XCTAssertEqual(canonicalJSON(try fetched.json()), canonicalJSON(order))
        XCTAssertEqual(try sales.send("GET", "/v1/orders/\(id)", headers: [("If-None-Match", "\"1\"")]).status, 304)

        server.application.clock.advance(milliseconds: 1000)
        let patched = try sales.send(
            "PATCH", "/v1/orders/\(id)", json: ["amount": 15000, "channel": NSNull()], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(patched.header("ETag"), "\"2\"")
        let after = try patched.json()
        XCTAssertEqual(after["amount"] as? Int, 15000)
        XCTAssertTrue(after["channel"] is NSNull)
        XCTAssertEqual(after["external_id"] as? String, "ord-1")
        XCTAssertEqual(after["status"] as? String, "paid")
        XCTAssertEqual(after["version"] as? Int, 2)
        XCTAssertEqual(after["updated_at"] as? String, "2026-06-01T00:00:01.000Z")
        XCTAssertEqual(try sales.send("PATCH", "/v1/orders/\(id)", json: ["amount": 1], headers: [("If-Match", "\"1\"")]).status, 412)

        XCTAssertEqual(try sales.send("DELETE", "/v1/orders/\(id)", headers: [("If-Match", "\"1\"")]).status, 412)
        XCTAssertEqual(try sales.send("DELETE", "/v1/orders/\(id)").status, 204)
        XCTAssertEqual(try sales.send("GET", "/v1/orders/\(id)").status, 404)
        XCTAssertEqual(try sales.send("PATCH", "/v1/orders/\(id)", json: ["amount": 1]).status, 404)
        XCTAssertEqual(try sales.send("DELETE", "/v1/orders/\(id)").status, 404)
        XCTAssertEqual(try sales.list("/v1/orders").salesIDs, [])
        XCTAssertEqual(try sales.list("/v1/orders", [("include_deleted", "true")]).salesIDs, [id])
    }

    func testListFiltersAndSort() throws {
        let first = try sales.customer("First")
        let second = try sales.customer("Second")
        let a = try XCTUnwrap(try sales.order(first, amount: 100, at: "2026-01-10T00:00:00Z")["id"] as? Int)
        let b = try XCTUnwrap(try sales.order(first, amount: 200, at: "2026-03-10T00:00:00Z", ["status": "refunded"])["id"] as? Int)
        let c = try XCTUnwrap(try sales.order(second, amount: 300, at: "2026-02-10T00:00:00Z")["id"] as? Int)
        let d = try XCTUnwrap(try sales.order(first, amount: 400, at: "2026-04-10T00:00:00Z", ["status": "cancelled"])["id"] as? Int)
        let e = try XCTUnwrap(try sales.order(second, amount: 500, at: "2026-03-10T00:00:00Z")["id"] as? Int)

        XCTAssertEqual(try sales.list("/v1/orders").salesIDs, [a, b, c, d, e])
        XCTAssertEqual(try sales.list("/v1/orders", [("customer_id", "\(first)")]).salesIDs, [a, b, d])
        XCTAssertEqual(try sales.list("/v1/orders", [("status", "paid")]).salesIDs, [a, c, e])
        XCTAssertEqual(try sales.list("/v1/orders", [("status", "refunded,cancelled")]).salesIDs, [b, d])
        XCTAssertEqual(try sales.list("/v1/orders", [("ordered_at[gte]", "2026-03-10T00:00:00Z")]).salesIDs, [b, d, e])
        XCTAssertEqual(try sales.list("/v1/orders", [("ordered_at[gte]", "2026-03-10T08:00:00+08:00")]).salesIDs, [b, d, e])
        XCTAssertEqual(
            try sales.list("/v1/orders", [("customer_id", "\(first)"), ("status", "paid"), ("ordered_at[gte]", "2026-01-01T00:00:00Z")])
                .salesIDs,
            [a])
        // Newest first; the tie on 2026-03-10 is broken by id, in the sort direction.
        XCTAssertEqual(try sales.list("/v1/orders", [("sort", "-ordered_at")]).salesIDs, [d, e, b, c, a])
        XCTAssertEqual(try sales.list("/v1/orders", [("sort", "ordered_at")]).salesIDs, [a, c, b, e, d])
        // Paginating the sorted list gives the same order.
        XCTAssertEqual(try sales.walk("/v1/orders", [("sort", "-ordered_at")], limit: 2).entries.salesIDs, [d, e, b, c, a])

        XCTAssertEqual(try sales.send("GET", "/v1/orders?status=shipped").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/orders?colour=red").status, 400)
        XCTAssertEqual(try sales.send("GET", "/v1/orders?ordered_at[gte]=yesterday").status, 400)
    }

    func testMissingRequiredFieldsAreListedTogether() throws {
        let reply = try sales.send("POST", "/v1/orders", json: [String: Any]())
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        XCTAssertEqual(Set(reply.problemFields), ["customer_id", "amount", "currency", "ordered_at"])
        let nulls = try sales.send(
            "POST", "/v1/orders",
            json: ["customer_id": NSNull(), "amount": NSNull(), "currency": "CNY", "ordered_at": "2026-05-01T00:00:00Z"])
        XCTAssertEqual(nulls.status, 422)
        XCTAssertEqual(Set(nulls.problemFields), ["customer_id", "amount"])
        XCTAssertEqual(try sales.list("/v1/orders").count, 0)
    }

    func testInvalidValuesAre422NamingTheField() throws {
        let customer = try sales.customer("Validator")
        let valid: [String: Any] = ["customer_id": customer, "amount": 100, "currency": "CNY", "ordered_at": "2026-05-01T00:00:00Z"]
        func check(_ changes: [String: Any], _ fields: Set<String>, code: String? = nil, line: UInt = #line) throws {
            var body = valid
            for (key, value) in changes { body[key] = value }
            let reply = try sales.send("POST", "/v1/orders", json: body)
            XCTAssertEqual(reply.status, 422, "\(changes): \(reply.text)", line: line)
            XCTAssertEqual(Set(reply.problemFields), fields, "\(changes): \(reply.text)", line: line)
            if let code, let field = fields.first {
                XCTAssertEqual(reply.problemEntry(field)?["code"] as? String, code, reply.text, line: line)
            }
        }
        try check(["amount": -1], ["amount"])
        try check(["amount": 1.5], ["amount"])
        try check(["amount": "100"], ["amount"])
        try check(["currency": "C1Y"], ["currency"])
        try check(["currency": "QQQ"], ["currency"])
        try check(["currency": "USD"], ["currency"], code: "unsupported_currency")
        try check(["status": "shipped"], ["status"])
        try check(["ordered_at": "2026-05-01"], ["ordered_at"])
        try check(["ordered_at": "yesterday"], ["ordered_at"])
        try check(["customer_id": 9999], ["customer_id"])
        try check(["customer_id": "abc"], ["customer_id"])
        try check(["id": 5], ["id"])
        try check(["total": 5], ["total"])
        try check(["items": "tea"], ["items"])
        try check(["items": [["name": "", "quantity": 1, "unit_amount": 1]]], ["items[0].name"])
        try check(
            ["items": [["name": "Tea", "quantity": 1, "unit_amount": 1], ["name": "Cup", "quantity": -1, "unit_amount": 1]]],
            ["items[1].quantity"])
        try check(["items": [["name": "Tea", "quantity": 1, "unit_amount": -5]]], ["items[0].unit_amount"])
        try check(["items": [["name": "Tea", "quantity": 1, "unit_amount": 5, "colour": "red"]]], ["items[0].colour"])
        try check(["items": [7]], ["items[0]"])
        // Every invalid member of every item at once.
        try check(
            ["items": [["name": "Tea", "quantity": -1, "unit_amount": -5], ["name": "", "quantity": 1, "unit_amount": 1], 7]],
            ["items[0].quantity", "items[0].unit_amount", "items[1].name", "items[2]"])
        // Several invalid fields at once are all listed.
        try check(["amount": -1, "status": "lost", "ordered_at": "no"], ["amount", "status", "ordered_at"])
        XCTAssertEqual(try sales.list("/v1/orders").count, 0)
        // Lowercase currency is the same code.
        XCTAssertEqual(try sales.order(customer, amount: 1, at: "2026-05-01T00:00:00Z", ["currency": "cny"])["currency"] as? String, "CNY")
    }

    func testAnUnsupportedCurrencyAndAnUnknownCustomerAreReportedTogether() throws {
        // "A 422 lists every invalid field at once" (API.md §1).
        let reply = try sales.send(
            "POST", "/v1/orders", json: ["customer_id": 9999, "amount": 100, "currency": "USD", "ordered_at": "2026-05-01T00:00:00Z"])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(Set(reply.problemFields), ["customer_id", "currency"], reply.text)
    }

    func testAPaidOrderPastTheLargestPaidTotalIsA422() throws {
        let customer = try sales.customer("Whale")
        let small = try XCTUnwrap(try sales.order(customer, amount: 100, at: "2026-05-01T00:00:00Z")["id"] as? Int)
        // What 9,223 orders at the largest amount add up to, without sending them.
        try sales.api.sql("UPDATE customers SET total_spent = 9223372036854775000 WHERE id = \(customer)")
        let body: [String: Any] = [
            "customer_id": customer, "amount": 1_000_000_000_000_000, "currency": "CNY", "ordered_at": "2026-05-02T00:00:00Z",
        ]
        let refused = try sales.send("POST", "/v1/orders", json: body)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(refused.problemEntry("amount")?["code"] as? String, "total_too_large")
        let patched = try sales.send("PATCH", "/v1/orders/\(small)", json: ["amount": 1_000_000_000_000_000])
        XCTAssertEqual(patched.status, 422, patched.text)
        // An order that does not count (refunded) or replaces its own part fits.
        var refunded = body
        refunded["status"] = "refunded"
        XCTAssertEqual(try sales.send("POST", "/v1/orders", json: refunded).status, 201)
        XCTAssertEqual(try sales.send("PATCH", "/v1/orders/\(small)", json: ["amount": 700]).status, 200)
        XCTAssertEqual(try sales.list("/v1/orders").count, 2)
    }

    func testAnInvalidValueDoesNotHideAnUnknownCustomer() throws {
        // The reference is checked even when another field fails its own validation, on create
        // and on PATCH, and nothing is written.
        let create = try sales.send(
            "POST", "/v1/orders", json: ["customer_id": 9999, "amount": -1, "currency": "CNY", "ordered_at": "2026-05-01T00:00:00Z"])
        XCTAssertEqual(create.status, 422, create.text)
        XCTAssertEqual(Set(create.problemFields), ["amount", "customer_id"], create.text)
        XCTAssertEqual(create.problemEntry("customer_id")?["code"] as? String, "not_found")
        XCTAssertEqual(try sales.list("/v1/orders").count, 0)

        let customer = try sales.customer("Li Na")
        let order = try XCTUnwrap(try sales.order(customer, amount: 100, at: "2026-05-01T00:00:00Z")["id"] as? Int)
        let patch = try sales.send("PATCH", "/v1/orders/\(order)", json: ["customer_id": 9999, "status": "lost"])
        XCTAssertEqual(patch.status, 422, patch.text)
        XCTAssertEqual(Set(patch.problemFields), ["status", "customer_id"], patch.text)
        let stored = try sales.send("GET", "/v1/orders/\(order)")
        XCTAssertEqual(stored.header("ETag"), "\"1\"", stored.text)
        // A PATCH of a missing order with an invalid body is still a 422 for the body.
        let missing = try sales.send("PATCH", "/v1/orders/424242", json: ["customer_id": 9999, "status": "lost"])
        XCTAssertEqual(missing.status, 422, missing.text)
        XCTAssertEqual(missing.problemFields, ["status"], missing.text)
    }

    func testDeletedCustomerIsA422NamingCustomerID() throws {
        let gone = try sales.customer("Gone")
        let live = try sales.customer("Live")
        let order = try XCTUnwrap(try sales.order(live, amount: 100, at: "2026-05-01T00:00:00Z")["id"] as? Int)
        try sales.expect(204, "DELETE", "/v1/customers/\(gone)")
        let create = try sales.send(
            "POST", "/v1/orders", json: ["customer_id": gone, "amount": 100, "currency": "CNY", "ordered_at": "2026-05-01T00:00:00Z"])
        XCTAssertEqual(create.status, 422, create.text)
        XCTAssertEqual(create.problemFields, ["customer_id"])
        XCTAssertEqual(create.problemEntry("customer_id")?["code"] as? String, "not_found")
        let move = try sales.send("PATCH", "/v1/orders/\(order)", json: ["customer_id": gone])
        XCTAssertEqual(move.status, 422, move.text)
        XCTAssertEqual(move.problemFields, ["customer_id"])
        XCTAssertEqual(try sales.expect(200, "GET", "/v1/orders/\(order)")["customer_id"] as? Int, live)
    }

    func testPatchValidationAndNullOnRequiredFields() throws {
        let customer = try sales.customer("Patcher")
        let id = try XCTUnwrap(try sales.order(customer, amount: 100, at: "2026-05-01T00:00:00Z")["id"] as? Int)
        let reply = try sales.send("PATCH", "/v1/orders/\(id)", json: ["amount": NSNull(), "currency": "EUR", "status": "gone"])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertTrue(Set(reply.problemFields).isSuperset(of: ["amount", "status"]), reply.text)
        let usd = try sales.send("PATCH", "/v1/orders/\(id)", json: ["currency": "USD"])
        XCTAssertEqual(usd.status, 422, usd.text)
        XCTAssertEqual(usd.problemEntry("currency")?["code"] as? String, "unsupported_currency")
        let readOnly = try sales.send("PATCH", "/v1/orders/\(id)", json: ["version": 7])
        XCTAssertEqual(readOnly.status, 422)
        XCTAssertEqual(readOnly.problemFields, ["version"])
        let order = try sales.expect(200, "GET", "/v1/orders/\(id)")
        XCTAssertEqual(order["amount"] as? Int, 100)
        XCTAssertEqual(order["status"] as? String, "paid")
        XCTAssertEqual(order["version"] as? Int, 1)
    }

    func testDuplicateExternalIDIs409NamingTheHolder() throws {
        let customer = try sales.customer("Dup")
        let holder = try XCTUnwrap(
            try sales.order(customer, amount: 100, at: "2026-05-01T00:00:00Z", ["external_id": "shop-42"])["id"] as? Int)
        let reply = try sales.send(
            "POST", "/v1/orders",
            json: [
                "customer_id": customer, "amount": 200, "currency": "CNY", "ordered_at": "2026-05-02T00:00:00Z", "external_id": "shop-42",
            ])
        XCTAssertEqual(reply.status, 409, reply.text)
        let entry = try XCTUnwrap(reply.problemEntry("external_id"), reply.text)
        XCTAssertEqual(entry["code"] as? String, "taken")
        XCTAssertEqual(entry["holder_id"] as? Int, holder)
        // A PATCH that takes the key is refused the same way.
        let other = try XCTUnwrap(
            try sales.order(customer, amount: 300, at: "2026-05-03T00:00:00Z", ["external_id": "shop-43"])["id"] as? Int)
        let patch = try sales.send("PATCH", "/v1/orders/\(other)", json: ["external_id": "shop-42"])
        XCTAssertEqual(patch.status, 409, patch.text)
        XCTAssertEqual(patch.problemEntry("external_id")?["holder_id"] as? Int, holder)
        // Re-saving its own key is fine; once the holder is deleted the key is free.
        XCTAssertEqual(try sales.send("PATCH", "/v1/orders/\(holder)", json: ["external_id": "shop-42"]).status, 200)
        try sales.expect(204, "DELETE", "/v1/orders/\(holder)")
        XCTAssertEqual(try sales.send("PATCH", "/v1/orders/\(other)", json: ["external_id": "shop-42"]).status, 200)
        XCTAssertEqual(try sales.list("/v1/orders").count, 1)
    }

    func testStatusIsNeverLeftOutsideItsEnum() throws {
        // status is `paid|refunded|cancelled`, default `paid`: an explicit null must not store an
        // order without a status (which no metric, filter or lifecycle rule would count).
        let customer = try sales.customer("Null status")
        let created = try sales.send(
            "POST", "/v1/orders",
            json: ["customer_id": customer, "amount": 100, "currency": "CNY", "ordered_at": "2026-05-01T00:00:00Z", "status": NSNull()])
        if created.status == 201 {
            XCTAssertEqual(try created.json()["status"] as? String, "paid", created.text)
            XCTAssertEqual(try sales.metrics(customer)["order_count"] as? Int, 1)
        } else {
            XCTAssertEqual(created.status, 422, created.text)
            XCTAssertEqual(created.problemFields, ["status"])
        }
        let id = try XCTUnwrap(try sales.order(customer, amount: 200, at: "2026-05-02T00:00:00Z")["id"] as? Int)
        let patched = try sales.send("PATCH", "/v1/orders/\(id)", json: ["status": NSNull()])
        if patched.status == 200 {
            XCTAssertTrue(OrderSchema.statuses.contains(try patched.json()["status"] as? String ?? "null"), patched.text)
        } else {
            XCTAssertEqual(patched.status, 422, patched.text)
            XCTAssertEqual(patched.problemFields, ["status"])
        }
    }

    func testRoles() throws {
        let customer = try sales.customer("Roles")
        let existing = try XCTUnwrap(try sales.order(customer, amount: 100, at: "2026-05-01T00:00:00Z")["id"] as? Int)
        let body: [String: Any] = ["customer_id": customer, "amount": 100, "currency": "CNY", "ordered_at": "2026-05-01T00:00:00Z"]
        for role in ["support", "marketing", "viewer"] {
            let client = try SalesClient(server, key: try server.key(role: role))
            XCTAssertEqual(try client.send("POST", "/v1/orders", json: body).status, 403, role)
            XCTAssertEqual(try client.send("PATCH", "/v1/orders/\(existing)", json: ["amount": 5]).status, 403, role)
            XCTAssertEqual(try client.send("DELETE", "/v1/orders/\(existing)").status, 403, role)
            XCTAssertEqual(try client.send("GET", "/v1/orders/\(existing)").status, 200, role)
            XCTAssertEqual(try client.list("/v1/orders").salesIDs, [existing], role)
        }
        let salesKey = try SalesClient(server, key: try server.key(role: "sales"))
        let created = try XCTUnwrap(try salesKey.expect(201, "POST", "/v1/orders", json: body)["id"] as? Int)
        XCTAssertEqual(try salesKey.expect(200, "PATCH", "/v1/orders/\(created)", json: ["amount": 150])["amount"] as? Int, 150)
        try salesKey.expect(204, "DELETE", "/v1/orders/\(created)")
        let order = try sales.expect(200, "GET", "/v1/orders/\(existing)")
        XCTAssertEqual(order["amount"] as? Int, 100)
        XCTAssertEqual(order["version"] as? Int, 1)
        XCTAssertEqual(try sales.list("/v1/orders").salesIDs, [existing])
        XCTAssertEqual(try SalesClient(server, key: "nope").send("GET", "/v1/orders").status, 401)
    }
}
