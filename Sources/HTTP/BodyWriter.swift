import Foundation
import Synchronization

/// The producer's end of a streamed response body (see ``StreamingBody``).
///
/// Writes hop to the connection's loop; a write blocks the producing worker thread while more
/// than `highWater` bytes are queued but not yet taken by the socket, so a slow client slows
/// the producer instead of growing memory. Once the connection is gone, writes throw.
public final class BodyWriter: Sendable {
    public struct ConnectionClosed: Error {}

    private struct State {
        var queuedBytes = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let drained = DispatchSemaphore(value: 0)
    private let highWater: Int
    private let deliver: @Sendable ([UInt8]) -> Void

    init(highWater: Int = 256 * 1024, deliver: @escaping @Sendable ([UInt8]) -> Void) {
        self.highWater = highWater
        self.deliver = deliver
    }

    /// Sends `bytes` as the next piece of the body. Empty writes are ignored.
    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        while true {
            let mustWait = try state.withLock { state -> Bool in
                if state.closed { throw ConnectionClosed() }
                if state.queuedBytes > highWater { return true }
                state.queuedBytes += bytes.count
                return false
            }
            if !mustWait { break }
            drained.wait()
        }
        deliver(bytes)
    }

    /// Called by the connection (on its loop) once its output buffer is empty again.
    func didDrain() {
        let wasWaiting = state.withLock { state -> Bool in
            let waiting = state.queuedBytes > highWater
            state.queuedBytes = 0
            return waiting
        }
        if wasWaiting { drained.signal() }
    }

    /// Called by the connection when it closes: the producer's next write throws.
    func connectionClosed() {
        state.withLock { $0.closed = true }
        drained.signal()
    }
}
