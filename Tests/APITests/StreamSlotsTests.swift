import XCTest

@testable import API

/// Exports that may stream at once: bounded in all and per key, and a slot comes back when its
/// holder goes.
final class StreamSlotsTests: XCTestCase {
    private func taken(_ result: Result<StreamSlots.Slot, StreamSlots.Refusal>) -> StreamSlots.Slot? {
        if case .success(let slot) = result { return slot }
        return nil
    }

    private func refusal(_ result: Result<StreamSlots.Slot, StreamSlots.Refusal>) -> StreamSlots.Refusal? {
        if case .failure(let refusal) = result { return refusal }
        return nil
    }

    func testSlotsAreBoundedAndComeBackWhenReleased() {
        let slots = StreamSlots(limit: 2, perKey: 2)
        var first = taken(slots.take(key: 1))
        let second = taken(slots.take(key: 2))
        XCTAssertNotNil(first)
        XCTAssertNotNil(second)
        XCTAssertEqual(refusal(slots.take(key: 3)), .full, "both slots are taken")
        XCTAssertEqual(slots.inUse, 2)
        first = nil
        XCTAssertEqual(slots.inUse, 1)
        XCTAssertNotNil(taken(slots.take(key: 3)))
        withExtendedLifetime(second) {}
    }

    func testOneKeyTakesNoMoreThanItsShare() {
        let slots = StreamSlots(limit: 10, perKey: 2)
        var mine = [taken(slots.take(key: 7)), taken(slots.take(key: 7))]
        XCTAssertTrue(mine.allSatisfy { $0 != nil })
        XCTAssertEqual(refusal(slots.take(key: 7)), .keyFull)
        XCTAssertNotNil(taken(slots.take(key: 8)), "another key still streams")
        XCTAssertEqual(slots.inUse, 2, "the refused and the dropped slots are given back")
        mine[0] = nil
        XCTAssertNotNil(taken(slots.take(key: 7)), "the key's slot came back with its holder")
        withExtendedLifetime(mine) {}
    }

    func testARefusalForAFullServerDoesNotCountAgainstTheKey() {
        let slots = StreamSlots(limit: 1, perKey: 1)
        var other = taken(slots.take(key: 1))
        XCTAssertNotNil(other)
        XCTAssertEqual(refusal(slots.take(key: 2)), .full)
        other = nil
        XCTAssertEqual(slots.inUse, 0)
        XCTAssertNotNil(taken(slots.take(key: 2)))
    }
}
