import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// The listening socket's presence on one loop. Every loop registers the same socket with
/// `EPOLLEXCLUSIVE`, so the kernel wakes one loop per arriving connection and the accepted
/// connection stays on that loop for its whole life.
final class Listener: EventSource {
    private let socket: Socket
    private let loop: EventLoop
    private let core: ServerCore
    private var registered = false
    /// Accepting is paused until the next sweep: the process ran out of descriptors, and the
    /// socket stays readable (level-triggered) while connections wait, so it would wake the loop
    /// without end (found by a black-box audit: one core spinning on failed `accept`s).
    private var paused = false

    init(socket: Socket, loop: EventLoop, core: ServerCore) {
        self.socket = socket
        self.loop = loop
        self.core = core
    }

    func start() throws {
        try loop.register(socket.descriptor, events: EPOLLIN.rawValue, source: self, exclusive: true)
        registered = true
    }

    func handleEvents(_ events: UInt32) {
        // Bounded so a connection storm cannot starve the connections already on this loop.
        for _ in 0..<64 {
            guard registered, let accepted = try? socket.accept() else { return }
            let client: Socket
            switch accepted {
            case .connection(let socket): client = socket
            case .none: return
            case .exhausted:
                paused = true
                loop.pauseEvents(socket.descriptor)
                return
            }
            let connection = HTTPConnection(socket: client, loop: loop, core: core)
            do {
                try connection.start()
            } catch {
                client.close()
            }
        }
    }

    /// A listener writes nothing.
    func writeDeferred() {}

    /// Accepting again after a pause, once per sweep: descriptors may have been freed since.
    func checkTimeouts(now: Int64) {
        guard paused, registered else { return }
        do {
            try loop.resumeEvents(socket.descriptor, events: EPOLLIN.rawValue, exclusive: true)
            paused = false
        } catch {
            // Still out of something: the next sweep tries again.
        }
    }

    var hasRequestInFlight: Bool { false }

    func finishDraining() {}

    /// Shutdown step one: stop accepting on this loop.
    func beginDraining() {
        guard registered else { return }
        registered = false
        loop.deregister(socket.descriptor)
    }
}
