import CRM
import Foundation
import XCTest

/// `PATCH`, `DELETE`, ETags and `PUT /v1/customers/by-external-id/{id}` (API.md §1 "Concurrency",
/// "Partial update", "Deletes"; §2 "customers").
final class CustomerUpdateTests: CustomerTestCase {

    private func fetch(_ id: Int) throws -> [String: Any] {
        let reply = try api.get(id)
        XCTAssertEqual(reply.status, 200, reply.text)
        return try reply.json()
    }

    // MARK: - PATCH as a JSON merge patch

    func testPatchSetsGivenFieldsAndKeepsTheRest() throws {
        let id = try api.createPerson("Patchy", ["email": "p@example.com", "title": "Engineer", "tags": ["a"]])
        let reply = try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "Manager", "country": "de", "tags": ["b", "b", "c"]])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.header("ETag"), "\"2\"")
        let body = try reply.json()
        XCTAssertEqual(body["title"] as? String, "Manager")
        XCTAssertEqual(body["country"] as? String, "DE")
        XCTAssertEqual(body["tags"] as? [String], ["b", "c"])
        XCTAssertEqual(body["email"] as? String, "p@example.com")
        XCTAssertEqual(body["name"] as? String, "Patchy")
        XCTAssertEqual(body["version"] as? Int, 2)
        XCTAssertEqual(canonicalJSON(try fetch(id)), canonicalJSON(body))
    }

    func testPatchTakesTheMergePatchMediaTypeAndNoOtherWriteDoes() throws {
        let id = try api.createPerson("Typed", ["title": "Engineer"])
        let mergePatch = [("Content-Type", "application/merge-patch+json")]
        let patched = try api.send("PATCH", "/v1/customers/\(id)", json: "{\"title\":\"Manager\"}", headers: mergePatch)
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(try fetch(id)["title"] as? String, "Manager")

        let text = try api.send("PATCH", "/v1/customers/\(id)", json: "{\"title\":\"Other\"}", headers: [("Content-Type", "text/plain")])
        XCTAssertEqual(text.status, 415, text.text)
        let created = try api.send("POST", "/v1/customers", json: "{\"type\":\"person\",\"name\":\"B\"}", headers: mergePatch)
        XCTAssertEqual(created.status, 415, created.text)
        XCTAssertEqual(try fetch(id)["title"] as? String, "Manager")
        XCTAssertEqual(try api.storedCustomerCount(), 1)
    }

    func testPatchNullClearsAnOptionalField() throws {
        let id = try api.createPerson("Clearable", ["phone": "+1 555 0100 200", "birthday": "1980-01-01", "marketing_opt_in": false])
        let reply = try api.send(
            "PATCH", "/v1/customers/\(id)", json: ["phone": NSNull(), "birthday": NSNull(), "marketing_opt_in": NSNull()])
        XCTAssertEqual(reply.status, 200, reply.text)
        let body = try fetch(id)
        XCTAssertTrue(body["phone"] is NSNull)
        XCTAssertTrue(body["birthday"] is NSNull)
        XCTAssertTrue(body["marketing_opt_in"] is NSNull)
    }

    func testPatchNullOnARequiredFieldIs422AndChangesNothing() throws {
        let id = try api.createPerson("Required")
        let reply = try api.send("PATCH", "/v1/customers/\(id)", json: ["name": NSNull(), "type": NSNull(), "title": "Ignored"])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(Set(reply.problemFields), ["name", "type"])
        let blank = try api.send("PATCH", "/v1/customers/\(id)", json: ["name": "   "])
        XCTAssertEqual(blank.status, 422)
        XCTAssertEqual(blank.problemFields, ["name"])
        let body = try fetch(id)
        XCTAssertEqual(body["name"] as? String, "Required")
        XCTAssertTrue(body["title"] is NSNull)
        XCTAssertEqual(body["version"] as? Int, 1)
    }

    func testPatchValidatesLikeCreateAndRefusesServerOwnedFields() throws {
        let id = try api.createPerson("Validated")
        let reply = try api.send(
            "PATCH", "/v1/customers/\(id)",
            json: [
                "email": "nope", "country": "XYZ", "id": 99, "version": 5, "metrics": [String: Any](), "lifecycle_stage": "loyal",
                "bogus": 1,
            ])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(Set(reply.problemFields), ["email", "country", "id", "version", "metrics", "lifecycle_stage", "bogus"])
        XCTAssertEqual(try fetch(id)["version"] as? Int, 1)
        // Every member of a customer's JSON the server writes is read_only, whether or not it is
        // a field (metrics, merged_into and the erasure marks are not); only `bogus` is unknown.
        let owned = try api.send(
            "PATCH", "/v1/customers/\(id)",
            json: [
                "metrics": ["order_count": 1], "merged_into": 1, "erased_at": NSNull(), "erase_reason": "x", "tier": "vip",
                "loyalty_points": 5, "bogus": 1,
            ])
        XCTAssertEqual(owned.status, 422, owned.text)
        for field in ["metrics", "merged_into", "erased_at", "erase_reason", "tier", "loyalty_points"] {
            XCTAssertEqual(owned.problemEntry(field)?["code"] as? String, "read_only", "\(field): \(owned.text)")
        }
        XCTAssertEqual(owned.problemEntry("bogus")?["code"] as? String, "unknown_field", owned.text)
    }

    func testPatchMergesAttributesKeyByKeyAndNullRemovesAKey() throws {
        let id = try api.createPerson("Attributed", ["attributes": ["plan": "gold", "seats": 5, "trial": true]])
        let reply = try api.send(
            "PATCH", "/v1/customers/\(id)", json: ["attributes": ["seats": 8, "trial": NSNull(), "region_code": "EU"]])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(canonicalJSON(try reply.json()["attributes"]), canonicalJSON(["plan": "gold", "seats": 8, "region_code": "EU"]))
        XCTAssertEqual(canonicalJSON(try fetch(id)["attributes"]), canonicalJSON(["plan": "gold", "seats": 8, "region_code": "EU"]))
    }

    /// The 100-attribute limit holds for what a PATCH would store once merged, not only for what
    /// it sends (found by a black-box audit); removing keys in the same PATCH counts.
    func testPatchThatWouldLeaveMoreThan100AttributesIs422AndChangesNothing() throws {
        var full: [String: Any] = [:]
        for index in 0..<100 { full["a\(index)"] = index }
        let id = try api.createPerson("Full", ["attributes": full])
        let refused = try api.send("PATCH", "/v1/customers/\(id)", json: ["attributes": ["new": 1]])
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(refused.problemEntry("attributes")?["code"] as? String, "too_many", refused.text)
        XCTAssertEqual(try fetch(id)["version"] as? Int, 1)
        let swapped = try api.send("PATCH", "/v1/customers/\(id)", json: ["attributes": ["new": 1, "a0": NSNull()]])
        XCTAssertEqual(swapped.status, 200, swapped.text)
        XCTAssertEqual((try swapped.json()["attributes"] as? [String: Any])?.count, 100)
        let upsert = try api.send("PUT", "/v1/customers/by-external-id/full-1", json: ["type": "person", "name": "U", "attributes": full])
        XCTAssertEqual(upsert.status, 201, upsert.text)
        let more = try api.send("PUT", "/v1/customers/by-external-id/full-1", json: ["attributes": ["extra": true]])
        XCTAssertEqual(more.status, 422, more.text)
    }

    func testPatchOfAnUnknownOrDeletedCustomerIs404() throws {
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/4242", json: ["title": "x"]).status, 404)
        let id = try api.createPerson("Gone")
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(id)").status, 204)
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "x"]).status, 404)
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(id)").status, 404)
    }

    func testEveryWriteBumpsTheVersionAndUpdatedAt() throws {
        let clock = CRMClock(fixedAt: try XCTUnwrap(Timestamp(rfc3339: "2026-01-01T00:00:00.000Z")))
        let clocked = try TestServer(clock: clock)
        defer { clocked.stop() }
        let session = try APISession(clocked)
        let id = try session.createPerson("Versioned")
        for expected in 2...4 {
            clock.advance(milliseconds: 1500)
            let reply = try session.send("PATCH", "/v1/customers/\(id)", json: ["title": "v\(expected)"])
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.header("ETag"), "\"\(expected)\"")
            let body = try reply.json()
            XCTAssertEqual(body["version"] as? Int, expected)
            XCTAssertEqual(body["created_at"] as? String, "2026-01-01T00:00:00.000Z")
            XCTAssertEqual(body["updated_at"] as? String, clock.now().rfc3339)
        }
    }

    // MARK: - Conditional requests

    func testIfMatchWithTheCurrentVersionSucceedsAndAStaleOneIs412ChangingNothing() throws {
        let id = try api.createPerson("Guarded", ["title": "Original"])
        XCTAssertEqual(
            try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "Second"], headers: [("If-Match", "\"1\"")]).status, 200)
        let stale = try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "Lost update"], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(stale.status, 412, stale.text)
        XCTAssertEqual(stale.header("Content-Type"), "application/problem+json")
        let body = try fetch(id)
        XCTAssertEqual(body["title"] as? String, "Second")
        XCTAssertEqual(body["version"] as? Int, 2)
        let current = try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "Third"], headers: [("If-Match", "\"2\"")])
        XCTAssertEqual(current.status, 200)
        XCTAssertEqual(try current.json()["version"] as? Int, 3)
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "x"], headers: [("If-Match", "garbage")]).status, 412)
        XCTAssertEqual(try fetch(id)["title"] as? String, "Third")
        // A list of tags matches when any of them does (RFC 9110 §13.1.1).
        let listed = try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "Fourth"], headers: [("If-Match", "\"999\", \"3\"")])
        XCTAssertEqual(listed.status, 200, listed.text)
        XCTAssertEqual(
            try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "x"], headers: [("If-Match", "\"1\", \"2\"")]).status, 412)
    }

    func testETagWithIfNoneMatchIs304UntilTheRecordChanges() throws {
        let id = try api.createPerson("Cached")
        let first = try api.get(id)
        let tag = try XCTUnwrap(first.header("ETag"))
        let notModified = try api.send("GET", "/v1/customers/\(id)", headers: [("If-None-Match", tag)])
        XCTAssertEqual(notModified.status, 304)
        XCTAssertEqual(notModified.header("ETag"), tag)
        XCTAssertTrue(notModified.body.isEmpty)
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "Changed"]).status, 200)
        let modified = try api.send("GET", "/v1/customers/\(id)", headers: [("If-None-Match", tag)])
        XCTAssertEqual(modified.status, 200)
        XCTAssertEqual(modified.header("ETag"), "\"2\"")
        XCTAssertEqual(try modified.json()["title"] as? String, "Changed")
        // Repeated lines are one list (RFC 9110 §5.3), whichever line names the version.
        let lines = [("If-None-Match", "\"7\""), ("If-None-Match", "\"2\"")]
        XCTAssertEqual(try api.send("GET", "/v1/customers/\(id)", headers: lines).status, 304)
        let patched = try api.send(
            "PATCH", "/v1/customers/\(id)", json: ["title": "Again"], headers: [("If-Match", "\"9\""), ("If-Match", "\"2\"")])
        XCTAssertEqual(patched.status, 200, patched.text)
        let stale = try api.send(
            "PATCH", "/v1/customers/\(id)", json: ["title": "x"], headers: [("If-Match", "\"3\""), ("If-Match", "\"1\"")])
        XCTAssertEqual(stale.status, 200, "the first line names the current version")
    }

    func testDeleteWithAStaleIfMatchIs412AndTheRecordStays() throws {
        let id = try api.createPerson("Survivor")
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "v2"]).status, 200)
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(id)", headers: [("If-Match", "\"1\"")]).status, 412)
        XCTAssertEqual(try api.get(id).status, 200)
        XCTAssertEqual(try api.send("DELETE", "/v1/customers/\(id)", headers: [("If-Match", "\"2\"")]).status, 204)
        XCTAssertEqual(try api.get(id).status, 404)
    }

    // MARK: - Soft delete

    func testDeleteIs204ThenGoneFromGetAndListButVisibleWithIncludeDeleted() throws {
        let keep = try api.createPerson("Keep")
        let drop = try api.createPerson("Drop")
        let deleted = try api.send("DELETE", "/v1/customers/\(drop)")
        XCTAssertEqual(deleted.status, 204)
        XCTAssertTrue(deleted.body.isEmpty)
        XCTAssertEqual(try api.get(drop).status, 404)
        XCTAssertEqual(try api.list().ids, [keep])
        let all = try api.list([("include_deleted", "true")])
        XCTAssertEqual(all.ids, [keep, drop])
        let tombstone = try XCTUnwrap(all.data.first { $0["id"] as? Int == drop })
        XCTAssertNotNil(tombstone["deleted_at"] as? String, "a tombstone carries deleted_at")
        XCTAssertTrue(all.data.first { $0["id"] as? Int == keep }?["deleted_at"] is NSNull)
    }

    // MARK: - Upsert by external id

    func testPutByExternalIDCreatesThenUpdates() throws {
        let created = try api.send(
            "PUT", "/v1/customers/by-external-id/crm-77", json: ["type": "company", "name": "Upsert Co", "country": "gb", "tags": ["x"]])
        XCTAssertEqual(created.status, 201, created.text)
        let first = try created.json()
        let id = try XCTUnwrap(first["id"] as? Int)
        XCTAssertEqual(created.header("Location"), "/v1/customers/\(id)")
        XCTAssertEqual(first["external_id"] as? String, "crm-77")
        XCTAssertEqual(first["country"] as? String, "GB")

        let updated = try api.send("PUT", "/v1/customers/by-external-id/crm-77", json: ["name": "Upsert Company", "external_id": "crm-77"])
        XCTAssertEqual(updated.status, 200, updated.text)
        let second = try updated.json()
        XCTAssertEqual(second["id"] as? Int, id)
        XCTAssertEqual(second["name"] as? String, "Upsert Company")
        XCTAssertEqual(second["country"] as? String, "GB", "fields not given are kept")
        XCTAssertEqual(second["version"] as? Int, 2)
        XCTAssertEqual(try api.list().ids, [id])
    }

    func testAnExternalIDWithASlashTravelsPercentEncoded() throws {
        let created = try api.send("PUT", "/v1/customers/by-external-id/ERP%2F2026%2F7", json: ["type": "person", "name": "Slashed"])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(try created.json()["external_id"] as? String, "ERP/2026/7")
        let found = try api.send("GET", "/v1/customers/by-external-id/ERP%2F2026%2F7")
        XCTAssertEqual(found.status, 200, found.text)
        XCTAssertEqual(try found.json()["id"] as? Int, try created.json()["id"] as? Int)
        XCTAssertEqual(try api.send("GET", "/v1/customers/by-external-id/ERP/2026/7").status, 404, "a bare slash splits the path")
    }

    func testPutByExternalIDWithIfNoneMatchStarCreatesOnly() throws {
        let createOnly = [("If-None-Match", "*")]
        let created = try api.send(
            "PUT", "/v1/customers/by-external-id/new-1", json: ["type": "person", "name": "Fresh"], headers: createOnly)
        XCTAssertEqual(created.status, 201, created.text)
        let again = try api.send("PUT", "/v1/customers/by-external-id/new-1", json: ["name": "Overwritten"], headers: createOnly)
        XCTAssertEqual(again.status, 412, again.text)
        let current = try api.send(
            "PUT", "/v1/customers/by-external-id/new-1", json: ["name": "Overwritten"], headers: [("If-None-Match", "\"1\"")])
        XCTAssertEqual(current.status, 412, "a tag naming the current version")
        let found = try api.send("GET", "/v1/customers/by-external-id/new-1")
        XCTAssertEqual(try found.json()["name"] as? String, "Fresh")
        XCTAssertEqual(try found.json()["version"] as? Int, 1)
        let other = try api.send(
            "PUT", "/v1/customers/by-external-id/new-1", json: ["name": "Updated"], headers: [("If-None-Match", "\"7\"")])
        XCTAssertEqual(other.status, 200, "another version's tag lets the update through")
    }

    func testPutByExternalIDHonoursIfMatch() throws {
        // A sync client that read version 1 must not overwrite a newer version blindly.
        let created = try api.send("PUT", "/v1/customers/by-external-id/sync-9", json: ["type": "person", "name": "Synced"])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(try created.json()["id"] as? Int)
        XCTAssertEqual(try api.send("PATCH", "/v1/customers/\(id)", json: ["title": "Newer"]).status, 200)
        let stale = try api.send(
            "PUT", "/v1/customers/by-external-id/sync-9", json: ["title": "Stale"], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(stale.status, 412, stale.text)
        XCTAssertEqual(try fetch(id)["title"] as? String, "Newer")
        let current = try api.send(
            "PUT", "/v1/customers/by-external-id/sync-9", json: ["title": "Current"], headers: [("If-Match", "\"2\"")])
        XCTAssertEqual(current.status, 200, current.text)
        XCTAssertEqual(current.header("ETag"), "\"3\"")
        // If-Match names a version of a record that does not exist: nothing is created.
        let absent = try api.send(
            "PUT", "/v1/customers/by-external-id/sync-10", json: ["type": "person", "name": "Never"], headers: [("If-Match", "\"1\"")])
        XCTAssertEqual(absent.status, 412, absent.text)
        XCTAssertEqual(try api.list().ids, [id])
    }

    func testPutByExternalIDWithIfMatchStarUpdatesAndNeverCreates() throws {
        // `If-Match: *` is "only if it exists" (RFC 9110 §13.1.1): an update-only sync.
        let absent = try api.send(
            "PUT", "/v1/customers/by-external-id/star-1", json: ["type": "person", "name": "Never"], headers: [("If-Match", "*")])
        XCTAssertEqual(absent.status, 412, absent.text)
        XCTAssertEqual(try api.storedCustomerCount(), 0)
        let feedHead = try api.send("GET", "/v1/changes?after=0").json()["data"] as? [Any]
        XCTAssertEqual(feedHead?.count, 0, "a refused upsert leaves no change")
        let created = try api.send("PUT", "/v1/customers/by-external-id/star-1", json: ["type": "person", "name": "Made"])
        XCTAssertEqual(created.status, 201, created.text)
        let updated = try api.send(
            "PUT", "/v1/customers/by-external-id/star-1", json: ["title": "Star"], headers: [("If-Match", "*")])
        XCTAssertEqual(updated.status, 200, updated.text)
        XCTAssertEqual(try updated.json()["title"] as? String, "Star")
        XCTAssertEqual(updated.header("ETag"), "\"2\"")
    }

    func testPutByExternalIDWithAMismatchingBodyExternalIDIs422() throws {
        let reply = try api.send("PUT", "/v1/customers/by-external-id/abc", json: ["type": "person", "name": "M", "external_id": "xyz"])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(reply.problemFields, ["external_id"])
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }

    func testPutByExternalIDCreatingWithoutRequiredFieldsIs422() throws {
        let reply = try api.send("PUT", "/v1/customers/by-external-id/new-one", json: ["title": "No name"])
        XCTAssertEqual(reply.status, 422, reply.text)
        XCTAssertEqual(Set(reply.problemFields), ["type", "name"])
        XCTAssertEqual(try api.storedCustomerCount(), 0)
    }
}
