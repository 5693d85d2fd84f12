import XCTest

@testable import API

/// Exports that may stream at once: bounded, and a slot comes back when its holder goes.
final class StreamSlotsTests: XCTestCase {
    func testSlotsAreBoundedAndComeBackWhenReleased() {
        let slots = StreamSlots(limit: 2)
        var first = slots.take()
        let second = slots.take()
        XCTAssertNotNil(first)
        XCTAssertNotNil(second)
        XCTAssertNil(slots.take(), "both slots are taken")
        XCTAssertEqual(slots.inUse, 2)
        first = nil
        XCTAssertEqual(slots.inUse, 1)
        XCTAssertNotNil(slots.take())
        withExtendedLifetime(second) {}
    }
}
