import XCTest

@testable import CRM

private let t0 = Timestamp(rfc3339: "2026-11-23T08:00:00.000Z")!

/// ``IdempotencyKey/begin(_:now:)`` and ``IdempotencyKey/finish(_:_:now:)``: a write spanning
/// several transactions (an import) reserves its key in the first and stores its answer in the
/// last; in between, and after an interruption, the key writes nothing again.
final class IdempotencyReservationTests: TemporaryDatabaseTestCase {
    private let key = IdempotencyKey(keyID: 1, key: "import-1", requestHash: Array(repeating: 7, count: 32))

    func testAReservedKeyIsRefusedUntilItsAnswerIsStoredThenReplaysIt() throws {
        let key = self.key
        XCTAssertNil(try database.writeAndWait { try key.begin($0, now: t0) })
        // Running, or interrupted after its first chunks: a second request must not write them again.
        XCTAssertThrowsError(try database.writeAndWait { try key.begin($0, now: t0) }) { error in
            guard case CRMError.conflict = error else { return XCTFail("\(error)") }
        }
        let answer = IdempotentAnswer(status: 200, headers: [("Content-Type", "application/json")], body: Array("{\"results\":[]}".utf8))
        try database.writeAndWait { try key.finish($0, answer, now: t0) }
        let replayed = try database.writeAndWait { try key.begin($0, now: t0) }
        XCTAssertEqual(replayed?.status, 200)
        XCTAssertEqual(replayed?.body, answer.body)
        XCTAssertEqual(replayed?.headers.first?.value, "application/json")
    }

    func testAReservedKeyWithADifferentRequestIsAValidationError() throws {
        let key = self.key
        XCTAssertNil(try database.writeAndWait { try key.begin($0, now: t0) })
        let other = IdempotencyKey(keyID: 1, key: "import-1", requestHash: Array(repeating: 8, count: 32))
        XCTAssertThrowsError(try database.writeAndWait { try other.begin($0, now: t0) }) { error in
            guard case CRMError.validation(let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.first?.code, "reused")
        }
    }

    func testAReservationOlderThanADayIsForgotten() throws {
        let key = self.key
        XCTAssertNil(try database.writeAndWait { try key.begin($0, now: t0) })
        XCTAssertNil(try database.writeAndWait { try key.begin($0, now: t0.adding(milliseconds: 24 * 3600 * 1000 + 1)) })
    }
}
