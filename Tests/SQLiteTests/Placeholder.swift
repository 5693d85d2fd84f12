import XCTest

final class PlaceholderSQLiteTests: XCTestCase {
    func testNothing() {}
}
