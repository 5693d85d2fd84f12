import CLinux
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Something registered with an ``EventLoop`` that reacts to readiness of its descriptor.
///
/// Only ever called on the loop's own thread.
protocol EventSource: AnyObject {
    func handleEvents(_ events: UInt32)
    /// Called at the end of the loop iteration in which the source asked for it
    /// (``EventLoop/deferWrite(_:)``): write what is queued.
    func writeDeferred()
    /// Called every sweep with the current monotonic time, to enforce timeouts.
    func checkTimeouts(now: Int64)
    /// Called once when the server begins its graceful shutdown: take no new work.
    func beginDraining()
    /// Called once when no source of any loop has a request in flight any more: close what is idle.
    func finishDraining()
    /// Whether a request is in flight here (received in part or whole, being answered, or its
    /// answer not yet written); the drain waits for these.
    var hasRequestInFlight: Bool { get }
}

/// One thread multiplexing many connections with epoll (level-triggered).
///
/// Why epoll and not Dispatch sources: a Dispatch read source per connection costs a block
/// allocation and a queue hop per readiness event; one `epoll_wait` returns a batch of ready
/// descriptors on a thread that then does all the work inline (see docs/architecture.md).
///
/// Everything mutable here is confined to the loop thread except the task queue, which is
/// behind a mutex and paired with an eventfd that wakes `epoll_wait`.
final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: `sources`, `readBuffer`, `logBuffer`, `stopping` and the timers are
    // touched only on `thread`; other threads only call `execute`, which locks `tasks`.
    let index: Int
    private let epoll: Int32
    private let wakeDescriptor: Int32
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    private var sources: [EventSource?] = []
    private(set) var sourceCount = 0
    /// The loop thread's `pthread_t`, 0 until it starts; atomic because other threads compare against it.
    private let threadID = Atomic<UInt>(0)
    private let sweepIntervalMilliseconds: Int64
    private var nextSweep: Int64 = 0
    private var running = true
    /// Scratch space for socket reads, shared by every connection of this loop.
    let readBuffer: UnsafeMutableRawBufferPointer
    // `@exclusivity(unchecked)` on the three below: touched once or twice per request, only on
    // the loop's thread, each access a single call that ends before another can begin (the
    // access log's buffer and clock are two properties, passed side by side); the run-time
    // check would cost about eighty instructions per access.
    /// Access-log lines written by this loop's connections, flushed once per iteration.
    @exclusivity(unchecked) var logBuffer: [UInt8] = []
    let logToStandardError: Bool
    let dateCache = HTTPDateCache()
    @exclusivity(unchecked) var logClock = TimestampCache()
    @exclusivity(unchecked) var requestIDs: RequestIDGenerator
    /// Sources with output queued during this iteration's events and tasks, written at its end
    /// (``deferWrite(_:)``).
    @exclusivity(unchecked) private var deferredWriters: [EventSource] = []
    /// True while the loop handles an iteration's events and tasks: output queued then waits for
    /// the iteration's end.
    @exclusivity(unchecked) private(set) var defersWrites = false
    private(set) var isDraining = false
    private var drainFinished = false
    /// Set while draining once none of this loop's sources has a request in flight; read by the
    /// server's shutdown on its own thread.
    private let quiet = Atomic<Bool>(false)
    let stopped = DispatchSemaphore(value: 0)

    init(index: Int, sweepIntervalMilliseconds: Int64, logToStandardError: Bool) throws {
        self.index = index
        self.sweepIntervalMilliseconds = max(5, sweepIntervalMilliseconds)
        self.logToStandardError = logToStandardError
        self.requestIDs = RequestIDGenerator(loopIndex: index)
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw SocketError("epoll_create1", errno: errno) }
        wakeDescriptor = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeDescriptor >= 0 else { throw SocketError("eventfd", errno: errno) }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeDescriptor
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wakeDescriptor, &event) == 0 else {
            throw SocketError("epoll_ctl(eventfd)", errno: errno)
        }
    }

    deinit {
        readBuffer.deallocate()
        close(wakeDescriptor)
        close(epoll)
    }

    var inEventLoop: Bool {
        threadID.load(ordering: .acquiring) == UInt(pthread_self())
    }

    /// Runs `task` on the loop thread soon. Safe from any thread.
    func execute(_ task: @escaping @Sendable () -> Void) {
        let wasEmpty = tasks.withLock { queue in
            queue.append(task)
            return queue.count == 1
        }
        // One wake-up per batch of tasks is enough: the loop drains the whole queue.
        if wasEmpty {
            var one: UInt64 = 1
            _ = withUnsafeBytes(of: &one) { Glibc.write(wakeDescriptor, $0.baseAddress, 8) }
        }
    }

    // MARK: Registration (loop thread only)

    func register(_ descriptor: Int32, events: UInt32, source: EventSource, exclusive: Bool = false) throws {
        try resumeEvents(descriptor, events: events, exclusive: exclusive)
        let slot = Int(descriptor)
        if slot >= sources.count { sources.append(contentsOf: repeatElement(nil, count: slot - sources.count + 64)) }
        if sources[slot] == nil { sourceCount += 1 }
        sources[slot] = source
    }

    func modify(_ descriptor: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = descriptor
        _ = epoll_ctl(epoll, EPOLL_CTL_MOD, descriptor, &event)
    }

    /// Takes `descriptor` out of epoll's interest but keeps its source (and its sweeps) on the
    /// loop, until ``resumeEvents(_:events:exclusive:)``.
    func pauseEvents(_ descriptor: Int32) {
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
    }

    /// Gives a paused descriptor back to epoll (an `ADD`: `EPOLLEXCLUSIVE` cannot be modified).
    func resumeEvents(_ descriptor: Int32, events: UInt32, exclusive: Bool = false) throws {
        var event = epoll_event()
        event.events = events | (exclusive ? EPOLLEXCLUSIVE.rawValue : 0)
        event.data.fd = descriptor
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event) == 0 else {
            throw SocketError("epoll_ctl(ADD)", errno: errno)
        }
    }

    func deregister(_ descriptor: Int32) {
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
        let slot = Int(descriptor)
        if slot < sources.count, sources[slot] != nil {
            sources[slot] = nil
            sourceCount -= 1
        }
    }

    // MARK: Running

    /// Starts the loop on a new thread; `threadStarted` runs first on that thread.
    func start(threadStarted: @escaping @Sendable () -> Void = {}) {
        let thread = Thread { [self] in
            self.threadID.store(UInt(pthread_self()), ordering: .releasing)
            threadStarted()
            self.run()
            self.stopped.signal()
        }
        thread.name = "http-loop-\(index)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Asks every source to drain: in-flight requests finish, idle connections stay open (so a
    /// request sent on one is answered `503`, not dropped) until ``finishDraining()``. The loop
    /// stops by itself once no source is left.
    func beginDraining() {
        execute { [self] in
            isDraining = true
            for source in sources { source?.beginDraining() }
        }
    }

    /// Whether this loop has drained: no source holds a request in flight (or the loop stopped).
    var isQuiet: Bool { quiet.load(ordering: .acquiring) }

    /// Every loop is quiet: idle connections close, and busy ones as soon as they are idle.
    func finishDraining() {
        execute { [self] in
            drainFinished = true
            for source in sources { source?.finishDraining() }
        }
    }

    /// Stops the loop at once, closing nothing; used after the drain deadline.
    func stop() {
        execute { [self] in running = false }
    }

    private func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        nextSweep = MonotonicClock.milliseconds() + sweepIntervalMilliseconds
        while running {
            let timeout = Int32(clamping: max(0, nextSweep - MonotonicClock.milliseconds()))
            let count = epoll_wait(epoll, events, Int32(capacity), timeout)
            if count < 0 && errno != EINTR { break }
            defersWrites = true
            for i in 0..<max(0, Int(count)) {
                let event = events[i]
                let descriptor = event.data.fd
                if descriptor == wakeDescriptor {
                    var value: UInt64 = 0
                    _ = withUnsafeMutableBytes(of: &value) { Glibc.read(wakeDescriptor, $0.baseAddress, 8) }
                    continue
                }
                let slot = Int(descriptor)
                if slot < sources.count, let source = sources[slot] {
                    source.handleEvents(event.events)
                }
            }
            runTasks()
            defersWrites = false
            writeDeferred()
            let now = MonotonicClock.milliseconds()
            if now >= nextSweep {
                for source in sources { source?.checkTimeouts(now: now) }
                nextSweep = now + sweepIntervalMilliseconds
            }
            flushLog()
            if isDraining {
                if sourceCount == 0 {
                    running = false
                } else if !drainFinished {
                    quiet.store(!sources.contains { $0?.hasRequestInFlight == true }, ordering: .releasing)
                }
            }
        }
        runTasks()
        flushLog()
        quiet.store(true, ordering: .releasing)
    }

    private func runTasks() {
        // Tasks may enqueue more tasks; those run on the next pass, after the eventfd fires.
        // Taken by swapping, not copied and emptied: emptying a buffer still referenced by the
        // copy would allocate a new one on every loop iteration, tasks or not.
        let pending = tasks.withLock { queue -> [@Sendable () -> Void] in
            var taken: [@Sendable () -> Void] = []
            swap(&taken, &queue)
            return taken
        }
        for task in pending { task() }
    }

    /// Asks for `source`'s ``EventSource/writeDeferred()`` at the end of this iteration, once.
    ///
    /// Why writes wait for the iteration's end: each write to a loopback client that is asleep
    /// wakes it, and on a virtual machine a wake-up of another core costs microseconds. Written
    /// one by one, between the requests they answer, the answers woke a client per request; written
    /// together, one wake-up serves the whole batch (docs/architecture.md, "Hot read path").
    func deferWrite(_ source: EventSource) {
        deferredWriters.append(source)
    }

    /// Runs with ``defersWrites`` off, so no source is added to the list while it is walked.
    private func writeDeferred() {
        guard !deferredWriters.isEmpty else { return }
        for writer in deferredWriters { writer.writeDeferred() }
        deferredWriters.removeAll(keepingCapacity: true)
    }

    private func flushLog() {
        guard !logBuffer.isEmpty else { return }
        if logToStandardError {
            logBuffer.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { if errno == EINTR { continue } else { break } }
                    offset += written
                }
            }
        }
        logBuffer.removeAll(keepingCapacity: true)
    }
}

/// Holds a loop-confined value so that a `@Sendable` closure can carry it back to its loop.
///
/// `@unchecked Sendable`: the wrapped value is only dereferenced inside `EventLoop.execute`
/// tasks of the loop that owns it, or on that loop's thread directly, never elsewhere.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    let value: Value
}
