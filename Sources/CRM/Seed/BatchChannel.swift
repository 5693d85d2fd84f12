import Dispatch
import Synchronization

/// Hands work from one producing thread to one consuming thread, at most `depth` items ahead, so
/// the seed generates the next batch on one core while the writer stores the last on the other.
final class BatchChannel<Item: Sendable>: Sendable {
    private let state = Mutex<(queue: [Item], closed: Bool)>(([], false))
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore

    init(depth: Int) {
        free = DispatchSemaphore(value: depth)
    }

    /// Waits for room; false once the channel is closed (the item is dropped).
    @discardableResult
    func send(_ item: Item) -> Bool {
        free.wait()
        let accepted = state.withLock { state in
            if !state.closed { state.queue.append(item) }
            return !state.closed
        }
        // A closed channel passes the wake-up on, so every later send returns at once too.
        if accepted { filled.signal() } else { free.signal() }
        return accepted
    }

    /// Waits for the next item; nil once the channel is closed and every item sent is taken.
    func receive() -> Item? {
        filled.wait()
        let item = state.withLock { $0.queue.isEmpty ? nil : $0.queue.removeFirst() }
        if item != nil { free.signal() } else { filled.signal() }
        return item
    }

    /// Ends the channel, from either side: at the end of the work (the receiver still gets what
    /// was sent), or to stop after a failure (`discardingQueued`). Wakes whichever side waits.
    func close(discardingQueued: Bool = false) {
        state.withLock { state in
            state.closed = true
            if discardingQueued { state.queue.removeAll() }
        }
        free.signal()
        filled.signal()
    }
}
