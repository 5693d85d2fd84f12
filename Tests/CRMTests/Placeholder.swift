import XCTest

final class PlaceholderCRMTests: XCTestCase {
    func testNothing() {}
}
