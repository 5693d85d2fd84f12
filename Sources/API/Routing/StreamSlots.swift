import Synchronization

/// How many streamed responses (exports) may run at once. Each holds a producer thread that
/// blocks while its client reads slowly, so the count is bounded: past it the request is
/// answered `503` with `Retry-After` before anything is streamed.
///
///     guard let slot = slots.take() else { throw APIError.unavailable(…) }
///     StreamingBody { body in withExtendedLifetime(slot) { … } }
///
/// A slot is given back when the last reference to it goes: when the stream's producer is done
/// with it, or when a response that never got to stream (its client left first) is dropped.
final class StreamSlots: Sendable {
    /// One running stream's place; returns itself when released.
    final class Slot: Sendable {
        private let slots: StreamSlots

        fileprivate init(_ slots: StreamSlots) {
            self.slots = slots
        }

        deinit { slots.giveBack() }
    }

    let limit: Int
    private let running = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot if one is free.
    func take() -> Slot? {
        var current = running.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = running.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return Slot(self) }
            current = original
        }
        return nil
    }

    private func giveBack() {
        running.subtract(1, ordering: .relaxed)
    }

    /// Streams running now.
    var inUse: Int { running.load(ordering: .relaxed) }
}
