import CRM
import HTTP
import XCTest

@testable import API

/// ETags are versions (API.md §1, "Concurrency"): `If-None-Match` answers 304 when it names the
/// current version, `If-Match` demands one (RFC 9110 §13.1).
final class EntityTagTests: XCTestCase {
    private func request(_ headers: [(String, String)]) -> Request {
        Request(method: .get, target: "/v1/customers/1", headers: HTTPHeaders(headers))
    }

    private func noneMatch(_ value: String, version: Int64 = 3) -> Bool {
        EntityTag.noneMatchHits(request([("If-None-Match", value)]), version: version)
    }

    private func required(_ value: String) -> [Int64]? {
        EntityTag.requiredVersion(request([("If-Match", value)]))?.versions
    }

    func testHeaderIsTheQuotedVersion() {
        let header = EntityTag.header(7)
        XCTAssertEqual(header.name, "ETag")
        XCTAssertEqual(header.value, "\"7\"")
        for version: Int64 in [0, 9, 10, 99, 100, 1_234_567_890_123, 12_345_678_901_234, Int64.max, -1, Int64.min] {
            XCTAssertEqual(EntityTag.quoted(version), "\"\(version)\"")
        }
    }

    func testIfNoneMatchExactTag() {
        XCTAssertTrue(noneMatch("\"3\""))
        XCTAssertFalse(noneMatch("\"4\""))
        XCTAssertFalse(noneMatch("\"30\""))
        XCTAssertFalse(noneMatch("3"), "an unquoted tag is not the tag")
        XCTAssertFalse(noneMatch("\"03\""))
        XCTAssertTrue(noneMatch("  \"3\"  "), "surrounding spaces are ignored")
    }

    func testIfNoneMatchList() {
        XCTAssertTrue(noneMatch("\"1\", \"2\", \"3\""))
        XCTAssertTrue(noneMatch("\"3\",\"9\""))
        XCTAssertFalse(noneMatch("\"1\", \"2\", \"4\""))
        XCTAssertTrue(noneMatch("\"1\" ,  W/\"3\""))
    }

    func testIfNoneMatchComparesWeakly() {
        XCTAssertTrue(noneMatch("W/\"3\""))
        XCTAssertTrue(noneMatch("w/\"3\""))
        XCTAssertFalse(noneMatch("W/\"4\""))
    }

    func testIfNoneMatchStar() {
        XCTAssertTrue(noneMatch("*"))
        XCTAssertTrue(noneMatch(" * "))
        XCTAssertTrue(noneMatch("*", version: 1))
    }

    func testNoIfNoneMatchNeverHits() {
        XCTAssertFalse(EntityTag.noneMatchHits(request([]), version: 3))
        XCTAssertFalse(noneMatch(""))
    }

    func testIfNoneMatchHeaderNameIsCaseInsensitive() {
        XCTAssertTrue(EntityTag.noneMatchHits(request([("if-none-match", "\"3\"")]), version: 3))
    }

    func testIfMatchAbsentOrStarDemandsNothing() {
        XCTAssertNil(EntityTag.requiredVersion(request([])))
        XCTAssertNil(required("*"))
        XCTAssertNil(required("  *  "))
    }

    func testIfMatchDemandsTheQuotedVersion() {
        XCTAssertEqual(required("\"5\""), [5])
        XCTAssertEqual(required(" \"5\" "), [5])
        XCTAssertEqual(required("\"1\""), [1])
        XCTAssertEqual(required("\"9223372036854775807\""), [.max])
        XCTAssertEqual(EntityTag.requiredVersion(request([("if-match", "\"8\"")]))?.versions, [8])
    }

    func testIfMatchListAdmitsEachOfItsVersions() {
        // RFC 9110 §13.1.1: the condition holds when any listed tag matches.
        XCTAssertEqual(required("\"5\", \"6\""), [5, 6])
        XCTAssertEqual(required("\"999\",\"1\""), [999, 1])
        XCTAssertEqual(required("W/\"5\", \"6\""), [6], "a weak tag never matches If-Match")
        let condition = EntityTag.requiredVersion(request([("If-Match", "\"2\", \"7\"")]))
        XCTAssertEqual(condition?.admits(7), true)
        XCTAssertEqual(condition?.admits(3), false)
    }

    func testIfMatchThatIsNoVersionDemandsAnImpossibleOne() {
        // A tag that names no version can match no record: the write gets 412, not a blind write.
        for value in ["5", "\"\"", "\"", "\"five\"", "W/\"5\"", "\"5", "5\"", "\"5.0\"", "\"99999999999999999999\"", ""] {
            XCTAssertEqual(required(value), [], value.debugDescription)
        }
    }
}
