import Dispatch
import Synchronization

/// Hands work from one producing thread to one consuming thread, at most `depth` items ahead, so
/// the seed generates the next batch on one core while the writer stores the last on the other.
final class BatchChannel<Item: Sendable>: Sendable {
    private let items = Mutex<(queue: [Item], closed: Bool)>(([], false))
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore

    init(depth: Int) {
        free = DispatchSemaphore(value: depth)
    }

    /// Waits for room; false once the consumer has closed the channel (the item is dropped).
    @discardableResult
    func send(_ item: Item) -> Bool {
        free.wait()
        let accepted = items.withLock { state in
            if !state.closed { state.queue.append(item) }
            return !state.closed
        }
        if accepted { filled.signal() } else { free.signal() }
        return accepted
    }

    /// Waits for the next item.
    func receive() -> Item {
        filled.wait()
        let item = items.withLock { $0.queue.removeFirst() }
        free.signal()
        return item
    }

    /// Stops the producer: its waiting and later sends return false.
    func close() {
        items.withLock { $0.closed = true }
        free.signal()
    }
}
