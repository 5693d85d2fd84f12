import XCTest

/// A PATCH that changes nothing writes nothing: the version and `ETag` stay, so caches and
/// `If-Match` holders are not invalidated for nothing.
final class NoOpPatchTests: CustomerTestCase {
    func testPatchWithSameValuesKeepsTheVersion() throws {
        let id = try api.createPerson("Same", ["title": "经理", "tags": ["vip"]])
        let first = try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "经理", "tags": ["vip"]])
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertEqual(first.header("ETag"), "\"1\"")
        XCTAssertEqual(try first.json()["version"] as? Int, 1)
        let empty = try api.send("PATCH", "/v1/customers/\(id)", json: [String: Any]())
        XCTAssertEqual(empty.header("ETag"), "\"1\"")
        let changed = try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "总经理"])
        XCTAssertEqual(changed.header("ETag"), "\"2\"")
    }

    func testOrderPatchWithSameValuesKeepsTheVersion() throws {
        let customer = try api.createPerson("Buyer")
        let created = try api.send(
            "POST", "/v1/orders", json: ["customer_id": customer, "amount": 100, "currency": "CNY", "ordered_at": "2026-01-01T00:00:00Z"])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(try created.json()["id"] as? Int)
        let same = try api.send("PATCH", "/v1/orders/\(id)", json: ["amount": 100, "status": "paid"])
        XCTAssertEqual(same.status, 200, same.text)
        XCTAssertEqual(same.header("ETag"), "\"1\"")
        let refunded = try api.send("PATCH", "/v1/orders/\(id)", json: ["status": "refunded"])
        XCTAssertEqual(refunded.header("ETag"), "\"2\"")
    }

    /// Feedback that leaves a whole CSAT average as it was leaves the customer's version as it was
    /// (PostgreSQL read its average as 4 against the stored 4.0, a change each time).
    func testFeedbackThatLeavesAWholeCSATAverageLeavesTheCustomer() throws {
        let customer = try api.createPerson("Rated")
        let csat = try api.send("POST", "/v1/feedback", json: ["customer_id": customer, "kind": "csat", "score": 4])
        XCTAssertEqual(csat.status, 201, csat.text)
        let version = try XCTUnwrap(try api.get(customer).json()["version"] as? Int)
        let praise = try api.send("POST", "/v1/feedback", json: ["customer_id": customer, "kind": "praise"])
        XCTAssertEqual(praise.status, 201, praise.text)
        let after = try api.get(customer).json()
        XCTAssertEqual(after["version"] as? Int, version)
        XCTAssertEqual((after["metrics"] as? [String: Any])?["csat_avg"] as? Double, 4)
    }
}
