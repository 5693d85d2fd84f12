import HTTP
import XCTest

@testable import API

/// `Content-Type` of JSON bodies (API.md §1): `application/json`, in any letter case, with at most
/// a UTF-8 charset; anything else is a `415`.
final class MediaTypeTests: XCTestCase {
    private func request(_ contentTypes: [String]) -> Request {
        Request(method: .post, target: "/v1/customers", headers: HTTPHeaders(contentTypes.map { ("Content-Type", $0) }))
    }

    private func accepts(_ contentTypes: String...) -> Bool {
        (try? MediaType.requireJSON(request(contentTypes))) != nil
    }

    func testJSONIsAcceptedInAnyCaseWithOrWithoutAUTF8Charset() {
        XCTAssertTrue(accepts("application/json"))
        XCTAssertTrue(accepts("Application/JSON"))
        XCTAssertTrue(accepts("application/json; charset=utf-8"))
        XCTAssertTrue(accepts("application/json;charset=\"UTF-8\""))
        XCTAssertTrue(accepts(" application/json "))
    }

    func testAnythingElseIsRefused() {
        XCTAssertFalse(accepts())
        XCTAssertFalse(accepts("text/plain"))
        XCTAssertFalse(accepts("application/jsonx"))
        XCTAssertFalse(accepts("application/json; charset=latin1"))
        XCTAssertFalse(accepts("application/ld+json"))
        XCTAssertFalse(accepts("application\u{0F}json"))
        // Values that name no type at all (they used to trap on an empty split).
        for empty in ["", ";", ";;", " ; charset=utf-8", "\t"] {
            XCTAssertFalse(accepts(empty), "'\(empty)'")
            XCTAssertEqual(MediaType.essence(of: empty), "")
        }
        XCTAssertEqual(MediaType.essence(of: " Text/CSV ; charset=utf-8"), "text/csv")
    }

    func testTheBytesCheckMatchesOnlyTheExactTypeInAnyLetterCase() {
        XCTAssertTrue(MediaType.isPlainJSON(ArraySlice("APPLICATION/json".utf8)))
        XCTAssertFalse(MediaType.isPlainJSON(ArraySlice("application/json;".utf8)))
        XCTAssertFalse(MediaType.isPlainJSON(ArraySlice("applicatioN/jsoO".utf8)))
        // Only letters are folded: `/` is not matched by a byte that differs from it in bit 5.
        XCTAssertFalse(MediaType.isPlainJSON(ArraySlice("application\u{0F}json".utf8)))
    }
}
