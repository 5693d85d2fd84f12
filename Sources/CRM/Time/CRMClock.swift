import Synchronization

/// The server's notion of "now". Production reads the system clock; tests inject a frozen one
/// so that time-driven rules (SLA breaches, lifecycle decay) are checked without sleeping.
public final class CRMClock: Sendable {
    private let offsetMilliseconds = Mutex<Int64>(0)
    private let fixed = Mutex<Timestamp?>(nil)

    public static let system = CRMClock()

    public init() {}

    /// A clock frozen at `time` until ``set(_:)`` or ``advance(milliseconds:)`` moves it.
    public init(fixedAt time: Timestamp) {
        fixed.withLock { $0 = time }
    }

    public func now() -> Timestamp {
        if let frozen = fixed.withLock({ $0 }) { return frozen }
        return Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch + offsetMilliseconds.withLock { $0 })
    }

    public func set(_ time: Timestamp) {
        fixed.withLock { $0 = time }
    }

    public func advance(milliseconds: Int64) {
        let moved = fixed.withLock { frozen -> Bool in
            guard let current = frozen else { return false }
            frozen = Timestamp(millisecondsSinceEpoch: current.millisecondsSinceEpoch + milliseconds)
            return true
        }
        if !moved { offsetMilliseconds.withLock { $0 += milliseconds } }
    }
}
