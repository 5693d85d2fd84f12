import Dispatch
import SQLite
import Synchronization
import XCTest

@testable import CRM

/// The seed's building blocks on their own: the channel between its threads and its up-front
/// scores (the seed as a whole is tested in CustomerServiceTests).
final class SeedPartsTests: XCTestCase {
    func testChannelDeliversInOrderThenEndsWhenClosed() {
        let channel = BatchChannel<Int>(depth: 2)
        DispatchQueue.global().async {
            for value in 1...5 { channel.send(value) }
            channel.close()
        }
        var received: [Int] = []
        while let value = channel.receive() { received.append(value) }
        XCTAssertEqual(received, [1, 2, 3, 4, 5])
        XCTAssertNil(channel.receive(), "a closed, drained channel keeps answering nil")
    }

    func testClosingStopsAWaitingSenderAndDiscardsWhatIsQueued() {
        let channel = BatchChannel<Int>(depth: 1)
        channel.send(1)
        let stopped = DispatchSemaphore(value: 0)
        let accepted = Mutex<Bool?>(nil)
        DispatchQueue.global().async {
            let result = channel.send(2)  // waits: the channel is full
            accepted.withLock { $0 = result }
            stopped.signal()
        }
        channel.close(discardingQueued: true)
        XCTAssertEqual(stopped.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(accepted.withLock { $0 }, false)
        XCTAssertNil(channel.receive())
        XCTAssertFalse(channel.send(3))
    }

    func testScoresRankLikeSQLWithTiesSharingAScore() {
        // Five scored customers and one without a paid order.
        let inputs: [SeedScores.Inputs?] = [
            .init(days: 10, frequency: 1, monetary: 100), .init(days: 400, frequency: 0, monetary: 0),
            .init(days: 10, frequency: 3, monetary: 300), nil, .init(days: 1, frequency: 5, monetary: 900),
            .init(days: 200, frequency: 1, monetary: 100),
        ]
        let scores = SeedScores(inputs)
        func columns(_ index: Int) -> [SQLValue] { scores.values(at: index).columns }
        // Recency: most days rank lowest (rank 1 → 1); the two customers at 10 days share rank 3.
        XCTAssertEqual(columns(1)[0], .integer(1))
        XCTAssertEqual(columns(0)[0], columns(2)[0])
        XCTAssertEqual(columns(0)[0], .integer(1 + (3 - 1) * 5 / 5))
        XCTAssertEqual(columns(4)[0], .integer(5))
        // Frequency and monetary: ties (1 order, 100) share a rank.
        XCTAssertEqual(columns(0)[1], columns(5)[1])
        XCTAssertEqual(columns(0)[2], columns(5)[2])
        XCTAssertEqual(columns(3), [.null, .null, .null, .null])
        XCTAssertEqual(scores.values(at: 3).tier, "standard")
        XCTAssertEqual(scores.values(at: 4).tier, "vip")
    }

    func testWholeDaysMatchSQLiteJulianDayArithmetic() throws {
        let connection = try Connection(path: ":memory:")
        for (from, to) in [
            ("2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z"), ("2026-01-01T12:00:00.001Z", "2026-01-03T12:00:00.000Z"),
            ("2025-03-01T23:59:59.999Z", "2026-11-24T00:00:00.000Z"),
        ] {
            let sql = try connection.queryOne("SELECT CAST(julianday(?) - julianday(?) AS INTEGER)", [.text(to), .text(from)])?.int64(0)
            let swift = SeedScores.wholeDays(from: try XCTUnwrap(Timestamp(rfc3339: from)), to: try XCTUnwrap(Timestamp(rfc3339: to)))
            XCTAssertEqual(swift, sql, "\(from) → \(to)")
        }
    }

    func testCompanyNamesDifferForEveryCustomerNumberAndLookReal() {
        let numbers = 1...60_000
        XCTAssertEqual(Set(numbers.map(DemoCompanies.chinese)).count, numbers.count)
        XCTAssertEqual(Set(numbers.map(DemoCompanies.english)).count, numbers.count)
        XCTAssertGreaterThanOrEqual(DemoCompanies.capacity, 1_000_000)
        XCTAssertTrue(DemoCompanies.chinese(1).hasSuffix("有限公司"), DemoCompanies.chinese(1))
        XCTAssertGreaterThanOrEqual(DemoCompanies.english(7).split(separator: " ").count, 4, DemoCompanies.english(7))
        // Some keep the words people search for.
        XCTAssertTrue(numbers.prefix(1000).contains { DemoCompanies.english($0).hasPrefix("Acme ") })
    }
}
