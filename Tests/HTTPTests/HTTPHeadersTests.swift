import XCTest

@testable import HTTP

/// Field lookups that read the header bytes in place.
final class HTTPHeadersTests: XCTestCase {
    private func single(_ headers: HTTPHeaders, _ name: String) -> String {
        switch headers.singleField(name) {
        case .absent: "absent"
        case .repeated: "repeated"
        case .present(let value): "present:\(String(decoding: value, as: UTF8.self))"
        }
    }

    func testSingleFieldIsAbsentPresentOrRepeated() {
        let headers = HTTPHeaders([("Host", "x"), ("authorization", "Bearer a"), ("X-One", ""), ("x-two", "1"), ("X-TWO", "2")])
        XCTAssertEqual(single(headers, "Authorization"), "present:Bearer a")
        XCTAssertEqual(single(headers, "AUTHORIZATION"), "present:Bearer a")
        XCTAssertEqual(single(headers, "x-one"), "present:")
        XCTAssertEqual(single(headers, "X-Two"), "repeated")
        XCTAssertEqual(single(headers, "Missing"), "absent")
        XCTAssertEqual(single(HTTPHeaders(), "Host"), "absent")
    }

    func testCombinedJoinsRepeatedLinesOfAListField() {
        let headers = HTTPHeaders([("If-Match", "\"1\""), ("Host", "x"), ("if-match", "\"2\", \"3\"")])
        XCTAssertEqual(headers.combined("IF-MATCH"), "\"1\", \"2\", \"3\"")
        XCTAssertEqual(headers.combined("Host"), "x")
        XCTAssertNil(headers.combined("If-None-Match"))
    }
}
