import XCTest

@testable import HTTP

/// Generated request ids: a per-process prefix, the loop index and a counter in hex, unique
/// within the process.
final class RequestIDGeneratorTests: XCTestCase {
    func testIdsAreThePrefixTheLoopAndAHexCounter() throws {
        var generator = RequestIDGenerator(loopIndex: 3)
        let first = generator.next()
        let match = try XCTUnwrap(first.wholeMatch(of: /([0-9a-f]{12})-3-1/), first)
        let prefix = String(match.1)
        var ids = [first]
        for _ in 2...300 { ids.append(generator.next()) }
        XCTAssertEqual(ids[14], "\(prefix)-3-f")
        XCTAssertEqual(ids[15], "\(prefix)-3-10")
        XCTAssertEqual(ids[255], "\(prefix)-3-100")
        XCTAssertEqual(Set(ids).count, ids.count)
        XCTAssertTrue(ids.allSatisfy(RequestIDGenerator.isAcceptable))
    }

    func testLoopsShareThePrefixButNotTheIds() {
        var first = RequestIDGenerator(loopIndex: 0)
        var second = RequestIDGenerator(loopIndex: 1)
        let a = first.next()
        let b = second.next()
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.prefix(12), b.prefix(12))
    }
}
