import XCTest

@testable import API

/// `Authorization: Bearer <token>` read from the header's bytes (RFC 9110 §11.1, RFC 6750 §2.1).
final class BearerTokenTests: XCTestCase {
    private func token(_ header: String) -> String? {
        var header = header
        return header.withUTF8 { Authenticator.bearerToken($0) }
    }

    func testTheSchemeIsCaseInsensitiveAndTheTokenKeptAsSent() {
        XCTAssertEqual(token("Bearer crm_1_AbC"), "crm_1_AbC")
        XCTAssertEqual(token("bearer crm_1_AbC"), "crm_1_AbC")
        XCTAssertEqual(token("BEARER crm_1_AbC"), "crm_1_AbC")
        XCTAssertEqual(token("bEaReR x"), "x")
    }

    func testSpacesAndTabsAroundTheTokenAreDropped() {
        XCTAssertEqual(token("  Bearer crm_1_x"), "crm_1_x")
        XCTAssertEqual(token("Bearer    crm_1_x"), "crm_1_x")
        XCTAssertEqual(token("Bearer \t crm_1_x \t "), "crm_1_x")
        XCTAssertEqual(token("Bearer a b"), "a b", "inner spaces are the token's; the key lookup refuses it")
    }

    func testAnotherSchemeOrNoTokenIsNil() {
        for header in [
            "", "Bearer", "Bearer ", "Bearer \t ", "Basic abc", "Bearerx abc", "Bearer\tabc", "Bear abc", "crm_1_x", "\tBearer x",
        ] {
            XCTAssertNil(token(header), header)
        }
    }

    func testNonASCIIBytesSurviveAsTheyDecode() {
        XCTAssertEqual(token("Bearer 张三"), "张三")
    }
}
