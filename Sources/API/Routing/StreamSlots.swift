import HTTP

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
        private let running: Quota

        fileprivate init(_ running: Quota) {
            self.running = running
        }

        deinit { running.release(1) }
    }

    private let running: Quota

    init(limit: Int) {
        running = Quota(limit: max(1, limit))
    }

    var limit: Int { running.limit }

    /// Takes a slot if one is free.
    func take() -> Slot? {
        running.reserve(1) ? Slot(running) : nil
    }

    /// Streams running now.
    var inUse: Int { running.inUse }
}
