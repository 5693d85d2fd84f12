import HTTP
import Synchronization

/// How many streamed responses (exports) may run at once, in all and per API key. Each holds a
/// producer thread that blocks while its client reads slowly, so the count is bounded: past it
/// the request is answered `503` with `Retry-After` before anything is streamed. The per-key
/// bound keeps one key — a script gone wrong, or a client that opens exports and reads them a
/// byte a minute — from taking every slot from everyone else.
///
///     guard let slot = slots.take(key: id) else { throw APIError.unavailable(…) }
///     StreamingBody { body in withExtendedLifetime(slot) { … } }
///
/// A slot is given back when the last reference to it goes: when the stream's producer is done
/// with it, or when a response that never got to stream (its client left first) is dropped.
final class StreamSlots: Sendable {
    /// One running stream's place; returns itself when released.
    final class Slot: Sendable {
        private let slots: StreamSlots
        private let key: Int64

        fileprivate init(_ slots: StreamSlots, key: Int64) {
            self.slots = slots
            self.key = key
        }

        deinit { slots.release(key: key) }
    }

    /// Why a slot was not given.
    enum Refusal: Error, Equatable {
        /// Every slot is taken.
        case full
        /// The key already runs as many streams as one key may.
        case keyFull
    }

    private let running: Quota
    let perKey: Int
    private let byKey = Mutex<[Int64: Int]>([:])

    init(limit: Int, perKey: Int) {
        running = Quota(limit: max(1, limit))
        self.perKey = max(1, perKey)
    }

    var limit: Int { running.limit }

    /// Takes a slot for a stream of `key` if one is free, in all and for the key.
    func take(key: Int64) -> Result<Slot, Refusal> {
        let counted = byKey.withLock { counts -> Bool in
            let count = counts[key, default: 0]
            guard count < perKey else { return false }
            counts[key] = count + 1
            return true
        }
        guard counted else { return .failure(.keyFull) }
        guard running.reserve(1) else {
            uncount(key)
            return .failure(.full)
        }
        return .success(Slot(self, key: key))
    }

    /// A slot for a stream of `key`, or the `503` that says which bound refused it.
    func slot(forKey key: Int64) throws -> Slot {
        switch take(key: key) {
        case .success(let slot): return slot
        case .failure(.full): throw APIError.unavailable("\(limit) exports are running; retry")
        case .failure(.keyFull): throw APIError.unavailable("this key is running \(perKey) exports, as many as one key may; retry")
        }
    }

    /// Streams running now.
    var inUse: Int { running.inUse }

    fileprivate func release(key: Int64) {
        running.release(1)
        uncount(key)
    }

    private func uncount(_ key: Int64) {
        byKey.withLock { counts in
            let count = counts[key, default: 1] - 1
            counts[key] = count > 0 ? count : nil
        }
    }
}
