import XCTest

@testable import HTTP

/// `announcesHeads`: the head of a request with a body is reported before the body is consumed,
/// and a refused body can be skipped without being kept.
final class RequestParserHeadTests: XCTestCase {
    private let post = "POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    private let get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    private func events(_ text: String, skip: Bool = false) -> [ParseEvent] {
        var parser = RequestParser(announcesHeads: true)
        parser.feed(Array(text.utf8))
        var events: [ParseEvent] = []
        while true {
            let event = parser.next()
            if event == .needMore { return events }
            events.append(event)
            if case .head = event, skip { parser.skipBody() }
            if case .error = event { return events }
        }
    }

    func testHeadIsReportedBeforeItsBodyAndCarriesNoBody() {
        let found = events(post)
        XCTAssertEqual(found.count, 2)
        guard case .head(let head) = found.first, case .request(let request) = found.last else {
            return XCTFail("\(found)")
        }
        XCTAssertEqual(head.target, "/v1/customers")
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(request.body, Array("hello".utf8))
    }

    func testRequestsWithoutBodiesAreReportedOnce() {
        XCTAssertEqual(events(get).count, 1)
    }

    func testDefaultParserReportsNoHeads() {
        XCTAssertEqual(drain(post).count, 1)
    }

    func testSkippedBodyIsDroppedAndTheNextRequestFollows() {
        let found = events(post + get, skip: true)
        XCTAssertEqual(found.count, 2, "\(found)")
        guard case .head = found.first, case .request(let next) = found.last else { return XCTFail("\(found)") }
        XCTAssertEqual(next.target, "/healthz")
    }

    func testSkippingWorksWhateverTheSplit() {
        let bytes = Array((post + get).utf8)
        for split in 1..<bytes.count {
            var parser = RequestParser(announcesHeads: true)
            var targets: [String] = []
            for piece in [Array(bytes[..<split]), Array(bytes[split...])] {
                parser.feed(piece)
                loop: while true {
                    switch parser.next() {
                    case .head: parser.skipBody()
                    case .request(let request): targets.append(request.target)
                    case .needMore: break loop
                    default: XCTFail("split \(split)")
                    }
                }
            }
            XCTAssertEqual(targets, ["/healthz"], "split \(split)")
            XCTAssertEqual(parser.bodyByteCount, 0)
        }
    }

    func testContinueComesOnlyAfterTheHead() {
        let text = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        let found = events(text)
        XCTAssertEqual(found.count, 2)
        guard case .head = found.first else { return XCTFail("\(found)") }
        XCTAssertEqual(found.last, .continueExpected)
    }

    func testCanonicalPaths() {
        for target in ["/", "/v1/customers/1", "/v1/customers?x=/&y=//", "*"] {
            XCTAssertTrue(Request(method: .get, target: target).hasCanonicalPath, target)
        }
        for target in ["//", "/v1/customers/1/", "/v1//customers/1", "//v1/customers?x=1"] {
            XCTAssertFalse(Request(method: .get, target: target).hasCanonicalPath, target)
        }
    }

    func testBodyBudgetChargesAndReleases() {
        let budget = Quota(limit: 100)
        XCTAssertTrue(budget.reserve(60))
        XCTAssertFalse(budget.reserve(41))
        XCTAssertTrue(budget.reserve(40))
        budget.release(60)
        XCTAssertEqual(budget.inUse, 40)
        XCTAssertTrue(budget.reserve(60))
    }
}
