import SQLite

/// The events a write job fired that automations trigger on, kept with the writer's connection
/// (``StoreConnection/attachment``): ``ChangeLog`` notes them as it records them, and when the job is
/// done ``Database`` hands them to the handler the server installed, still inside the job's
/// transaction (API.md §2: event-triggered automations run in the transaction of the write that
/// fired them, right after it).
final class WriteEvents {
    struct Event {
        let type: String
        let recordType: String
        let id: Int64
    }

    /// Acts on `events`; true when any automation ran its actions (a write may have changed
    /// the records the job is about to answer with).
    typealias Handler = @Sendable (_ connection: StoreConnection, _ events: [Event]) throws -> Bool

    let handler: Handler
    private(set) var fired: [Event] = []
    /// Off while automations act, so their own writes fire nothing (no cascades).
    private var collecting = true

    init(handler: @escaping Handler) {
        self.handler = handler
    }

    /// The events of `connection`'s current job, if a handler is installed there.
    static func of(_ connection: StoreConnection) -> WriteEvents? {
        connection.attachment as? WriteEvents
    }

    /// Notes an event if it is one automations trigger on.
    func note(type: String, recordType: String, id: Int64) {
        guard collecting, AutomationDefinition.eventTypes.contains(type) else { return }
        fired.append(Event(type: type, recordType: recordType, id: id))
    }

    /// Runs `job`, then the handler over the events it fired (none are noted while the handler
    /// runs). A job that throws leaves nothing behind for the next one.
    func around<T>(_ connection: StoreConnection, _ job: (StoreConnection) throws -> T) throws -> T {
        fired.removeAll(keepingCapacity: true)
        let result = try job(connection)
        _ = try settle(connection)
        return result
    }

    /// Runs the handler now over the events the job has fired so far, rather than after the job:
    /// a job that answers with the record it wrote calls this first, so the answer (its `ETag`,
    /// an idempotent replay) is the version that commits. True when any automation acted.
    func settle(_ connection: StoreConnection) throws -> Bool {
        guard !fired.isEmpty else { return false }
        let events = fired
        fired.removeAll(keepingCapacity: true)
        return try withoutCollecting { try handler(connection, events) }
    }

    /// Forgets the events noted since the last settle: they belong to a write that was rolled
    /// back (a failed record of a batch), so nothing they name was committed.
    func discard() {
        fired.removeAll(keepingCapacity: true)
    }

    /// Runs `body` with nothing noted (the daily run's own writes).
    func withoutCollecting<T>(_ body: () throws -> T) rethrows -> T {
        let was = collecting
        collecting = false
        defer { collecting = was }
        return try body()
    }
}
