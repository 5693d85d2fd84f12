import Synchronization

/// Whether a write has queued webhook deliveries since the dispatcher last asked: the writer's
/// commit observer wakes the dispatcher only then, so a server without webhooks pays nothing per
/// commit. A write rolled back after queueing costs one needless wake-up, nothing more.
public enum WebhookOutbox {
    private static let queued = Atomic<Bool>(false)

    static func markQueued() {
        queued.store(true, ordering: .releasing)
    }

    /// True once after deliveries were queued; resets the flag.
    public static func takeQueued() -> Bool {
        queued.exchange(false, ordering: .acquiringAndReleasing)
    }
}
